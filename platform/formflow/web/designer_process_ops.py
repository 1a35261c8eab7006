"""The design operations the process builder's ⊕ menu and its remove button stand for:
a new process, an approval step, a condition branch, a CC, an end, removing a step.
Pure: a process document in, operations out (the design service applies them).

``own`` starts the names of the states they add: ``x_`` on a shipped app, so what a
site adds never collides with an upgrade."""

from __future__ import annotations

from typing import Any

from formflow.design.operations import apply_ops
from formflow.design.paths import transition_key
from formflow.web.designer_model import propose_name
from formflow.web.designer_process_model import Flow, branch_steps, key_of, sources

STEP_LABEL = {"en": "Approval", "zh-CN": "审批"}
APPROVE = {"en": "Approve", "zh-CN": "同意"}
REJECT = {"en": "Reject", "zh-CN": "驳回"}
SUBMIT = {"en": "Submit", "zh-CN": "提交"}
REJECTED = "rejected"
END_LABELS = {
    "approved": {"en": "Approved", "zh-CN": "已通过"},
    REJECTED: {"en": "Rejected", "zh-CN": "已驳回"},
    "end": {"en": "End", "zh-CN": "结束"},
}
#: Who a new approval step goes to, and who a new CC reaches: the requester's manager,
#: the requester.
NEW_ASSIGNEES = [{"manager_of": "_created_by"}]
NEW_CC = [{"field": "_created_by"}]
#: The condition a new branch starts with: never taken until the designer writes one.
NEW_WHEN = "False"


class NotInProcess(Exception):
    """The edge or state a submission names is not in the process (any more)."""


def new_process(name: str, entity: str, label: dict) -> list[dict]:
    """A process with a start, one submit and the approved end; the entity runs it."""
    document = {
        "name": name,
        "label": label,
        "entity": entity,
        "start": "draft",
        "withdraw": True,
        "states": [
            {"name": "draft", "label": {"en": "Draft", "zh-CN": "草稿"}, "editable": "*"},
            {"name": "approved", "label": END_LABELS["approved"], "final": True},
        ],
        "transitions": [
            {"name": "submit", "label": SUBMIT, "from": "draft", "to": "approved", "by": "creator"}
        ],
    }
    return [
        {"op": "add", "path": f"processes/{name}", "value": document},
        {"op": "set", "path": f"entities/{entity}/process", "value": name},
    ]


def transition_of(flow: Flow, key: str) -> dict:
    name, source, target = transition_key(key)
    for transition in flow.transitions:
        if (
            transition.get("name") == name
            and source in sources(transition)
            and (target is None or transition.get("to") == target)
        ):
            return transition
    raise NotInProcess(key)


def retarget(process: str, flow: Flow, key: str, target: str) -> list[dict]:
    """Send the transition ``key`` to ``target``; one that leaves several states keeps
    leaving the others as it was, and a copy leaves this one."""
    transition = transition_of(flow, key)
    _name, source, _to = transition_key(key)
    path = f"processes/{process}/transitions/{key_of(transition, source)}"
    if len(sources(transition)) == 1:
        return [{"op": "set", "path": f"{path}/to", "value": target}]
    copy = {**transition, "from": source, "to": target}
    return [
        {
            "op": "set",
            "path": f"{path}/from",
            "value": [s for s in sources(transition) if s != source],
        },
        {
            "op": "add",
            "path": f"processes/{process}/transitions/{key_of(copy, source)}",
            "value": copy,
            "after": key_of(transition, sources(transition)[0]),
        },
    ]


def new_step(
    process: str, flow: Flow, after: str, target: str | None, own: str
) -> tuple[str, list[dict]]:
    """A new approval step placed after state ``after``, approving to ``target`` (no
    approval move when None: the caller adds its own) and rejecting to the rejected end
    (made when missing)."""
    name = propose_name("", set(flow.states), "step", own)
    rejected = next((s for s in (REJECTED, own + REJECTED) if s in flow.states), None)
    state = {"name": name, "label": STEP_LABEL, "assignees": NEW_ASSIGNEES, "approval": "any"}
    base = f"processes/{process}"
    ops = [{"op": "add", "path": f"{base}/states/{name}", "value": state, "after": after}]
    if rejected is None:
        rejected = own + REJECTED
        ops.append(
            {
                "op": "add",
                "path": f"{base}/states/{rejected}",
                "value": {"label": END_LABELS[REJECTED], "final": True},
            }
        )
    if target is not None:
        ops.append(
            {
                "op": "add",
                "path": f"{base}/transitions/approve@{name}",
                "value": {"label": APPROVE, "to": target, "comment": "optional"},
            }
        )
    ops.append(
        {
            "op": "add",
            "path": f"{base}/transitions/reject@{name}",
            "value": {"label": REJECT, "to": rejected, "comment": "required"},
        }
    )
    return name, ops


def add_step(process: str, document: dict, key: str, own: str = "") -> tuple[str, list[dict]]:
    """An approval step inserted on the edge ``key``; returns its name and the ops."""
    flow = Flow(document)
    _name, source, _to = transition_key(key)
    target = transition_of(flow, key).get("to")
    name, ops = new_step(process, flow, source, target, own)
    return name, ops[:1] + retarget(process, flow, key, name) + ops[1:]


def add_branch(
    process: str, document: dict, key: str, when: str, own: str = ""
) -> tuple[str, list[dict]]:
    """A condition branch beside the edge ``key``: taken when ``when`` holds (before
    the branch taken otherwise), with an approval step of its own, meeting the others
    where ``key`` leads."""
    flow = Flow(document)
    transition = transition_of(flow, key)
    action, source, _to = transition_key(key)
    name, ops = new_step(process, flow, source, transition.get("to"), own)
    siblings = [t for t in flow.transitions if t.get("name") == action and source in sources(t)]
    default = next((t for t in siblings if not t.get("when")), None)
    index = flow.transitions.index(default if default is not None else siblings[-1])
    if default is None:
        after = key_of(siblings[-1], sources(siblings[-1])[0])
    elif index == 0:
        after = ""
    else:
        before = flow.transitions[index - 1]
        after = key_of(before, sources(before)[0])
    value = {
        "label": transition.get("label") or action,
        "to": name,
        "when": when.strip() or NEW_WHEN,
    }
    ops.append(
        {
            "op": "add",
            "path": f"processes/{process}/transitions/{action}@{source}>{name}",
            "value": value,
            "after": after,
        }
    )
    return name, ops


def add_cc(process: str, document: dict, key: str, own: str = "") -> tuple[str, list[dict]]:
    """A CC on entering the state the edge ``key`` leads to (kept when it has one); it
    adds no state, so ``own`` is not needed."""
    target = transition_of(Flow(document), key).get("to")
    state = Flow(document).states.get(target)
    if state is None:
        raise NotInProcess(key)
    if state.get("cc"):
        return target, []
    return target, [
        {"op": "set", "path": f"processes/{process}/states/{target}/cc", "value": NEW_CC}
    ]


def add_end(
    process: str, document: dict, key: str, end: str, own: str = ""
) -> tuple[str, list[dict]]:
    """The edge ``key`` ends the process: at the final state ``end``, or at a new one
    (``end`` empty)."""
    flow = Flow(document)
    ops = []
    if not end:
        end = propose_name("", set(flow.states), "end", own)
        ops.append(
            {
                "op": "add",
                "path": f"processes/{process}/states/{end}",
                "value": {"label": END_LABELS["end"], "final": True},
            }
        )
    elif not (flow.states.get(end) or {}).get("final"):
        raise NotInProcess(end)
    return end, ops + retarget(process, flow, key, end)


def remove_step(process: str, document: dict, state: str) -> list[dict]:
    """Remove the step ``state``: what led into it leads where its main action led;
    what left it goes.  A branch left without steps goes with it (rather than two
    moves to the same state).  The start stays, and so does the only step of a parallel
    branch (the branch goes as a whole)."""
    flow = Flow(document)
    if state not in flow.states or state == flow.start:
        raise NotInProcess(state)
    ahead = flow.onward(state)
    lane = next(((f, b, s) for f, b, s in branch_steps(document) if state in s), None)
    if len(ahead) != 1 or (lane is not None and len(lane[2]) == 1):
        raise NotInProcess(state)
    target = ahead[0].get("to")
    base = f"processes/{process}/transitions"
    ops: list[dict] = []
    for transition in flow.transitions:
        if state in sources(transition):
            rest = [s for s in sources(transition) if s != state]
            path = f"{base}/{key_of(transition, state)}"
            ops.append(
                {"op": "set", "path": f"{path}/from", "value": rest}
                if rest
                else {"op": "remove", "path": path}
            )
    for transition in flow.transitions:
        if transition.get("to") != state or state in sources(transition):
            continue
        for source in sources(transition):
            twin = any(
                t.get("name") == transition.get("name")
                and source in sources(t)
                and t.get("to") == target
                for t in flow.transitions
            )
            key = key_of(transition, source)
            if twin:
                ops.append({"op": "remove", "path": f"{base}/{key}"})
            else:
                ops += retarget(process, flow, key, target)
    if lane is not None:
        fork, branch, steps = lane
        steps = [s for s in steps if s != state]
        ops.append(lane_steps(process, document, fork, branch.get("name"), steps))
    ops.append({"op": "remove", "path": f"processes/{process}/states/{state}"})
    return ops


def lane_steps(process: str, document: dict, fork: str, branch: Any, steps: list) -> dict:
    """The operation giving the branch ``branch`` of the parallel state ``fork`` its
    ``steps`` (its first is where the branch starts)."""
    parallel = dict(Flow(document).states[fork]["parallel"])
    parallel["branches"] = [
        {**b, "steps": steps} if isinstance(b, dict) and b.get("name") == branch else b
        for b in parallel.get("branches") or []
    ]
    return {"op": "set", "path": f"processes/{process}/states/{fork}/parallel", "value": parallel}


def remove_branch(process: str, document: dict, key: str) -> list[dict]:
    """Remove the condition branch ``key`` (a guarded transition) with the steps only it
    leads to, one after another, the way :func:`remove_step` would."""
    flow = Flow(document)
    transition = transition_of(flow, key)
    if not transition.get("when"):
        raise NotInProcess(key)
    action, source, _to = transition_key(key)
    others = [t for t in flow.forward(source) if t is not transition]
    shared = {s for t in others for s in flow.main_line(t.get("to"))}
    steps = [s for s in flow.main_line(transition.get("to")) if s not in shared]
    documents = {f"processes/{process}.json": document}
    ops: list[dict] = []
    for step in steps:
        current = documents[f"processes/{process}.json"]
        more = remove_step(process, current, step)
        documents = apply_ops(documents, more)
        ops += more
    if not steps:
        ops.append({"op": "remove", "path": f"processes/{process}/transitions/{key}"})
    return ops
