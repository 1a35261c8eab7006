"""What a process action reads of its record's history at its start, in one query: the
id of the record's last event, the event that entered its current state (as
:meth:`~formflow.process.engine.ProcessEngine.entry` reads it), the user id of its
creator (the requester every decision and ending asks about), whether any of its tasks
was delegated (only then can an event be on a delegated task, whose principal the
history names) and the approval tasks of the visit of its current state on the main
line (as :meth:`~formflow.process.engine.ProcessEngine.visit_tasks` reads them: a
decision starts from them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.process.delegation_tables import task_principals
from formflow.process.engine import ENTRY
from formflow.process.people import ID_BY_NAME
from formflow.process.tables import events, tasks


@dataclass(frozen=True)
class ActionStart:
    #: The id of the record's last event (0: none).
    last_event: int
    #: The event that entered the current state on the main line: ``(id, at)``.
    entered: tuple[int, datetime] | None
    #: The creator's user id (None: no such user).
    creator_id: int | None
    #: Whether a task of the record was delegated.
    delegated: bool
    #: The approval tasks of the visit ``entered`` opened, by stage (their rows also carry
    #: this query's ``start_*`` columns).
    visit_tasks: list[sa.Row] = field(default_factory=list)


def action_start(conn: Connection, entity: str, record: dict[str, Any]) -> ActionStart:
    """The history of ``record`` (internal form) an action starts from."""
    rows = conn.execute(_START_AND_TASKS, {
        "p_entity": entity, "p_record": record["id"],
        "p_name": record.get("_created_by") or ""}).all()
    first = rows[0]
    entered = (first.start_entry_id, first.start_entry_at)
    return ActionStart(first.start_last_event or 0,
                       entered if first.start_entry_id is not None else None,
                       first.start_creator_id, bool(first.start_delegated),
                       [row for row in rows if row.id is not None])


_START = sa.select(
    sa.select(sa.func.max(events.c.id)).where(
        events.c.entity == sa.bindparam("p_entity"),
        events.c.record_id == sa.bindparam("p_record")).scalar_subquery()
    .label("start_last_event"),
    ENTRY.with_only_columns(events.c.id).scalar_subquery().label("start_entry_id"),
    ENTRY.with_only_columns(events.c.at).scalar_subquery().label("start_entry_at"),
    ID_BY_NAME.label("start_creator_id"),
    sa.exists().where(
        task_principals.c.task_id == tasks.c.id, tasks.c.entity == sa.bindparam("p_entity"),
        tasks.c.record_id == sa.bindparam("p_record")).label("start_delegated"),
).subquery("start")
#: The start's one row, joined to the tasks of its visit (none: one row of nulls).
_START_AND_TASKS = sa.select(_START, tasks).select_from(_START.outerjoin(tasks, sa.and_(
    tasks.c.entity == sa.bindparam("p_entity"), tasks.c.record_id == sa.bindparam("p_record"),
    tasks.c.kind == "approve", tasks.c.visit == _START.c.start_entry_id,
))).order_by(tasks.c.position, tasks.c.id)
