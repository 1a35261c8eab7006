"""Cheap totals for list pages.

Counting every match of a filter on a million-row table costs more than the page
itself, so matches are counted exactly up to :data:`EXACT_LIMIT`.  Past that the total is
an estimate, flagged as such: PostgreSQL's planner estimate, or on SQLite (which has no
planner statistics to ask) the share of matches among the newest :data:`SAMPLE_ROWS`
rows applied to the table's size.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

EXACT_LIMIT = 10_000
SAMPLE_ROWS = 10_000


def count_rows(
    conn: Connection, table: sa.Table, where: Sequence[sa.ColumnElement]
) -> tuple[int, bool]:
    """(total, whether it is an estimate) of the rows of ``table`` matching ``where``."""
    counted = _count(conn, sa.select(sa.literal(1)).select_from(table).where(*where)
                     .limit(EXACT_LIMIT + 1))
    if counted <= EXACT_LIMIT:
        return counted, False
    if conn.dialect.name == "postgresql":
        estimate = _planner_estimate(conn, sa.select(table.c.id).where(*where))
    else:
        estimate = _sampled_estimate(conn, table, where)
    return max(estimate, counted), True


def _count(conn: Connection, query: sa.Select) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()


def _planner_estimate(conn: Connection, query: sa.Select) -> int:
    compiled = query.compile(dialect=conn.dialect)
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + compiled.string, compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _sampled_estimate(conn: Connection, table: sa.Table, where) -> int:
    low, high = conn.execute(sa.select(sa.func.min(table.c.id), sa.func.max(table.c.id))).one()
    size = high - low + 1
    sample = table.c.id > high - SAMPLE_ROWS
    matches = _count(conn, sa.select(sa.literal(1)).select_from(table).where(sample, *where))
    return round(size * matches / min(SAMPLE_ROWS, size))
