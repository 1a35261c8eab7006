"""SQL for records: load rows with their line items, insert, update with a version check.

This module speaks columns and ids only; permissions, validation and the translation of
user names and department codes belong to the records service.  Query counts stay
constant: one query for the rows, one per line-item field for all of their lines.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.metadata.memo import per_object
from formflow.storage.audit_entries import Entry, folds_entries, with_entry, write_entry
from formflow.storage.many_rows import insert_many
from formflow.storage.tables import ORDER_COLUMN, PARENT_COLUMN, EntityTables


def load_rows(
    conn: Connection, tables: EntityTables, where: Iterable[sa.ColumnElement] = (),
    *, lock: bool = False,
) -> list[dict[str, Any]]:
    """The matching rows with their line items (``lock``: the main rows locked until the
    transaction ends, on PostgreSQL; SQLite's write transaction holds the database)."""
    query = sa.select(tables.main).where(*where)
    if lock:
        query = query.with_for_update()
    rows = row_dicts(conn.execute(query))
    attach_lines(conn, tables, rows)
    return rows


def row_dicts(result: sa.CursorResult) -> list[dict[str, Any]]:
    """The rows of ``result`` as dicts keyed by column name."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def load_row(
    conn: Connection, tables: EntityTables, record_id: int, *, include_deleted: bool = False,
    lock: bool = False,
) -> dict[str, Any] | None:
    query = _row_queries(tables.main)[include_deleted, lock]
    rows = row_dicts(conn.execute(query, {"record_id": record_id}))
    attach_lines(conn, tables, rows)
    return rows[0] if rows else None


@per_object
def _row_queries(table: sa.Table) -> dict[tuple[bool, bool], sa.Select]:
    """The queries of one row by id, by (deleted ones too, locked), made once per table."""
    queries = {}
    for include_deleted in (False, True):
        query = sa.select(table).where(table.c.id == sa.bindparam("record_id"))
        if not include_deleted:
            query = query.where(table.c._deleted_at.is_(None))
        queries[include_deleted, False] = query
        queries[include_deleted, True] = query.with_for_update()
    return queries


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
        for values in row_dicts(conn.execute(query)):
            parent = values.pop(PARENT_COLUMN)
            values.pop(ORDER_COLUMN)
            values.pop("id")
            by_id[parent][name].append(values)


@per_object
def _insert_returning_id(table: sa.Table) -> sa.Insert:
    return sa.insert(table).returning(table.c.id)


@per_object
def _versioned_update(table: sa.Table) -> sa.Update:
    return (
        sa.update(table)
        .where(
            table.c.id == sa.bindparam("where_id"),
            table.c._version == sa.bindparam("where_version"),
        )
        .values(_version=table.c._version + 1)
    )


@functools.cache
def _audited_insert(table: sa.Table, names: tuple[str, ...]) -> sa.Select:
    values = {name: sa.bindparam(f"column_{index}", type_=table.c[name].type)
              for index, name in enumerate(names)}
    return with_entry(sa.insert(table).values(values).returning(table.c.id))


def insert_row(
    conn: Connection,
    tables: EntityTables,
    columns: Mapping[str, Any],
    lines: Mapping[str, list[dict]],
    entry: Entry | None = None,
) -> int:
    """Insert a record's row and line items; returns its id.  With ``entry``, its audit
    entry is written too (in the row's statement where the database can)."""
    if entry is not None and folds_entries(conn):
        names = tuple(columns)
        parameters = {f"column_{index}": columns[name] for index, name in enumerate(names)}
        record_id = conn.execute(_audited_insert(tables.main, names),
                                 {**parameters, **entry.parameters()}).scalar_one()
    else:
        record_id = conn.execute(_insert_returning_id(tables.main), dict(columns)).scalar_one()
        if entry is not None:
            write_entry(conn, entry, record_id)
    replace_lines(conn, tables, record_id, lines, fresh=True)
    return record_id


def insert_rows(
    conn: Connection,
    tables: EntityTables,
    rows: Sequence[tuple[Mapping[str, Any], Mapping[str, list[dict]]]],
) -> list[int]:
    """Insert many records, each (columns, line items), in one statement per table
    (every row with the same columns); returns their ids in the order given."""
    if not rows:
        return []
    ids = insert_returning_ids(conn, tables.main, [dict(columns) for columns, _ in rows])
    for name, table in tables.lines.items():
        lines = [
            {**line, PARENT_COLUMN: record_id, ORDER_COLUMN: index}
            for record_id, (_, items) in zip(ids, rows, strict=True)
            for index, line in enumerate(items.get(name) or ())
        ]
        if lines:
            columns = {key for line in lines for key in line}
            insert_many(conn, table, [{**dict.fromkeys(columns), **line} for line in lines])
    return ids


#: Up to this many rows go in one ``INSERT .. RETURNING``; more are given their ids first.
FEW_ROWS = 50


def insert_returning_ids(conn: Connection, table: sa.Table, rows: list[dict]) -> list[int]:
    """Insert ``rows`` (every one with the same keys) into a table whose primary key is
    an integer ``id`` the database assigns; their ids, in order.

    A few rows (a record's tasks, an action's notifications) go in one ``INSERT ..
    RETURNING``.  Many rows (an import's) have their ids drawn first, in one statement,
    and are inserted with them by one prepared statement run for every row (an
    ``INSERT .. RETURNING`` of many rows is one long statement whose text the driver
    has to read again for each page of rows).  PostgreSQL draws them from the column's
    sequence, as its default would; SQLite gives a new row the largest id plus one,
    which nobody else can take meanwhile: its write transaction holds the database."""
    if not rows:
        return []
    if len(rows) == 1:
        return [conn.execute(_insert_returning_id(table), rows[0]).scalar_one()]
    if len(rows) <= FEW_ROWS:
        if conn.dialect.name == "sqlite":
            # SQLite numbers the rows of one INSERT in the order of its VALUES but returns
            # them in any order: sorted, they follow the rows.  (Asked to keep the order,
            # SQLAlchemy would send one statement per row.)
            return sorted(conn.execute(_insert_returning_id(table), rows).scalars())
        query = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(conn.execute(query, rows).scalars())
    ids = _new_ids(conn, table, len(rows))
    insert_many(conn, table, [{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)])
    return ids


def _new_ids(conn: Connection, table: sa.Table, count: int) -> list[int]:
    if conn.dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence(
            conn.dialect.identifier_preparer.format_table(table), "id")
        query = sa.select(sa.func.nextval(sequence)).select_from(
            sa.func.generate_series(1, count))
        return sorted(conn.execute(query).scalars())
    last = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    return list(range(last + 1, last + 1 + count))


def taken_values(
    conn: Connection, tables: EntityTables, column: str, values: Iterable[Any]
) -> set[Any]:
    """The values among ``values`` that a live record holds in ``column``."""
    wanted = list(set(values))
    column_ = tables.main.c[column]
    found: set[Any] = set()
    for start in range(0, len(wanted), 500):
        query = sa.select(column_).where(column_.in_(wanted[start:start + 500]),
                                         tables.main.c._deleted_at.is_(None))
        found.update(conn.execute(query).scalars())
    return found


@functools.cache
def _audited_update(table: sa.Table, names: tuple[str, ...]) -> sa.Select:
    values = {name: sa.bindparam(f"column_{index}", type_=table.c[name].type)
              for index, name in enumerate(names)}
    return with_entry(_versioned_update(table).values(values).returning(table.c.id))


def update_row(
    conn: Connection,
    tables: EntityTables,
    record_id: int,
    version: int,
    columns: Mapping[str, Any],
    entry: Entry | None = None,
) -> bool:
    """Write ``columns`` and bump ``_version`` if the row is still at ``version``; with
    ``entry``, write the audit entry too (in the row's statement where the database
    can), only when the row was written.

    The version test sits in the UPDATE itself, so of two concurrent writers that read
    the same version exactly one succeeds; the other gets False and nothing written."""
    where = {"where_id": record_id, "where_version": version}
    if entry is not None and folds_entries(conn):
        names = tuple(columns)
        parameters = {f"column_{index}": columns[name] for index, name in enumerate(names)}
        statement = _audited_update(tables.main, names)
        return conn.execute(statement, {**parameters, **where, **entry.parameters()}
                            ).first() is not None
    written = conn.execute(_versioned_update(tables.main), {**columns, **where}).rowcount == 1
    if written and entry is not None:
        write_entry(conn, entry, record_id)
    return written


def replace_lines(
    conn: Connection,
    tables: EntityTables,
    record_id: int,
    lines: Mapping[str, list[dict]],
    *,
    fresh: bool = False,
) -> None:
    """Replace the record's line items (``fresh``: the record is new, it has none)."""
    for name, rows in lines.items():
        table = tables.lines[name]
        if not fresh:
            conn.execute(sa.delete(table).where(table.c[PARENT_COLUMN] == record_id))
        if rows:
            # One executemany takes its column list from the first row: give every row
            # the same keys so a value present only on a later row is not dropped.
            columns = {key for row in rows for key in row}
            conn.execute(
                sa.insert(table),
                [
                    {
                        **dict.fromkeys(columns),
                        **row,
                        PARENT_COLUMN: record_id,
                        ORDER_COLUMN: index,
                    }
                    for index, row in enumerate(rows)
                ],
            )


def existing_ids(
    conn: Connection, tables: EntityTables, ids: Iterable[int],
    condition: sa.ColumnElement[bool] | None = None,
) -> dict[int, bool]:
    """The ids among ``ids`` of records that exist and are not deleted, each with
    whether it meets ``condition`` (always true without one), in one query."""
    ids = set(ids)
    if not ids:
        return {}
    main = tables.main
    meets = sa.true() if condition is None else sa.case((condition, True), else_=False)
    query = sa.select(main.c.id, meets).where(main.c.id.in_(ids), main.c._deleted_at.is_(None))
    return {record_id: bool(flag) for record_id, flag in conn.execute(query)}


@per_object
def _taken_query(column: sa.Column) -> sa.Select:
    table = column.table
    return (
        sa.select(table.c.id)
        .where(
            column == sa.bindparam("value"),
            table.c._deleted_at.is_(None),
            table.c.id != sa.bindparam("exclude_id"),
        )
        .limit(1)
    )


def value_taken(
    conn: Connection, tables: EntityTables, column: str, value: Any, exclude_id: int | None
) -> bool:
    """Whether a live record other than ``exclude_id`` holds ``value`` in ``column``."""
    parameters = {"value": value, "exclude_id": exclude_id if exclude_id is not None else 0}
    return conn.execute(_taken_query(tables.main.c[column]), parameters).first() is not None
