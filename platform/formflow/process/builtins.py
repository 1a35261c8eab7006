"""Actions every process has besides its transitions: withdraw (撤回), cancel (撤销),
transfer (转交), add approver (加签), remove an added approver (减签), remind (催办) and
comment.

Each is a function ``(engine, case, user, comment, values)`` that raises when the user
may not take it now, and a predicate saying whether the action is offered at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from formflow.auth import User, user_ids_by_name
from formflow.errors import Forbidden, TooManyRequests, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message, wait_span
from formflow.metadata.model import CANCELLED
from formflow.process.engine import Case, ProcessEngine
from formflow.process.outcomes import tell_requester
from formflow.process.tables import events, tasks

REMIND_INTERVAL = timedelta(hours=1)
ADD_MODES = ("before", "after", "parallel")


@dataclass(frozen=True)
class Builtin:
    name: str
    offered: Callable[[ProcessEngine, Case, User], bool]
    run: Callable[[ProcessEngine, Case, User, str | None, Mapping[str, Any]], None]
    comment: str | None = None  # "required" | "optional"


def _is_creator(case: Case, user: User) -> bool:
    return case.record.get("_created_by") == user.username


def _is_open(case: Case) -> bool:
    state = case.state
    return state is not None and not state.final and case.record["_state"] != CANCELLED


def _not_available(name: str) -> Forbidden:
    return Forbidden(Message("action_not_available", {"action": name}))


# -- withdraw -----------------------------------------------------------------------


def _may_withdraw(case: Case, user: User) -> bool:
    return (
        case.process.withdraw and _is_creator(case, user) and _is_open(case)
        and case.record["_state"] != case.process.start
    )


def _can_withdraw(engine: ProcessEngine, case: Case, user: User) -> bool:
    return _may_withdraw(case, user) and not engine.acted(case)


def _withdraw(engine, case, user, comment, values) -> None:
    if not _may_withdraw(case, user):
        raise _not_available("withdraw")
    if engine.acted(case):
        raise Forbidden(Message("withdraw_after_decision"))
    engine.fire(case, user, "withdraw", comment, {}, target=case.process.start)


# -- cancel -------------------------------------------------------------------------


def _can_cancel(engine, case, user) -> bool:
    return case.process.cancel and _is_creator(case, user) and _is_open(case)


def _cancel(engine, case, user, comment, values) -> None:
    if not _can_cancel(engine, case, user):
        raise _not_available("cancel")
    engine.fire(case, user, "cancel", comment, {}, target=CANCELLED)


# -- transfer and add approver -----------------------------------------------------


def _holds_task(engine, case, user) -> bool:
    return _is_open(case) and bool(engine.open_tasks(case, user))


def _people(engine: ProcessEngine, case: Case, names: Any, field: str) -> list[int]:
    """The ids of the users ``names`` hands work to: each must exist, be active and,
    unless the process allows self-approval, not be a requester of the record."""
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ValidationFailed({field: [Message("required")]})
    return candidate_ids(engine, case, names, field)


def candidate_ids(engine: ProcessEngine, case: Case, names: list[str], field: str) -> list[int]:
    """The ids of the users ``names`` (see :func:`_people`); a clear error keyed by
    ``field`` for the first who may not take the work."""
    ids = user_ids_by_name(case.conn, names)
    unknown = [n for n in names if n not in ids]
    if unknown:
        raise ValidationFailed({field: [Message("no_such_user", {"value": unknown[0]})]})
    active = engine.resolver(case).active(ids.values())
    inactive = [n for n in names if ids[n] not in active]
    if inactive:
        raise ValidationFailed({field: [Message("user_inactive", {"value": inactive[0]})]})
    if not case.process.allows_self_approval(case.state):
        requesters = engine.requesters(case)
        asking = [n for n in names if ids[n] in requesters]
        if asking:
            raise ValidationFailed({field: [Message("requester_as_approver",
                                                    {"value": asking[0]})]})
    return [ids[n] for n in names]


def _transfer(engine, case, user, comment, values) -> None:
    mine = engine.open_tasks(case, user) if _is_open(case) else []
    if not mine:
        raise _not_available("transfer")
    task = mine[0]
    (target,) = _people(engine, case, [values.get("to")] if values.get("to") else None, "to")
    if target == user.id:
        raise ValidationFailed({"to": [Message("transfer_to_self")]})
    if target in holders(engine, case, task.visit):
        raise ValidationFailed({"to": [Message("already_assigned")]})
    now = utcnow()
    engine.close_task(case, task, "cancelled", "transfer", comment, now)
    engine.add_task(case, case.state, task.visit, target, task.position, "open", now,
                    origin="transfer")
    engine.log(case, user, "transfer", None, None, comment=comment, task_id=task.id,
               data={"to": values["to"]})
    tell_requester(engine, case, user, "transferred")


def _add_approver(engine, case, user, comment, values) -> None:
    mine = engine.open_tasks(case, user) if _is_open(case) else []
    if not mine:
        raise _not_available("add_approver")
    task = mine[0]
    mode = values.get("mode", "parallel")
    if mode not in ADD_MODES:
        raise ValidationFailed({"mode": [Message("invalid_choice", {"value": str(mode)[:40]})]})
    people = _people(engine, case, values.get("users"), "users")
    if user.id in people or holders(engine, case, task.visit) & set(people):
        raise ValidationFailed({"users": [Message("already_assigned")]})
    now = utcnow()
    if mode == "parallel":
        position, status = task.position, "open"
    elif mode == "before":
        _shift(case, task.visit, task.position)
        case.conn.execute(tasks.update().where(
            tasks.c.visit == task.visit, tasks.c.entity == case.entity.qualified_name,
            tasks.c.record_id == case.record["id"], tasks.c.status == "open",
        ).values(status="waiting"))
        position, status = task.position, "open"
    else:
        _shift(case, task.visit, task.position + 1)
        position, status = task.position + 1, "waiting"
    engine.add_tasks(case, case.state, task.visit, [(p, position, status) for p in people], now,
                     origin="add_approver")
    engine.log(case, user, "add_approver", None, None, comment=comment, task_id=task.id,
               data={"users": values["users"], "mode": mode})


def removable(engine: ProcessEngine, case: Case, user: User) -> list[sa.Row]:
    """The pending tasks of approvers ``user`` added to the current visit (减签 may take
    them back while they have not decided)."""
    if not _is_open(case):
        return []
    visit = engine.visit(case)
    rows = case.conn.execute(sa.select(events.c.data).where(
        events.c.entity == case.entity.qualified_name, events.c.record_id == case.record["id"],
        events.c.action == "add_approver", events.c.actor_id == user.id, events.c.id > visit,
    )).all()
    added = {name for row in rows for name in (row.data or {}).get("users") or []}
    if not added:
        return []
    ids = set(user_ids_by_name(case.conn, added).values())
    return [t for t in engine.visit_tasks(case, visit) if t.origin == "add_approver"
            and t.status in ("open", "waiting") and t.assignee_id in ids]


def _can_remove(engine, case, user) -> bool:
    return bool(removable(engine, case, user))


def _remove_approver(engine, case, user, comment, values) -> None:
    pending = removable(engine, case, user)
    if not pending:
        raise _not_available("remove_approver")
    names = values.get("users")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ValidationFailed({"users": [Message("required")]})
    ids = user_ids_by_name(case.conn, names)
    by_user = {t.assignee_id: t for t in pending}
    for name in names:
        if ids.get(name) not in by_user:
            raise ValidationFailed({"users": [Message("not_removable", {"value": name[:64]})]})
    now = utcnow()
    for name in dict.fromkeys(names):
        engine.close_task(case, by_user[ids[name]], "cancelled", "removed", comment, now)
    engine.log(case, user, "remove_approver", None, None, comment=comment,
               data={"users": list(dict.fromkeys(names))})
    _settle(engine, case, user, pending[0].visit)


def _settle(engine: ProcessEngine, case: Case, user: User, visit: int) -> None:
    """After approvers were removed: when no task of the visit is open any more, the
    next waiting stage opens, or — every stage passed — the step's passing action
    fires, as the last approval would have fired it."""
    rows = engine.visit_tasks(case, visit)
    if any(t.status == "open" for t in rows):
        return
    waiting = [t for t in rows if t.status == "waiting"]
    if waiting:
        first = min(t.position for t in waiting)
        for task in waiting:
            if task.position == first:
                engine._reopen(case, task)
        return
    action = engine.pass_action(case.process, case.state)
    if action and any(t.status == "done" and t.decision == action for t in rows):
        engine.fire(case, user, action, None, {}, pending=[])


def holders(engine: ProcessEngine, case: Case, visit: int) -> set[int]:
    """Who holds a task of the visit, or decided one: nobody decides a step twice."""
    return {t.assignee_id for t in engine.visit_tasks(case, visit) if t.status != "cancelled"}


def _shift(case: Case, visit: int, from_position: int) -> None:
    """Make room for a stage at ``from_position`` by moving later stages back one."""
    case.conn.execute(tasks.update().where(
        tasks.c.visit == visit, tasks.c.entity == case.entity.qualified_name,
        tasks.c.record_id == case.record["id"], tasks.c.position >= from_position,
    ).values(position=tasks.c.position + 1))


# -- remind and comment -------------------------------------------------------------


def _can_remind(engine, case, user) -> bool:
    return _is_creator(case, user) and _is_open(case) and any(
        t.status == "open" for t in engine.visit_tasks(case)
    )


def _remind(engine, case, user, comment, values) -> None:
    if not _can_remind(engine, case, user):
        raise _not_available("remind")
    last = case.conn.execute(sa.select(sa.func.max(events.c.at)).where(
        events.c.entity == case.entity.qualified_name, events.c.record_id == case.record["id"],
        events.c.action == "remind",
    )).scalar()
    if last is not None and utcnow() - last < REMIND_INTERVAL:
        wait = int((REMIND_INTERVAL - (utcnow() - last)).total_seconds())
        raise TooManyRequests(Message("too_many_attempts", {"wait": wait_span(wait)}))
    for task in engine.visit_tasks(case):
        if task.status == "open":
            engine.notify(case, task.assignee_id, "nudge", task.id)
    engine.log(case, user, "remind", None, None, comment=comment)


def _comment(engine, case, user, comment, values) -> None:
    if not (comment or "").strip():
        raise ValidationFailed({"comment": [Message("required")]})
    engine.log(case, user, "comment", None, None, comment=comment.strip())
    tell_requester(engine, case, user, "commented")


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin("withdraw", _can_withdraw, _withdraw, "optional"),
        Builtin("cancel", _can_cancel, _cancel, "optional"),
        Builtin("transfer", _holds_task, _transfer, "optional"),
        Builtin("add_approver", _holds_task, _add_approver, "optional"),
        Builtin("remove_approver", _can_remove, _remove_approver, "optional"),
        Builtin("remind", _can_remind, _remind, "optional"),
        Builtin("comment", lambda engine, case, user: True, _comment, "required"),
    )
}
