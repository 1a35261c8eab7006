"""The process lint of a state's ``hidden`` fields (metadata/hidden_lint.py): known
fields, never also editable in the state, never required by a transition leaving it."""

from __future__ import annotations

import json
import shutil

import pytest

from formflow.metadata.loader import collect_problems
from support import TEST_APPS

RAISE_FLOW = "processes/raise_flow.json"


def problems_after(tmp_path, change):
    folder = tmp_path / "pay"
    shutil.copytree(TEST_APPS / "stepfields" / "pay", folder)
    path = folder / RAISE_FLOW
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")
    return [(p.path, p.message) for p in collect_problems([tmp_path]) if p.level == "error"]


def _review(document):
    return next(s for s in document["states"] if s["name"] == "manager_review")


def test_the_scenario_app_with_hidden_fields_checks_cleanly(tmp_path):
    assert problems_after(tmp_path, lambda d: None) == []


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda d: _review(d).update(hidden=["salary", "wage"]),
            "states/1/hidden/1",
            "unknown field 'wage'",
        ),
        (
            lambda d: _review(d).update(hidden=["_created_by"]),
            "states/1/hidden/0",
            "unknown field '_created_by'",
        ),
        (
            lambda d: _review(d).update(hidden=["note"]),
            "states/1/hidden/0",
            "field 'note' is both editable and hidden in state 'manager_review'",
        ),
        (
            lambda d: _review(d).update(editable="*"),
            "states/1/hidden/0",
            "state 'manager_review' makes every field editable ('*'), so it cannot hide 'salary'",
        ),
        (
            lambda d: d["transitions"][1].update(required=["note", "remark"]),
            "transitions/1/required/1",
            "transition 'approve' from 'manager_review' requires 'remark', which state "
            "'manager_review' hides from its actors",
        ),
        (
            lambda d: d["transitions"][3].update(required=["salary"]),
            "transitions/3/required/0",
            "transition 'reject' from 'manager_review' requires 'salary', which state "
            "'manager_review' hides",
        ),
        (
            lambda d: _review(d).update(hidden=["subject"]),
            "states/1/hidden/0",
            "the title of 'raise' shows 'subject', so state 'manager_review' cannot hide it",
        ),
    ],
)
def test_hidden_field_problem(tmp_path, change, path, message):
    problems = problems_after(tmp_path, change)

    assert any(p == path and message in m for p, m in problems), problems


def test_hidden_must_be_a_list_of_field_names(tmp_path):
    problems = problems_after(tmp_path, lambda d: _review(d).update(hidden="salary"))

    assert [p for p, _ in problems] == ["states/1/hidden"]


def test_a_required_field_of_a_transition_from_another_state_may_be_hidden(tmp_path):
    """hr_review shows the salary; a transition leaving it may require it."""
    assert problems_after(tmp_path, lambda d: d["transitions"][2].update(required=["salary"])) == []


def _with_fields(tmp_path, *fields):
    """The scenario app whose entity has ``fields`` (computed or fetched ones) in place of
    its own of the same names, or more."""
    path = tmp_path / "pay" / "entities" / "raise.json"
    entity = json.loads(path.read_text(encoding="utf-8"))
    names = {f["name"] for f in fields}
    entity["fields"] = [f for f in entity["fields"] if f["name"] not in names] + list(fields)
    path.write_text(json.dumps(entity), encoding="utf-8")
    return [(p.path, p.message) for p in collect_problems([tmp_path]) if p.level == "error"]


@pytest.mark.parametrize(
    ("field", "hidden_name"),
    [
        ({"name": "yearly", "type": "integer", "compute": "salary * 12"}, "salary"),
        ({"name": "says", "type": "text", "compute": "upper(remark)"}, "remark"),
        ({"name": "says", "type": "text", "fetch": "remark.subject"}, "remark"),
    ],
)
def test_a_computed_field_shown_where_what_it_reads_is_hidden(tmp_path, field, hidden_name):
    problems_after(tmp_path, lambda d: None)

    link = {"name": "remark", "type": "link", "to": "raise"} if "fetch" in field else None
    problems = _with_fields(tmp_path, field, *([link] if link else []))

    message = (
        f"state 'manager_review' hides {hidden_name!r} but shows {field['name']!r}, "
        "which is computed from it"
    )
    assert [(p, m) for p, m in problems if "computed from" in m] == [
        ("states/1/hidden", message + f": hide {field['name']!r} there too")
    ]


def test_a_computed_field_hidden_with_what_it_reads_is_fine(tmp_path):
    problems_after(tmp_path, lambda d: _review(d).update(hidden=["salary", "remark", "yearly"]))

    problems = _with_fields(
        tmp_path, {"name": "yearly", "type": "integer", "compute": "salary * 12"}
    )

    assert problems == []
