"""Cheap totals for list pages.

Counting every match of a filter on a million-row table costs more than the page
itself, so matches are counted exactly up to :data:`EXACT_LIMIT`.  Past that the total is
an estimate, flagged as such: PostgreSQL's planner estimate, or on SQLite (which has no
planner statistics to ask) the share of matches among the newest rows applied to the
table's size.  On a PostgreSQL table of more than :data:`LARGE_TABLE_ROWS` rows the
planner is asked first, and when it expects more matches than the limit the bounded
count (up to ten thousand index entries, most of the cost of a list request) is not run.
A smaller table is counted at once: asking the planner there would cost a statement more
than it saves.

SQLite samples a table spanning more than :data:`SQLITE_SAMPLE_FIRST_ROWS` ids.  The
page's own statement counts the matches among the newest :data:`QUICK_SAMPLE_ROWS` ids
beside the rows (a tenth of the larger sample's cost, and no statement of its own);
when that share puts the matches past the limit by three standard errors and more, it is
the estimate, and nothing else is read.  Otherwise the newest :data:`SAMPLE_ROWS` ids are
sampled, and the matches counted up to the limit when that sample does not put them past
it (the sample reads ten thousand rows in key order, a fraction of what the bounded count
costs on a filter no index holds).

Where the bounded count runs with the page, it runs inside the page's statement, a
scalar subquery selected beside the rows (:class:`PageTotal`): one statement less per
list request.

A page shorter than asked for ends the matches, so it turns any estimate into the exact
total (:func:`settled`).
"""

from __future__ import annotations

import functools
import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.storage.repository import row_dicts

EXACT_LIMIT = 10_000
#: PostgreSQL tables of more rows than this ask the planner before counting.
LARGE_TABLE_ROWS = 100_000
SAMPLE_ROWS = 10_000
#: The newest ids a large SQLite table's page samples in its own statement.
QUICK_SAMPLE_ROWS = 1_000
#: Standard errors the quick sample's estimate must clear the limit by to be the total.
QUICK_SAMPLE_ERRORS = 3
#: SQLite tables spanning more ids than this are sampled before they are counted.
SQLITE_SAMPLE_FIRST_ROWS = 2 * SAMPLE_ROWS
#: The label of the values a page's statement selects beside the rows, then a number.
TOTAL_COLUMN = "_ff_total"


class Totals:
    """Counts the matches of list filters, remembering for ``size_seconds`` how many rows
    each table holds (PostgreSQL's statistics; on SQLite the span of its ids): a table's
    size decides how to count, and it changes slowly."""

    def __init__(self, size_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self._size_seconds = size_seconds
        self._clock = clock
        self._sizes: dict[str, tuple[float, float]] = {}  # table -> (valid until, rows)
        self._lock = threading.Lock()

    def page_total(
        self, conn: Connection, table: sa.Table, where: Sequence[sa.ColumnElement]
    ) -> PageTotal:
        """How to know the total of the rows of ``table`` matching ``where`` with a page
        of them: a total known already, or what to read with the page to know it."""
        if conn.dialect.name != "postgresql":
            if self.table_rows(conn, table) <= SQLITE_SAMPLE_FIRST_ROWS:
                return _bounded(table, where, lambda: _sampled_estimate(conn, table, where))
            return _sampled_first(conn, table, where)
        matching = sa.select(table.c.id).where(*where)
        if self.table_rows(conn, table) <= LARGE_TABLE_ROWS:
            return _bounded(table, where, lambda: _planner_estimate(conn, matching))
        planned = _planner_estimate(conn, matching)
        if planned > EXACT_LIMIT:
            return PageTotal(known=(planned, True))
        return _bounded(table, where, lambda: planned)

    def table_rows(self, conn: Connection, table: sa.Table) -> float:
        """Rows of ``table`` as PostgreSQL's statistics have them (0: never analyzed); on
        SQLite the span of its ids (at least as many as the rows)."""
        now = self._clock()
        with self._lock:
            known = self._sizes.get(table.name)
        if known is not None and known[0] > now:
            return known[1]
        if conn.dialect.name == "postgresql":
            rows = conn.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"),
                {"name": table.name},
            ).scalar()
        else:
            low, high = conn.execute(sa.select(_lowest(table), _highest(table))).one()
            rows = 0 if high is None else high - low + 1
        rows = max(rows or 0, 0)  # -1: never analyzed
        with self._lock:
            self._sizes[table.name] = (now + self._size_seconds, rows)
        return rows


def settled(total: int, estimated: bool, offset: int, fetched: int, per_page: int
            ) -> tuple[int, bool]:
    """The total corrected by what a page at ``offset`` holding ``fetched`` rows shows.

    A page that is not full, unless it is an empty page past the end, holds the last
    matches: the total is then exact.  An empty page past the end caps the estimate at its
    offset; a full page raises it to at least everything up to the page's end.
    """
    if not estimated:
        return total, False
    if fetched < per_page and (fetched or offset == 0):
        return offset + fetched, False
    if not fetched:
        return min(total, offset), True
    return max(total, offset + fetched), True


@dataclass(frozen=True)
class PageTotal:
    """A list page's total: ``known`` already, or ``carried``: scalar subqueries the
    page's statement selects beside the rows (one statement instead of two; a page with
    no row to carry them reads them on their own), whose values ``settle`` turns into the
    total and whether it is an estimate (reading more if it must)."""

    known: tuple[int, bool] | None = None
    carried: tuple[sa.ScalarSelect, ...] = ()
    settle: Callable[[Sequence[Any]], tuple[int, bool]] | None = None

    def page(self, conn: Connection, query: sa.Select) -> tuple[list[dict[str, Any]], int, bool]:
        """The rows of the page ``query`` as dicts, the total and whether it is an
        estimate (before :func:`settled`)."""
        if self.known is not None:
            return row_dicts(conn.execute(query)), *self.known
        width = len(self.carried)
        result = conn.execute(query.add_columns(
            *(value.label(f"{TOTAL_COLUMN}{n}") for n, value in enumerate(self.carried))))
        keys = list(result.keys())[:-width]
        fetched = result.all()
        rows = [dict(zip(keys, row[:-width], strict=True)) for row in fetched]
        values = fetched[0][-width:] if fetched else conn.execute(sa.select(*self.carried)).one()
        return rows, *self.settle(values)


def _bounded(table: sa.Table, where: Sequence[sa.ColumnElement], estimate: Callable[[], int]
             ) -> PageTotal:
    """The exact count of matches up to the limit, read with the page; past it,
    ``estimate()``."""
    def settle(values: Sequence[Any]) -> tuple[int, bool]:
        (counted,) = values
        return _past_the_count(counted, estimate)

    return PageTotal(carried=(_bounded_count(table, where),), settle=settle)


def _bounded_count(table: sa.Table, where: Sequence[sa.ColumnElement]) -> sa.ScalarSelect:
    matches = sa.select(sa.literal(1)).select_from(table).where(*where)
    bounded = matches.limit(EXACT_LIMIT + 1).subquery()
    return sa.select(sa.func.count()).select_from(bounded).scalar_subquery()


def _past_the_count(counted: int, estimate: Callable[[], int]) -> tuple[int, bool]:
    if counted <= EXACT_LIMIT:
        return counted, False
    return max(estimate(), counted), True


def _sampled_first(conn: Connection, table: sa.Table, where: Sequence[sa.ColumnElement]
                   ) -> PageTotal:
    """A large SQLite table's total: the quick sample read with the page when it puts
    the matches well past the limit; else the larger sample, then the bounded count."""
    def settle(values: Sequence[Any]) -> tuple[int, bool]:
        low, high, found = values
        if high is not None:
            size = high - low + 1
            share = size / min(QUICK_SAMPLE_ROWS, size)
            if share * (found - QUICK_SAMPLE_ERRORS * math.sqrt(found)) > EXACT_LIMIT:
                return round(share * found), True
        sampled = _sampled_estimate(conn, table, where)
        if sampled > EXACT_LIMIT:
            return sampled, True
        counted = conn.execute(sa.select(_bounded_count(table, where))).scalar()
        return _past_the_count(counted, lambda: sampled)

    quick = (_lowest(table), _highest(table), _sample(table, where, QUICK_SAMPLE_ROWS))
    return PageTotal(carried=quick, settle=settle)


def _planner_estimate(conn: Connection, query: sa.Select) -> int:
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    explain = "EXPLAIN (FORMAT JSON) " + compiled.string
    plan = conn.exec_driver_sql(explain, compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


# The parts of the sample that depend on the table alone are built once per table (and
# size of sample): a list request would otherwise spend more on building them than SQLite
# spends on reading the sample.  Expressions are immutable, so statements share them.


@functools.lru_cache(maxsize=256)
def _lowest(table: sa.Table) -> sa.ScalarSelect:
    # Each end of the primary key in a scalar subquery of its own, where SQLite answers
    # ``SELECT min(id), max(id)`` by scanning a whole index.
    return sa.select(sa.func.min(table.c.id)).scalar_subquery()


@functools.lru_cache(maxsize=256)
def _highest(table: sa.Table) -> sa.ScalarSelect:
    return sa.select(sa.func.max(table.c.id)).scalar_subquery()


@functools.lru_cache(maxsize=256)
def _newest(table: sa.Table, rows: int) -> sa.ColumnElement:
    """The condition of the newest ``rows`` ids."""
    return table.c.id > _highest(table) - rows


def _sample(table: sa.Table, where: Sequence[sa.ColumnElement], rows: int
            ) -> sa.ScalarSelect:
    """The matches among the newest ``rows`` ids."""
    # The conditions inside a function: SQLite must take the newest rows by their ids and
    # test each, not read every match of the filter through an index that holds it alone
    # (a partial list index), which it takes for cheaper on a large table.
    met = sa.func.coalesce(sa.and_(*where), False) if where else sa.true()
    sample = sa.select(sa.literal(1)).select_from(table).where(_newest(table, rows), met)
    return sa.select(sa.func.count()).select_from(sample.subquery()).scalar_subquery()


def _sampled_estimate(conn: Connection, table: sa.Table, where) -> int:
    """The share of matches among the newest :data:`SAMPLE_ROWS` ids applied to the
    table's span of ids, in one statement."""
    matches = _sample(table, where, SAMPLE_ROWS)
    low, high, found = conn.execute(sa.select(_lowest(table), _highest(table), matches)).one()
    if high is None:
        return 0
    size = high - low + 1
    return round(size * found / min(SAMPLE_ROWS, size))
