"""Inserting many rows with one prepared statement, their values converted once each.

``conn.execute(insert, rows)`` has SQLAlchemy build every row's parameters again and
run each value through its column type's conversion for the database (a timestamp's
time zone and text form, a JSON document's text), the time of a save that all rows of
an import share included.  :func:`insert_many` converts what differs from row to row and
converts a value the rows share (the very same object in each: the save's time, the
user's id) once, then hands the rows to the driver's ``executemany``: the statement,
the conversions and the statement events are SQLAlchemy's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def insert_many(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (every one with the same keys, column names of ``table``)."""
    if not rows:
        return
    first = rows[0]
    compiled = sa.insert(table).compile(dialect=conn.dialect, column_keys=list(first))
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    key_of = {name: compiled.binds[name].key for name in names}
    if compiled.escaped_bind_names or not set(key_of.values()) <= set(first):
        # names the statement spells otherwise, or a column default to compute per row
        conn.execute(sa.insert(table), rows)
        return
    template: list[Any] = []
    varying: list[tuple[int, str, Callable[[Any], Any] | None]] = []
    for index, name in enumerate(names):
        key = key_of[name]
        convert = table.c[key].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        value = first[key]
        if all(row[key] is value for row in rows):
            template.append(value if convert is None else convert(value))
        else:
            template.append(None)
            varying.append((index, key, convert))
    parameters = []
    for row in rows:
        values = template.copy()
        for index, key, convert in varying:
            value = row[key]
            values[index] = value if convert is None else convert(value)
        parameters.append(
            tuple(values) if compiled.positional else dict(zip(names, values, strict=True)))
    conn.exec_driver_sql(compiled.string, parameters)
