"""Handing open tasks to someone else, so no task is left that nobody can decide.

- When a user is deactivated, each of their open or waiting approval tasks goes to the
  people the step's assignee rules name now (active users who hold no task of the visit
  and are no requesters), else to the deactivated user's manager, else to the admins
  (flagged).  In a step decided by any one of several approvers, a task with others
  beside it in the same stage is simply closed: the others can still decide.
- An admin may hand any open or waiting task to a named active user.

The old task is cancelled and the new one takes its place (same visit, stage and status),
so a countersign still counts one vote per place; each handover is logged as a
``reassign`` event.
"""

from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User, get_user
from formflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.process import branches
from formflow.process.builtins import candidate_ids, holders
from formflow.process.engine import Case, ProcessEngine
from formflow.process.requesters import assign
from formflow.process.tables import tasks

PENDING = ("open", "waiting")


def reassign_tasks_of(engine: ProcessEngine, conn: Connection, actor: User | None,
                      user_id: int) -> int:
    """Hand the pending approval tasks of ``user_id`` (deactivated in this transaction)
    to others; how many tasks were handed on."""
    gone = get_user(conn, user_id)
    rows = conn.execute(sa.select(tasks).where(
        tasks.c.assignee_id == user_id, tasks.c.status.in_(PENDING), tasks.c.kind == "approve",
    ).order_by(tasks.c.entity, tasks.c.record_id, tasks.c.id)).all()
    handed = 0
    for (qualified, record_id), group in groupby(rows, key=lambda t: (t.entity, t.record_id)):
        case = _case(engine, conn, qualified, record_id)
        if case is None:
            continue
        for task in group:
            step = branches.case_at(case, task.state)  # its branch's, in a parallel state
            if task.state != step.at:
                continue  # a stale row of a visit that has ended
            _replace_inactive(engine, step, task, actor, gone.username if gone else None)
            handed += 1
    return handed


def reassign_task(engine: ProcessEngine, conn: Connection, actor: User, task_id: int,
                  username: object, comment: str | None) -> int:
    """An admin hands task ``task_id`` to the user named ``username``; the new task's id."""
    if not actor.is_admin:
        raise Forbidden(Message("forbidden"))
    row = conn.execute(sa.select(tasks).where(tasks.c.id == task_id)).first()
    case = _case(engine, conn, row.entity, row.record_id) if row is not None else None
    if case is None or row.kind != "approve":
        raise NotFound(Message("not_found"))
    # Read again now that the record is locked: a decision may have closed it meanwhile.
    task = conn.execute(sa.select(tasks).where(tasks.c.id == task_id)).first()
    case = branches.case_at(case, task.state)  # its branch's, in a parallel state
    if task.status not in PENDING or task.state != case.at:
        raise Conflict(Message("state_moved"))
    if not isinstance(username, str) or not username.strip():
        raise ValidationFailed({"user": [Message("required")]})
    (target,) = candidate_ids(engine, case, [username.strip()], "user")
    if target in holders(engine, case, task.visit):
        raise ValidationFailed({"user": [Message("already_assigned")]})
    (new_id,) = _replace(engine, case, task, [target], actor, "admin", comment=comment)
    return new_id


def _replace_inactive(engine: ProcessEngine, case: Case, task, actor: User | None,
                      username: str | None) -> None:
    state = case.process.state(task.state)
    siblings = [t for t in engine.visit_tasks(case, task.visit) if t.id != task.id
                and t.position == task.position and t.status in PENDING]
    if siblings and state.approval.mode == "any":
        engine.close_task(case, task, "cancelled", None, None, utcnow())
        engine.log_reassign(case, actor, "inactive", [task.assignee_id], [], task_id=task.id)
        return
    assignment = assign(engine.resolver(case), case, state, state.assignees,
                        exclude=holders(engine, case, task.visit) | {task.assignee_id},
                        manager_of=username)
    _replace(engine, case, task, assignment.people, actor, "inactive",
             flagged=assignment.flagged)


def _replace(engine: ProcessEngine, case: Case, task, people: list[int], actor: User | None,
             reason: str, *, flagged: bool = False, comment: str | None = None) -> list[int]:
    """Cancel ``task`` and give its place to ``people``; the new tasks' ids."""
    now = utcnow()
    state = case.process.state(task.state)
    engine.close_task(case, task, "cancelled", None, None, now)
    ids = engine.add_tasks(case, state, task.visit,
                           [(person, task.position, task.status) for person in people], now,
                           flagged=flagged, origin="reassign")
    engine.log_reassign(case, actor, reason, [task.assignee_id], people, task_id=task.id,
                        comment=comment)
    return ids


def _case(engine: ProcessEngine, conn: Connection, qualified: str,
          record_id: int) -> Case | None:
    """The record's case, its row locked; None when its entity or record is gone."""
    entity = engine.model.entity(qualified)
    if entity is None or qualified not in engine.schema.entities:
        return None
    if engine.model.process_for(entity) is None:
        return None
    record = engine.records.load(conn, qualified, record_id, lock=True)
    return engine.case(conn, entity, record) if record is not None else None
