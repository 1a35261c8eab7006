"""Named counters for record numbers, safe under concurrent writers.

``next_value`` is one atomic upsert inside the caller's transaction: the row stays
locked until that transaction ends, so two creates never get the same value, and a
rolled-back create gives its value back (numbers are gap-tolerant, never duplicated).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from formflow.storage.system import sequences


def _upsert(insert) -> sa.Insert:
    return (
        insert(sequences)
        .values(key=sa.bindparam("sequence_key"), value=1)
        .on_conflict_do_update(
            index_elements=[sequences.c.key], set_={"value": sequences.c.value + 1}
        )
        .returning(sequences.c.value)
    )


_UPSERTS = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


def next_value(conn: Connection, key: str) -> int:
    return conn.execute(_UPSERTS[conn.dialect.name], {"sequence_key": key}).scalar_one()


def current_value(conn: Connection, key: str) -> int:
    query = sa.select(sequences.c.value).where(sequences.c.key == key)
    return conn.execute(query).scalar() or 0
