"""Planner statistics kept fresh by the product itself.

A query planner picks an index from what it knows of the tables.  SQLite knows nothing
until ``ANALYZE`` runs, and without it a filtered, sorted list page takes the filter's
index and sorts thousands of rows where the composite index would hand over the page in
order (20 ms instead of 0.2 on 50k rows).  PostgreSQL's autovacuum analyzes tables on
its own, but only when it runs, and a deployment may have it tuned down.

So statistics are refreshed after every migration, after a large import and from
``formflow tick``.  On SQLite ``ANALYZE`` reads at most :data:`SQLITE_ANALYSIS_LIMIT`
rows of each index (approximate statistics are all the planner needs, and the cost stays
a few milliseconds per index whatever the table's size).  Such an analysis cannot see
past its limit, though: a column of a few values (a level, a status) comes out as
matching at most :data:`SQLITE_ANALYSIS_LIMIT` rows per value (the limit shared by the
few values it saw) whatever their real number, and the planner then takes that column's
index and sorts a third of the table rather than walk the sort's index.  So wherever
the figure says the analysis saw few values (:data:`FEW_VALUES` or fewer), the index's
distinct leading values other than NULL are counted by skipping from one to the next
(one look-up each, at most as many as the figure implies) and the figure becomes the
span of the table's ids per value.
On PostgreSQL only the tables changed by more than a tenth since their last analysis are
analyzed, like autovacuum.

A SQLite connection loads the statistics when it reads the schema: one already open (a
worker's pooled connection) keeps planning with the old figures, and making it reload
them (``ANALYZE sqlite_schema``) would take the write lock.  So when a refresh changed
the statistics it also changes the schema, by creating and dropping an empty table in
the same transaction (:data:`SQLITE_RELOAD_MARK`): every other connection sees the
schema's version go up at its next statement and reads the schema and the new
statistics again, with nothing to check on each request.  PostgreSQL's statistics are
shared by every connection already.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

#: Rows of each index SQLite's ANALYZE reads (its own recommendation is 100 to 1000).
SQLITE_ANALYSIS_LIMIT = 1000
#: An index whose analysis saw this many leading values or fewer has them counted.
FEW_VALUES = 10
#: The most leading values counted for one index.
MOST_VALUES = 10_000
#: The table a refresh that changed SQLite's statistics creates and drops at once.
SQLITE_RELOAD_MARK = "ff_statistics_reload"
#: PostgreSQL: analyze a table once this share of its rows changed since the last time...
CHANGED_SHARE = 0.1
#: ...or at least this many rows (small tables need not be analyzed on every change).
CHANGED_ROWS = 500


def refresh_statistics(conn: Connection) -> list[str]:
    """Analyze what needs it; returns the tables analyzed (``["*"]``: all, on SQLite)."""
    if conn.dialect.name == "sqlite":
        before = _sqlite_statistics(conn)
        conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
        _uncap_sqlite_statistics(conn, None)
        _reload_elsewhere_if_changed(conn, before)
        return ["*"]
    if conn.dialect.name != "postgresql":
        return []
    stale = conn.execute(
        sa.text(
            "SELECT s.relname FROM pg_stat_user_tables s"
            " JOIN pg_class c ON c.oid = s.relid"
            " WHERE s.schemaname = current_schema()"
            " AND s.n_mod_since_analyze > greatest(:rows, :share * c.reltuples)"
            " ORDER BY s.relname"
        ),
        {"rows": CHANGED_ROWS, "share": CHANGED_SHARE},
    ).scalars().all()
    preparer = conn.dialect.identifier_preparer
    for table in stale:
        conn.exec_driver_sql(f"ANALYZE {preparer.quote(table)}")
    return stale


def analyze_tables(conn: Connection, tables: list[str]) -> None:
    """Analyze ``tables`` now, whatever changed: after a migration or a bulk load."""
    if not tables:
        return
    preparer = conn.dialect.identifier_preparer
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        before = _sqlite_statistics(conn)
        conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
    for table in tables:
        conn.exec_driver_sql(f"ANALYZE {preparer.quote(table)}")
    if sqlite:
        _uncap_sqlite_statistics(conn, set(tables))
        _reload_elsewhere_if_changed(conn, before)


def _sqlite_statistics(conn: Connection) -> list[tuple] | None:
    """Every figure of ``sqlite_stat1``; None before the first analysis made it."""
    made = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first()
    if made is None:
        return None
    rows = conn.exec_driver_sql("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx")
    return [tuple(row) for row in rows]


def _reload_elsewhere_if_changed(conn: Connection, before: list[tuple] | None) -> None:
    """Have the other connections reload the statistics when they changed since
    ``before`` (see the module's docstring)."""
    if _sqlite_statistics(conn) == before:
        return
    conn.exec_driver_sql(f"CREATE TABLE {SQLITE_RELOAD_MARK} (x)")
    conn.exec_driver_sql(f"DROP TABLE {SQLITE_RELOAD_MARK}")


def _uncap_sqlite_statistics(conn: Connection, tables: set[str] | None) -> None:
    """Replace the rows-per-value figures the analysis limit made up (see the module's
    docstring) on the indexes of ``tables`` (None: all), then have SQLite reload them."""
    seen_few = SQLITE_ANALYSIS_LIMIT // FEW_VALUES
    preparer = conn.dialect.identifier_preparer
    changed = False
    stats = conn.exec_driver_sql(
        "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx IS NOT NULL"
    ).all()
    for table, index, stat in stats:
        parts = stat.split()
        if tables is not None and table not in tables:
            continue
        if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
            continue
        rows, per_value = int(parts[0]), int(parts[1])
        if per_value < seen_few or rows <= SQLITE_ANALYSIS_LIMIT or rows <= per_value:
            continue
        info = conn.exec_driver_sql(f"PRAGMA index_info({preparer.quote(index)})").all()
        column = next((name for seqno, _, name in info if seqno == 0), None)
        if column is None:  # an expression
            continue
        counted = _distinct_values(
            conn, preparer.quote(table), preparer.quote(column),
            min(rows // per_value + 1, MOST_VALUES), _partial_condition(conn, index),
        )
        if counted is None:
            continue
        values, span = counted  # the span of ids: the analysis also guesses the rows
        if span // values <= per_value:
            continue
        parts[1] = str(span // values)
        conn.exec_driver_sql(
            "UPDATE sqlite_stat1 SET stat = ? WHERE tbl = ? AND idx = ?",
            (" ".join(parts), table, index),
        )
        changed = True
    if changed:
        conn.exec_driver_sql("ANALYZE sqlite_schema")  # reload the statistics


def _partial_condition(conn: Connection, index: str) -> str:
    """The condition of a partial index, ``"1"`` for a full one."""
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?", (index,)
    ).scalar() or ""
    _, where, condition = sql.rpartition(" WHERE ")
    return condition if where else "1"


def _distinct_values(conn: Connection, table: str, column: str, most: int, condition: str
                     ) -> tuple[int, int] | None:
    """How many distinct values other than NULL ``column`` holds among the rows meeting
    ``condition`` (a partial index's, which the look-ups must repeat to use the index),
    each found by one index look-up from the previous one, and the span of the table's
    ids; None past ``most`` values."""
    # The names come from sqlite_stat1 and the index, quoted as identifiers by the caller;
    # the condition from the index's definition.
    skip_scan = (
        "WITH RECURSIVE v(x) AS (SELECT min({c}) FROM {t} WHERE {w}"
        " UNION ALL SELECT (SELECT min({c}) FROM {t} WHERE {c} > v.x AND {w})"
        " FROM v WHERE v.x IS NOT NULL LIMIT ?)"
        " SELECT (SELECT count(x) FROM v), (SELECT max(id) FROM {t}),"
        " (SELECT min(id) FROM {t})"
    )
    query = skip_scan.format(c=column, t=table, w=f"({condition})")
    found, high, low = conn.exec_driver_sql(query, (most + 1,)).one()
    if found == 0 or found > most or high is None:
        return None
    return found, high - low + 1
