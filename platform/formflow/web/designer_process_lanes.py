"""The process builder's panel of a parallel branch (its title, and the condition it
starts on, made with the condition builder) and of a parallel group's join (when the
record goes on, what a rejection in a branch ends).  The flow selects a branch as
``b:<parallel state>/<branch>`` and a join as ``j:<parallel state>``."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from formflow.web.designer_conditions import posted_expression
from formflow.web.designer_model import label_of
from formflow.web.designer_process_groups import Refused
from formflow.web.designer_process_guard import process_builder
from formflow.web.designer_process_model import Flow
from formflow.web.designer_process_ops import NotInProcess

JOINS = ("all", "any", "first")
ON_REJECT = ("all", "branch")


def _parallel(document: dict, fork: str) -> dict:
    parallel = (Flow(document).states.get(fork) or {}).get("parallel")
    if not isinstance(parallel, dict):
        raise NotInProcess(fork)
    return parallel


def _lane(document: dict, node: str) -> tuple[str, dict, dict]:
    """The parallel state, its ``parallel`` key and the branch ``node`` names."""
    fork, _slash, name = node[2:].partition("/")
    parallel = _parallel(document, fork)
    lanes = [b for b in parallel.get("branches") or [] if isinstance(b, dict)]
    lane = next((b for b in lanes if b.get("name") == name), None)
    if lane is None:
        raise NotInProcess(node[2:])
    return fork, parallel, lane


def lane_context(
    app: str, process: str, draft: Any, document: dict, node: str | None, editable: bool
) -> dict:
    """What the panel shows of the branch or join ``node`` (nothing for other nodes)."""
    if node and node.startswith("b:"):
        try:
            fork, _parallel_key, lane = _lane(document, node)
        except NotInProcess:
            return {}
        key = "lane-" + node[2:].replace("/", ".")
        path = f"processes/{process}/states/{fork}/parallel"
        where = (key, path, lane.get("when"))
        builder = process_builder(app, process, draft, document, node, where, editable)
        builder.label = _("Starts when (condition)")
        return {"lane": lane, "lane_builder": builder}
    if node and node.startswith("j:") and node[2:] in Flow(document).states:
        parallel = Flow(document).states[node[2:]].get("parallel")
        return {"join_fork": node[2:], "parallel": parallel} if parallel else {}
    parallel = (Flow(document).states.get(node or "") or {}).get("parallel")
    if isinstance(parallel, dict):  # the parallel state itself: its title, branches, join
        lanes = [b for b in parallel.get("branches") or [] if isinstance(b, dict)]
        return {"fork": node, "join_fork": node, "parallel": parallel, "lanes": lanes}
    return {}


STEP_PARTS = frozenset({"assignees", "approval", "fields", "sla", "rules", "cc"})


def refuse_step_part(document: dict, node: str | None, part: str) -> None:
    """A parallel state has no approvers, CC, time limit or field permissions of its
    own (its branches' steps have): a form of an approval step is refused there."""
    if part in STEP_PARTS and (Flow(document).states.get(node or "") or {}).get("parallel"):
        raise Refused(
            _(
                "“%(state)s” runs parallel branches: set this on the steps of its branches.",
                state=node,
            )
        )


def lane_ops(process: str, document: dict, node: str, form: Any, fields: list[dict]) -> list:
    """The operations of saving a branch's condition (from the builder, or a plain
    ``when``) and its title (the ``label_*`` inputs)."""
    fork, parallel, lane = _lane(document, node)
    changed = dict(lane)
    if "mode" in form or "when" in form:
        when = (
            posted_expression(form, fields)
            if "mode" in form
            else ((form.get("when") or "").strip() or None)
        )
        changed.pop("when", None)
        changed.update({"when": when} if when else {})
    if any(k.startswith("label_") for k in form):
        changed.pop("label", None)
        changed.update({"label": label} if (label := label_of(form)) else {})
    branches = [changed if b is lane else b for b in parallel.get("branches") or []]
    path = f"processes/{process}/states/{fork}/parallel"
    return [{"op": "set", "path": path, "value": {**parallel, "branches": branches}}]


def join_ops(process: str, document: dict, node: str, form: Any) -> list:
    """The operations of saving when the parallel state ``node`` (``j:<state>``) goes
    on: ``join`` all, any or first (``first`` branches), and ``on_reject``."""
    fork = node.removeprefix("j:")
    parallel = _parallel(document, fork)
    join, first = form.get("join"), (form.get("first") or "").strip()
    count = len(parallel.get("branches") or [])
    if join not in JOINS or form.get("on_reject") not in ON_REJECT:
        raise Refused(_("Choose when the branches join and what a rejection ends."))
    if join == "first" and not (first.isdigit() and 1 <= int(first) <= count):
        raise Refused(_("Give a number of branches from 1 to %(n)s.", n=count))
    value = {**parallel, "join": {"first": int(first)} if join == "first" else join}
    value["on_reject"] = form["on_reject"]
    return [{"op": "set", "path": f"processes/{process}/states/{fork}/parallel", "value": value}]
