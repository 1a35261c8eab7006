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


def next_value(conn: Connection, key: str) -> int:
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[conn.dialect.name]
    statement = insert(sequences).values(key=key, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[sequences.c.key], set_={"value": sequences.c.value + 1}
    ).returning(sequences.c.value)
    return conn.execute(statement).scalar_one()


def current_value(conn: Connection, key: str) -> int:
    query = sa.select(sequences.c.value).where(sequences.c.key == key)
    return conn.execute(query).scalar() or 0
