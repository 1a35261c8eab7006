"""SQL for records: load rows with their line items, insert, update with a version check.

This module speaks columns and ids only; permissions, validation and the translation of
user names and department codes belong to the records service.  Query counts stay
constant: one query for the rows, one per line-item field for all of their lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.storage.tables import ORDER_COLUMN, PARENT_COLUMN, EntityTables


def load_rows(
    conn: Connection, tables: EntityTables, where: Iterable[sa.ColumnElement] = ()
) -> list[dict[str, Any]]:
    rows = [dict(r._mapping) for r in conn.execute(sa.select(tables.main).where(*where))]
    attach_lines(conn, tables, rows)
    return rows


def load_row(
    conn: Connection, tables: EntityTables, record_id: int, *, include_deleted: bool = False
) -> dict[str, Any] | None:
    where = [tables.main.c.id == record_id]
    if not include_deleted:
        where.append(tables.main.c._deleted_at.is_(None))
    rows = load_rows(conn, tables, where)
    return rows[0] if rows else None


def attach_lines(conn: Connection, tables: EntityTables, rows: Sequence[dict]) -> None:
    """Fill each row's line-item fields with lists of row dicts, in their saved order."""
    if not tables.lines or not rows:
        return
    by_id = {row["id"]: row for row in rows}
    for name, lines in tables.lines.items():
        for row in rows:
            row[name] = []
        query = (
            sa.select(lines)
            .where(lines.c[PARENT_COLUMN].in_(list(by_id)))
            .order_by(lines.c[PARENT_COLUMN], lines.c[ORDER_COLUMN])
        )
        for line in conn.execute(query):
            values = dict(line._mapping)
            parent = values.pop(PARENT_COLUMN)
            values.pop(ORDER_COLUMN)
            values.pop("id")
            by_id[parent][name].append(values)


def insert_row(
    conn: Connection, tables: EntityTables, columns: Mapping[str, Any],
    lines: Mapping[str, list[dict]],
) -> int:
    record_id = conn.execute(
        sa.insert(tables.main).values(**columns).returning(tables.main.c.id)
    ).scalar_one()
    replace_lines(conn, tables, record_id, lines)
    return record_id


def update_row(
    conn: Connection, tables: EntityTables, record_id: int, version: int,
    columns: Mapping[str, Any],
) -> bool:
    """Write ``columns`` and bump ``_version`` if the row is still at ``version``.

    The version test sits in the UPDATE itself, so of two concurrent writers that read
    the same version exactly one succeeds; the other gets False and nothing written."""
    main = tables.main
    result = conn.execute(
        sa.update(main)
        .where(main.c.id == record_id, main.c._version == version)
        .values(**columns, _version=main.c._version + 1)
    )
    return result.rowcount == 1


def replace_lines(
    conn: Connection, tables: EntityTables, record_id: int, lines: Mapping[str, list[dict]]
) -> None:
    for name, rows in lines.items():
        table = tables.lines[name]
        conn.execute(sa.delete(table).where(table.c[PARENT_COLUMN] == record_id))
        if rows:
            conn.execute(
                sa.insert(table),
                [
                    {**row, PARENT_COLUMN: record_id, ORDER_COLUMN: index}
                    for index, row in enumerate(rows)
                ],
            )


def existing_ids(conn: Connection, tables: EntityTables, ids: Iterable[int]) -> set[int]:
    """The ids among ``ids`` of records that exist and are not deleted."""
    ids = set(ids)
    if not ids:
        return set()
    main = tables.main
    query = sa.select(main.c.id).where(main.c.id.in_(ids), main.c._deleted_at.is_(None))
    return set(conn.execute(query).scalars())


def value_taken(
    conn: Connection, tables: EntityTables, column: str, value: Any, exclude_id: int | None
) -> bool:
    main = tables.main
    query = sa.select(main.c.id).where(main.c[column] == value, main.c._deleted_at.is_(None))
    if exclude_id is not None:
        query = query.where(main.c.id != exclude_id)
    return conn.execute(query.limit(1)).first() is not None
