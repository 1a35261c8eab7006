"""Named counters for record numbers, safe under concurrent writers.

``next_value`` is one atomic upsert inside the caller's transaction: the row stays
locked until that transaction ends, so two creates never get the same value, and a
rolled-back create gives its value back (numbers are gap-tolerant, never duplicated).
``reserve`` takes a block of values in the same one statement, for many creates at once.
On PostgreSQL, ``insert_numbered`` draws a new record's number in its very INSERT.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from formflow.storage.audit_entries import Entry, with_entry
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


def insert_numbered(conn: Connection, table: sa.Table, columns: Mapping[str, Any], key: str,
                    texts: Sequence[str], widths: Sequence[int], *, title_is_number: bool,
                    entry: Entry | None = None) -> tuple[int, str]:
    """Insert the row ``columns`` into ``table`` (integer ``id`` given by the database)
    with its ``_number`` drawn from the counter ``key`` in the same one statement, on
    PostgreSQL: the counter's upsert rides in the INSERT as a data-modifying CTE.  The
    number is ``texts`` joined by the counter's value, zero-padded to each of ``widths``
    (``len(texts) == len(widths) + 1``); ``title_is_number``: it is the ``_title`` too;
    ``entry``: the row's audit entry, written by the same statement.  Returns (id,
    number)."""
    names = tuple(columns)
    statement = _numbered_insert(table, names, len(widths), title_is_number)
    if entry is not None:
        statement = _with_entry(statement)
    parameters = {f"column_{index}": columns[name] for index, name in enumerate(names)}
    parameters.update({f"text_{index}": text for index, text in enumerate(texts)})
    parameters.update({f"width_{index}": width for index, width in enumerate(widths)})
    parameters["sequence_key"] = key
    if entry is not None:
        parameters.update(entry.parameters())
    record_id, number = conn.execute(statement, parameters).one()
    return record_id, number


@functools.cache
def _numbered_insert(table: sa.Table, names: tuple[str, ...], counters: int,
                     title_is_number: bool) -> sa.Insert:
    counter = postgresql.insert(sequences).values(key=sa.bindparam("sequence_key"), value=1)
    counter = counter.on_conflict_do_update(
        index_elements=[sequences.c.key], set_={"value": sequences.c.value + 1},
    ).returning(sequences.c.value).cte("counter")
    digits = sa.cast(counter.c.value, sa.Text)
    parts: list[sa.ColumnElement] = [sa.bindparam("text_0", type_=sa.Text)]
    for index in range(counters):
        width = sa.func.greatest(sa.bindparam(f"width_{index}", type_=sa.Integer),
                                 sa.func.length(digits))
        parts += [sa.func.lpad(digits, width, "0"),
                  sa.bindparam(f"text_{index + 1}", type_=sa.Text)]
    number = sa.func.concat(*parts)
    values = [sa.bindparam(f"column_{index}", type_=table.c[name].type)
              for index, name in enumerate(names)]
    from_number = ["_number", "_title"] if title_is_number else ["_number"]
    query = sa.select(*values, *[number] * len(from_number)).select_from(counter)
    return (sa.insert(table).from_select([*names, *from_number], query)
            .returning(table.c.id, table.c._number))


@functools.cache
def _with_entry(statement: sa.Insert) -> sa.Select:
    return with_entry(statement)
