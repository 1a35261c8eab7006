"""Refused saves: how often a form or an API call was turned back by validation, per
entity and day (UTC) — the process figures' error rate.

The save pipeline notes a refusal when it raises its validation error; the count is
written once the refused transaction has rolled back, in a transaction of its own, as
one upsert.  A form's live preview is not a save and is not counted.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from formflow.fields.columns import utcnow
from formflow.storage.database import after_rollback
from formflow.storage.system import system_metadata

refused_saves = sa.Table(
    "ff_refused_saves",
    system_metadata,
    sa.Column("entity", sa.String(130), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


def note_refusal(conn: Connection, db, entity: str) -> None:
    """Count one refused save of ``entity`` once ``conn``'s transaction has rolled back
    (``db`` None: not a save, nothing is counted)."""
    if db is not None:
        after_rollback(conn, partial(_count, db, entity), key=("refused", entity))


def _count(db, entity: str) -> None:
    with db.write() as conn:
        insert = _DIALECTS[conn.dialect.name].insert(refused_saves)
        conn.execute(insert.values(entity=entity, day=utcnow().date(), count=1)
                     .on_conflict_do_update(index_elements=["entity", "day"],
                                            set_={"count": refused_saves.c.count + 1}))


def refused_count(conn: Connection, entity: str, first: date | None = None,
                  last: date | None = None) -> int:
    """Refused saves of ``entity`` between the two days (both included; None: open)."""
    query = sa.select(sa.func.coalesce(sa.func.sum(refused_saves.c.count), 0)).where(
        refused_saves.c.entity == entity)
    if first is not None:
        query = query.where(refused_saves.c.day >= first)
    if last is not None:
        query = query.where(refused_saves.c.day <= last)
    return int(conn.scalar(query))
