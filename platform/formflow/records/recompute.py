"""Bringing stored computed values up to date when their formulas change.

A computed value is stored and recomputed on every save, so a changed formula leaves the
records saved before it with values of the old formula.  ``formflow migrate`` compares
each computed field's formula with the one it published last time; for every entity
with a changed one (or a computed field that is new) it plans "recompute ... : N
records", and applying recomputes every computed value of those records (soft-deleted
ones too) in batches, in the migration's transaction, then publishes the formulas.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.expressions import EvaluationContext, compile_expression
from formflow.metadata.compute_graph import compute_graph, computed_nodes
from formflow.metadata.model import Entity, Model
from formflow.records.evaluation import RecordScope, compute_order, compute_values
from formflow.records.references import to_database, to_internal
from formflow.records.saving import copy_record

if TYPE_CHECKING:
    from formflow.records.internal import InternalRecords
from formflow.storage.migrate import MigrationStep
from formflow.storage.repository import load_rows
from formflow.storage.tables import ORDER_COLUMN, PARENT_COLUMN

BATCH = 500


@dataclass(frozen=True)
class Recompute:
    """The records of ``entity`` whose computed values ``fields`` must be recomputed."""

    entity: Entity
    fields: tuple[str, ...]  # "total", "lines.amount": changed formulas and what reads them
    count: int

    def step(self, table: str) -> MigrationStep:
        noun = "record" if self.count == 1 else "records"
        kind = "field" if len(self.fields) == 1 else "fields"
        text = (f"{table}: recompute {kind} {', '.join(self.fields)} of entity "
                f"{self.entity.qualified_name}: {self.count} {noun}")
        return MigrationStep("recompute", table, None, text)


def formulas(model: Model) -> dict[str, dict[str, str]]:
    """The formula of every computed field, ``{app: {"entity.field": formula}}`` (a
    line-item column is ``entity.table.column``)."""
    found: dict[str, dict[str, str]] = {}
    for app in model.apps.values():
        found[app.name] = {
            f"{entity.name}.{_node_name(node)}": field.compute or ""
            for entity in app.entities.values()
            for node, (_, field) in computed_nodes(entity).items()
        }
    return found


def plan_recompute(conn: Connection, records: InternalRecords,
                   published: dict[str, dict[str, str] | None]
                   ) -> list[Recompute]:
    """What changed formulas make stale, from the formulas published last time (an app
    missing there, or published before formulas were kept, has nothing to recompute)."""
    plans = []
    existing = set(sa.inspect(conn).get_table_names())
    for app in records.model.apps.values():
        before = published.get(app.name)
        if before is None:
            continue
        for entity in app.entities.values():
            main = records.schema[entity.qualified_name].main
            changed = {
                node for node, (_, field) in computed_nodes(entity).items()
                if before.get(f"{entity.name}.{_node_name(node)}") != field.compute
            }
            if not changed or main.name not in existing:
                continue
            count = conn.execute(sa.select(sa.func.count()).select_from(main)).scalar_one()
            if count:
                fields = _with_readers(entity, changed, records.functions)
                plans.append(Recompute(entity, fields, count))
    return plans


def recompute(conn: Connection, records: InternalRecords, plan: Recompute) -> None:
    """Recompute every computed value of the planned records, :data:`BATCH` records at a
    time; only the values that change are written (the records keep their version)."""
    tables = records.schema[plan.entity.qualified_name]
    context = EvaluationContext(timezone=records.timezone, functions=records.functions)
    for rows in _batches(conn, tables, BATCH):
        to_internal(conn, plan.entity, rows, records.field_types)
        follow = records.follower(conn)
        for row in rows:
            before = copy_record(row)
            scope = RecordScope(plan.entity.fields, row, follow, records.model.entity)
            compute_values(plan.entity, row, scope, context, records.field_types)
            if row != before:
                _write(conn, records, tables, plan.entity, row, before)


def _batches(conn: Connection, tables, size: int) -> Iterator[list[dict]]:
    """Every row (soft-deleted ones too) with its line items, ``size`` rows at a time."""
    main, last = tables.main, 0
    while True:
        ids = conn.execute(
            sa.select(main.c.id).where(main.c.id > last).order_by(main.c.id).limit(size)
        ).scalars().all()
        if not ids:
            return
        yield load_rows(conn, tables, [main.c.id.in_(ids)])
        last = ids[-1]


def _write(conn: Connection, records, tables, entity: Entity, row: dict, before: dict) -> None:
    """Write the computed values of ``row`` that differ from ``before``."""
    stored = copy_record(row)
    to_database(conn, entity, stored, records.field_types)
    main = {f.name: stored[f.name] for f in entity.scalar_fields
            if f.compute and row.get(f.name) != before.get(f.name)}
    if main:
        conn.execute(sa.update(tables.main).where(tables.main.c.id == row["id"]).values(main))
    for table in entity.table_fields:
        columns = [c.name for c in table.fields if c.compute]
        if not columns or row.get(table.name) == before.get(table.name):
            continue
        lines = tables.lines[table.name]
        ids = conn.execute(
            sa.select(lines.c.id).where(lines.c[PARENT_COLUMN] == row["id"])
            .order_by(lines.c[ORDER_COLUMN])
        ).scalars().all()
        for line_id, line in zip(ids, stored[table.name], strict=True):
            conn.execute(sa.update(lines).where(lines.c.id == line_id)
                         .values({name: line.get(name) for name in columns}))


def _with_readers(entity: Entity, changed: set, functions) -> tuple[str, ...]:
    """The ``changed`` computed nodes and every computed node reading them, by name, in
    the order they are computed."""
    graph = compute_graph(entity, _references(functions))
    stale = set(changed)
    grown = True
    while grown:
        more = {node for node, reads in graph.items() if stale & set(reads)} - stale
        stale |= more
        grown = bool(more)
    order = [(table.name if table else "", field.name)
             for table, field in compute_order(entity, functions)]
    return tuple(_node_name(node) for node in order if node in stale)


def _references(functions):
    names = tuple(functions)
    return lambda text: compile_expression(text, functions=names).references


def _node_name(node: tuple[str, str]) -> str:
    return ".".join(filter(None, node))
