"""The process lint of parallel states (metadata/branch_lint.py): every branch reaches
its join, no join waits for a branch that cannot start, steps belong to one branch, and
only the engine's join leaves a parallel state."""

from __future__ import annotations

import json
import shutil

import pytest

from formflow.metadata.loader import collect_problems
from support.branch_fixtures import BRANCH_APPS

DEAL_FLOW = "processes/deal_flow.json"
PICK_FLOW = "processes/pick_flow.json"


def problems_after(tmp_path, relative, change):
    folder = tmp_path / "fork"
    shutil.copytree(BRANCH_APPS / "fork", folder)
    path = folder / relative
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")
    return [(p.path, p.message) for p in collect_problems([tmp_path]) if p.level == "error"]


def _state(document, name):
    return next(s for s in document["states"] if s["name"] == name)


def _drop_transitions(document, to):
    document["transitions"] = [t for t in document["transitions"] if t["to"] != to]


def test_the_scenario_app_checks_cleanly(tmp_path):
    assert problems_after(tmp_path, DEAL_FLOW, lambda d: None) == []


@pytest.mark.parametrize(
    ("relative", "change", "path", "message"),
    [
        (DEAL_FLOW, lambda d: _drop_transitions(d, "@join"), "states/1/parallel/branches/0/steps/0",
         "branch 'legal' never reaches its join from 'legal_review'"),
        (PICK_FLOW, lambda d: [b.update(when="subject != 'x'")
                               for b in _state(d, "vote")["parallel"]["branches"][1:]],
         "states/1/parallel/join", "the join waits for 2 branches, but only 1"),
        (PICK_FLOW, lambda d: _state(d, "vote")["parallel"].update(join={"first": 4}),
         "states/1/parallel/join", "the join waits for 4 branches, but only 3"),
        (DEAL_FLOW, lambda d: _state(d, "review")["parallel"]["branches"][2]["steps"].append(
            "legal_sign"), "states/1/parallel/branches/2/steps/1",
         "'legal_sign' is already a step of branch 'review/legal'"),
        (DEAL_FLOW, lambda d: _state(d, "review")["parallel"]["branches"][0]["steps"].append(
            "nowhere"), "states/1/parallel/branches/0/steps/2", "unknown state 'nowhere'"),
        (DEAL_FLOW, lambda d: _state(d, "review")["parallel"]["branches"][0]["steps"].append(
            "done"), "states/1/parallel/branches/0/steps/2", "cannot be a branch step"),
        (DEAL_FLOW, lambda d: _state(d, "review")["parallel"]["branches"][1].update(
            name="legal"), "states/1/parallel/branches/1/name", "duplicate branch 'legal'"),
        (DEAL_FLOW, lambda d: _state(d, "review")["parallel"]["branches"][1].update(
            when="amount > 'x'"), "states/1/parallel/branches/1/when", ""),
        (DEAL_FLOW, lambda d: _state(d, "review").update(assignees=[{"role": "legal"}]),
         "states/1/assignees", "parallel state 'review' cannot have 'assignees'"),
        (DEAL_FLOW, lambda d: d["transitions"].append(
            {"name": "skip", "from": "review", "to": "done", "by": "creator"}),
         "transitions/10", "a parallel state is left only by the engine's 'join'"),
        (DEAL_FLOW, lambda d: d["transitions"].append(
            {"name": "jump", "from": "ops_review", "to": "legal_sign"}),
         "transitions/10/to", "'ops_review' cannot move to 'legal_sign', a step of branch"),
        (DEAL_FLOW, lambda d: d["transitions"].append(
            {"name": "back", "from": "ops_review", "to": "@previous"}),
         "transitions/10/to", "names the step it goes to, not '@previous'"),
        (DEAL_FLOW, lambda d: d["transitions"].append(
            {"name": "done", "from": "signing", "to": "@join"}),
         "transitions/10/to", "'@join' ends a branch: 'signing' is no branch step"),
        (DEAL_FLOW, lambda d: _drop_transitions(d, "signing"), "states/1",
         "state 'review' has no way out"),
    ],
)
def test_parallel_state_problem(tmp_path, relative, change, path, message):
    problems = problems_after(tmp_path, relative, change)
    assert any(p == path and message in m for p, m in problems), problems


def test_a_step_no_branch_reaches_is_reported(tmp_path):
    def change(document):
        _state(document, "review")["parallel"]["branches"][2]["steps"].append("signing")

    problems = problems_after(tmp_path, DEAL_FLOW, change)
    assert ("states/1/parallel/branches/2/steps/1",
            "step 'signing' cannot be reached from 'ops_review'") in problems
