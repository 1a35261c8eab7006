"""What a process action reads of its record's history at its start, in one query: the
id of the record's last event, the event that entered its current state (as
:meth:`~formflow.process.engine.ProcessEngine.entry` reads it), the user id of its
creator (the requester every decision and ending asks about) and whether any of its
tasks was delegated (only then can an event be on a delegated task, whose principal the
history names)."""

from __future__ import annotations

from dataclasses import dataclass
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


def action_start(conn: Connection, entity: str, record: dict[str, Any]) -> ActionStart:
    """The history of ``record`` (internal form) an action starts from."""
    row = conn.execute(_START, {"p_entity": entity, "p_record": record["id"],
                                "p_name": record.get("_created_by") or ""}).one()
    return ActionStart(row[0] or 0, (row[1], row[2]) if row[1] is not None else None,
                       row[3], bool(row[4]))


_START = sa.select(
    sa.select(sa.func.max(events.c.id)).where(
        events.c.entity == sa.bindparam("p_entity"),
        events.c.record_id == sa.bindparam("p_record")).scalar_subquery(),
    ENTRY.with_only_columns(events.c.id).scalar_subquery(),
    ENTRY.with_only_columns(events.c.at).scalar_subquery(),
    ID_BY_NAME,
    sa.exists().where(
        task_principals.c.task_id == tasks.c.id, tasks.c.entity == sa.bindparam("p_entity"),
        tasks.c.record_id == sa.bindparam("p_record")),
)
