"""The process builder's ⊕ around groups of branches: a step before a condition branch
group (the branches then start from it) or where its branches meet again, and parallel
branches (并行分支): a new parallel group, a branch more or less, a step inside a
branch.  Pure but for the translated refusals: a process document in, design
operations out.

``own`` starts the names of the states they add (``x_`` on a shipped app)."""

from __future__ import annotations

from flask_babel import gettext as _

from formflow.design.operations import apply_ops
from formflow.design.paths import transition_key
from formflow.web.designer_model import propose_name
from formflow.web.designer_process_model import BACK, JOIN, Flow, key_of, sources
from formflow.web.designer_process_ops import (
    APPROVE,
    NotInProcess,
    lane_steps,
    new_step,
    remove_step,
    retarget,
    transition_of,
)
from formflow.web.designer_process_table import BadValue

PARALLEL_LABEL = {"en": "Parallel branches", "zh-CN": "并行分支"}
JOIN_LABEL = {"en": "Join", "zh-CN": "汇合"}
#: What a condition branch's move keeps when a step is put before the branches: the
#: step's own decision (who, what it requires, what it sets) stays with the first move.
DECISION = ("label", "by", "required", "set", "comment")


class Refused(BadValue):
    """The place a ⊕ names cannot take what it adds (the message says why)."""


def _branches(flow: Flow, key: str) -> tuple[str, str, list[dict]]:
    """The action, the state and the transitions of the condition branch group the
    edge ``key`` (one of its branches) belongs to."""
    transition_of(flow, key)
    action, source, _to = transition_key(key)
    siblings = [
        t
        for t in flow.transitions
        if t.get("name") == action and source in sources(t) and t.get("to") not in (BACK, JOIN)
    ]
    return action, source, siblings


def _document(process: str, document: dict, ops: list[dict]) -> dict:
    key = f"processes/{process}.json"
    return apply_ops({key: document}, ops)[key]


def step_before(process: str, document: dict, key: str, own: str = "") -> tuple[str, list[dict]]:
    """A step before the condition branches of the edge ``key``: their state leads to it
    by the same action, and the branches (in their order, with their conditions) leave
    the new step by its approval."""
    flow = Flow(document)
    action, source, siblings = _branches(flow, key)
    targets = [t.get("to") for t in siblings]
    if twice := next((to for i, to in enumerate(targets) if to in targets[:i]), None):
        raise Refused(
            _(
                "Two of these branches lead to “%(state)s”, so the new step would leave by "
                "two moves of the same name to the same state. Lead one of them elsewhere, "
                "or join their conditions into one, first.",
                state=twice,
            )
        )
    name, ops = new_step(process, flow, source, None, own)
    base = f"processes/{process}/transitions"
    decision = {k: v for k, v in siblings[-1].items() if k in DECISION}
    for transition in siblings:
        rest = [s for s in sources(transition) if s != source]
        path = f"{base}/{key_of(transition, source)}"
        ops.append(
            {"op": "set", "path": f"{path}/from", "value": rest}
            if rest
            else {"op": "remove", "path": path}
        )
    ops.append(
        {"op": "add", "path": f"{base}/{action}@{source}>{name}", "value": {**decision, "to": name}}
    )
    for transition in siblings:
        value = {"label": APPROVE, "to": transition.get("to"), "comment": "optional"}
        if transition.get("when"):
            value["when"] = transition["when"]
        ops.append({"op": "add", "path": f"{base}/approve@{name}>{value['to']}", "value": value})
    return name, ops


def step_after(process: str, document: dict, key: str, own: str = "") -> tuple[str, list[dict]]:
    """A step where the condition branches of the edge ``key`` meet again: every move
    of a branch into the meeting state leads to the new step, which approves to it."""
    flow = Flow(document)
    _action, source, siblings = _branches(flow, key)
    meet = flow.meeting(siblings)
    if not meet or len(siblings) < 2:
        raise Refused(_("These branches do not meet again, so there is no step to add after them."))
    inside = {source}
    for transition in siblings:
        for state in flow.main_line(transition.get("to")):
            if state == meet:
                break
            inside.add(state)
    last = max(inside, key=lambda s: list(flow.states).index(s) if s in flow.states else -1)
    name, ops = new_step(process, flow, last, meet, own)
    current = _document(process, document, ops)
    while True:
        flow = Flow(current)
        found = next(
            (
                key_of(t, s)
                for t in flow.transitions
                if t.get("to") == meet
                for s in sources(t)
                if s in inside and t.get("name") == flow.main_action(s)
            ),
            None,
        )
        if found is None:
            return name, ops
        more = retarget(process, flow, found, name)
        current = _document(process, current, more)
        ops += more


def add_parallel(process: str, document: dict, key: str, own: str = "") -> tuple[str, list[dict]]:
    """A parallel group on the edge ``key``: a parallel state with two branches of one
    approval step each, all of them to be done ("all") before it joins where ``key``
    led."""
    flow = Flow(document)
    _name, source, _to = transition_key(key)
    target = transition_of(flow, key).get("to")
    fork = propose_name("", set(flow.states), "parallel", own)
    base = f"processes/{process}"
    ops = [
        {
            "op": "add",
            "path": f"{base}/states/{fork}",
            "value": {"label": PARALLEL_LABEL, "parallel": {"join": "all", "branches": []}},
            "after": source,
        },
        {
            "op": "add",
            "path": f"{base}/transitions/join@{fork}",
            "value": {"label": JOIN_LABEL, "to": target},
        },
        *retarget(process, flow, key, fork),
    ]
    current = _document(process, document, ops)
    for _number in range(2):
        more = add_lane(process, current, fork, own)[1]
        current = _document(process, current, more)
        ops += more
    return fork, ops


def _fork(flow: Flow, fork: str) -> dict:
    parallel = (flow.states.get(fork) or {}).get("parallel")
    if not isinstance(parallel, dict):
        raise NotInProcess(fork)
    return parallel


def _lanes(parallel: dict) -> list[dict]:
    """The branches of a parallel state, as written."""
    return [b for b in parallel.get("branches") or [] if isinstance(b, dict)]


def _lane(parallel: dict, branch: str) -> dict:
    """The branch named ``branch`` of a parallel state."""
    lane = next((b for b in _lanes(parallel) if b.get("name") == branch), None)
    if lane is None:
        raise NotInProcess(branch)
    return lane


def add_lane(process: str, document: dict, fork: str, own: str = "") -> tuple[str, list[dict]]:
    """One more branch of the parallel state ``fork``, with an approval step of its own
    that ends the branch (``@join``)."""
    flow = Flow(document)
    parallel = _fork(flow, fork)
    lanes = _lanes(parallel)
    last = next((s for b in reversed(lanes) for s in reversed(b.get("steps") or [])), fork)
    step, ops = new_step(process, flow, last if last in flow.states else fork, JOIN, own)
    taken = {str(b.get("name")) for b in lanes}
    name = propose_name("", taken, "branch", own)
    number = name.rsplit("_", 1)[-1]
    label = {"en": f"Branch {number}", "zh-CN": f"分支{number}"}
    value = {
        **parallel,
        "branches": [
            *parallel.get("branches", []),
            {"name": name, "label": label, "steps": [step]},
        ],
    }
    ops.append({"op": "set", "path": f"processes/{process}/states/{fork}/parallel", "value": value})
    return step, ops


def remove_lane(process: str, document: dict, fork: str, branch: str) -> list[dict]:
    """Remove the branch ``branch`` of the parallel state ``fork`` with its steps; the
    last branch stays (remove the parallel state instead)."""
    flow = Flow(document)
    parallel = _fork(flow, fork)
    lane = _lane(parallel, branch)
    lanes = _lanes(parallel)
    if len(lanes) == 1:
        raise Refused(_("A parallel group keeps at least one branch."))
    ops: list[dict] = [
        {
            "op": "set",
            "path": f"processes/{process}/states/{fork}/parallel",
            "value": {**parallel, "branches": [b for b in lanes if b is not lane]},
        }
    ]
    ops += remove_states(process, flow, set(lane.get("steps") or []))
    return ops


def remove_states(process: str, flow: Flow, states: set[str]) -> list[dict]:
    """Remove ``states`` with every move leaving them (a move from several states keeps
    leaving the others)."""
    ops: list[dict] = []
    base = f"processes/{process}"
    for transition in flow.transitions:
        gone = [s for s in sources(transition) if s in states]
        if not gone:
            continue
        rest = [s for s in sources(transition) if s not in states]
        path = f"{base}/transitions/{key_of(transition, gone[0])}"
        ops.append(
            {"op": "set", "path": f"{path}/from", "value": rest}
            if rest
            else {"op": "remove", "path": path}
        )
    ops += [{"op": "remove", "path": f"{base}/states/{s}"} for s in states if s in flow.states]
    return ops


def lane_step(
    process: str, document: dict, fork: str, branch: str, key: str, own: str = ""
) -> tuple[str, list[dict]]:
    """An approval step in the branch ``branch`` of ``fork``: on the edge ``key`` inside
    the branch, or (``key`` empty) before its first step, where the branch then starts."""
    flow = Flow(document)
    lane = _lane(_fork(flow, fork), branch)
    steps = list(lane.get("steps") or [])
    if key:
        _name, source, _to = transition_key(key)
        if source not in steps:
            raise NotInProcess(key)
        target = transition_of(flow, key).get("to")
        name, ops = new_step(process, flow, source, target, own)
        ops = ops[:1] + retarget(process, flow, key, name) + ops[1:]
        steps.insert(steps.index(source) + 1, name)
    else:
        name, ops = new_step(process, flow, fork, steps[0] if steps else JOIN, own)
        steps.insert(0, name)
    ops.append(lane_steps(process, _document(process, document, ops), fork, branch, steps))
    return name, ops


def remove_group(process: str, document: dict, fork: str) -> list[dict]:
    """Remove the parallel state ``fork`` with its branches' steps: what led into it
    leads where it joined to."""
    flow = Flow(document)
    parallel = _fork(flow, fork)
    steps = {
        s
        for b in parallel.get("branches") or []
        if isinstance(b, dict)
        for s in b.get("steps") or []
    }
    ops = remove_states(process, flow, steps)
    current = _document(process, document, ops)
    return ops + remove_step(process, current, fork)
