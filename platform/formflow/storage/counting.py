"""Cheap totals for list pages.

Counting every match of a filter on a million-row table costs more than the page
itself, so rows are counted exactly up to :data:`EXACT_LIMIT`; past that PostgreSQL's
planner estimate is used (at least the limit, and flagged as an estimate).  SQLite has
no such estimate, so it keeps counting exactly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

EXACT_LIMIT = 10_000


def count_rows(
    conn: Connection, table: sa.Table, where: Sequence[sa.ColumnElement]
) -> tuple[int, bool]:
    """(total, whether it is an estimate) of the rows of ``table`` matching ``where``."""
    if conn.dialect.name != "postgresql":
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar(), False
    sample = sa.select(sa.literal(1)).select_from(table).where(*where).limit(EXACT_LIMIT + 1)
    counted = conn.execute(sa.select(sa.func.count()).select_from(sample.subquery())).scalar()
    if counted <= EXACT_LIMIT:
        return counted, False
    return max(_planner_estimate(conn, sa.select(table.c.id).where(*where)), counted), True


def _planner_estimate(conn: Connection, query: sa.Select) -> int:
    compiled = query.compile(dialect=conn.dialect)
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + compiled.string, compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])
