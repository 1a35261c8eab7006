"""Named counters for record numbers, safe under concurrent writers.

``next_value`` is one atomic upsert inside the caller's transaction: the row stays
locked until that transaction ends, so two creates never get the same value, and a
rolled-back create gives its value back (numbers are gap-tolerant, never duplicated).
``reserve`` takes a block of values in the same one statement, for many creates at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from formflow.storage.system import sequences


def _upsert(insert) -> sa.Insert:
    statement = insert(sequences).values(key=sa.bindparam("sequence_key"),
                                         value=sa.bindparam("count"))
    return statement.on_conflict_do_update(
        index_elements=[sequences.c.key],
        set_={"value": sequences.c.value + statement.excluded.value},
    ).returning(sequences.c.value)


_UPSERTS = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


def next_value(conn: Connection, key: str) -> int:
    return reserve(conn, key, 1)


def reserve(conn: Connection, key: str, count: int) -> int:
    """Take the next ``count`` values of the counter ``key``; returns the first of them
    (the others follow it without gaps)."""
    parameters = {"sequence_key": key, "count": count}
    return conn.execute(_UPSERTS[conn.dialect.name], parameters).scalar_one() - count + 1


def current_value(conn: Connection, key: str) -> int:
    query = sa.select(sequences.c.value).where(sequences.c.key == key)
    return conn.execute(query).scalar() or 0
