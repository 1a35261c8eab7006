"""Lists of records: the conditions of a list query (filters with user names and
department codes resolved, search over readable fields, deleted or not), the sums of a
totals row, and the batches an export streams.  The records service adds the read
scope and the permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import department_ids_by_code, user_ids_by_name
from formflow.fields import Registry
from formflow.metadata.model import Entity, Field
from formflow.records.query import Filter, order_by, where_clauses
from formflow.records.references import to_internal
from formflow.storage.repository import attach_lines

#: Field types a list can add up (a totals row).
SUMMABLE = frozenset({"integer", "decimal", "money"})


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    total_is_estimate: bool = False
    #: Sums over every matching record (not only this page) of the fields asked for.
    sums: Mapping[str, Any] = dataclass_field(default_factory=dict)


def search_fields(entity: Entity, readable: Callable[[Field], bool]) -> list[str]:
    """The list's search fields the user may read: ``q`` must not find a record by a
    value the user cannot see."""
    names = entity.list.search if entity.list else ()
    return [name for name in names if (field := entity.field(name)) and readable(field)]


def list_conditions(conn: Connection, main: sa.Table, query, searched: list[str],
                    field_types: Registry, deleted: bool) -> list:
    """The conditions of a list query but its read scope: filters, search, deleted or
    not."""
    filters = resolve_filters(conn, query.filters, field_types)
    where = where_clauses(main, filters, query.search, searched)
    where.append(main.c._deleted_at.is_not(None) if deleted else main.c._deleted_at.is_(None))
    return where


def resolve_filters(conn: Connection, filters: Sequence[Filter],
                    field_types: Registry) -> list[Filter]:
    """User names and department codes in filters become ids (unknown ones match
    nothing)."""
    resolved = []
    for item in filters:
        lookup = {"user": user_ids_by_name, "department": department_ids_by_code}.get(
            field_types[item.field.type].reference or ""
        )
        if lookup is not None and item.op in ("eq", "ne", "in"):
            names = item.value if isinstance(item.value, list) else [item.value]
            ids = lookup(conn, {n for n in names if n is not None})
            mapped = [ids.get(n, -1) if n is not None else None for n in names]
            item = replace(item, value=mapped if item.op == "in" else mapped[0])
        resolved.append(item)
    return resolved


def add_up(conn: Connection, entity: Entity, main: sa.Table, where, names: Sequence[str],
           readable: Callable[[Field], bool], field_types: Registry) -> dict:
    """The sums of the stored number fields ``names`` the user may read over the rows
    matching ``where``, in one aggregate query; as JSON values."""
    fields = [
        f for f in (entity.field(n) for n in names)
        if f is not None and f.type in SUMMABLE and readable(f) and f.name in main.c
    ]
    if not fields:
        return {}
    row = conn.execute(
        sa.select(*(sa.func.sum(main.c[f.name]) for f in fields)).where(*where)
    ).one()
    return {
        f.name: None if value is None else field_types[f.type].to_json(f, value)
        for f, value in zip(fields, row, strict=True)
    }


def batches(db, tables, conditions: Callable[[Connection], list], query, to_json,
            field_types: Registry, *, limit: int, batch: int,
            lines: bool) -> Iterator[list[dict[str, Any]]]:
    """The matching records as JSON, ``batch`` at a time, from one read transaction and
    one query over a server-side cursor; ``conditions(conn)`` gives the WHERE clauses."""
    main = tables.main
    with db.read_transaction() as conn:
        select = sa.select(main).where(*conditions(conn)).order_by(*order_by(main, query))
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(
            select.limit(limit))
        for partition in result.partitions():
            rows = [dict(r._mapping) for r in partition]
            if lines:
                attach_lines(conn, tables, rows)
            to_internal(conn, tables.entity, rows, field_types)
            yield [to_json(row) for row in rows]

