"""Where the process engine calls the process hooks of plugins: before and after a
transition (a before-hook may veto it) and when an approval task opens or closes.

Each runs inside the action's transaction, only for the plugins the record's app
enabled; an error raised by a plugin rolls the whole action back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from formflow.auth import User, usernames_by_id
from formflow.errors import Vetoed
from formflow.i18n import Message
from formflow.plugins import message
from formflow.process.tables import tasks

#: The columns of a task a plugin sees.
TASK_COLUMNS = ("id", "state", "visit", "assignee_id", "position", "origin", "flagged",
                "opened_at", "due_at", "status", "decision", "comment", "closed_at")


def _hooks(engine, case):
    return engine.plugins.hooks_for(case.entity.app)


def before_transition(engine, case, user: User, action: str, from_state: str, to_state: str,
                      record: Mapping[str, Any], comment: str | None) -> None:
    """Ask the plugins whether the record may move; raise :class:`Vetoed` when one says
    no by returning a message."""
    veto = _hooks(engine, case).process_before_transition(
        conn=case.conn, user=user, entity=case.entity, record=dict(record),
        process=case.process, action=action, from_state=from_state, to_state=to_state,
        comment=comment,
    )
    if veto is None or veto is False:
        return
    raise Vetoed(veto if isinstance(veto, Message) else message(veto))


def after_transition(engine, case, user: User, action: str, from_state: str, to_state: str,
                     comment: str | None, event_id: int) -> None:
    _hooks(engine, case).process_after_transition(
        conn=case.conn, user=user, entity=case.entity, record=case.record, process=case.process,
        action=action, from_state=from_state, to_state=to_state, comment=comment,
        event_id=event_id,
    )


def task_event(engine, case, hook: str, task_id: int) -> None:
    """Call ``task_opened`` or ``task_closed`` with the task as it is now (looked up only
    when a plugin implements the hook)."""
    caller = getattr(_hooks(engine, case), hook)
    if not caller.get_hookimpls():
        return
    row = case.conn.execute(
        sa.select(*(tasks.c[name] for name in TASK_COLUMNS)).where(tasks.c.id == task_id)
    ).one()
    task = dict(row._mapping)
    task["assignee"] = usernames_by_id(case.conn, [task["assignee_id"]]).get(task["assignee_id"])
    caller(conn=case.conn, entity=case.entity, record=case.record, task=task)
