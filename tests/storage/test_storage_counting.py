"""List totals: exact up to a limit; past it an estimate on PostgreSQL, flagged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from formflow.fields.columns import utcnow
from formflow.storage import counting
from support.helpers import counting_queries


def _fill(runtime, count):
    table = runtime.schema["crm.customer"].main
    now = utcnow()
    with runtime.db.write() as conn:
        conn.execute(
            sa.insert(table),
            [
                {
                    "name": f"C{i}",
                    "level": "A",
                    "_version": 1,
                    "_created_at": now,
                    "_updated_at": now,
                }
                for i in range(count)
            ],
        )
        if runtime.db.is_postgresql:
            conn.exec_driver_sql("ANALYZE crm__customer")


def test_a_total_within_the_limit_is_exact(runtime, admin):
    _fill(runtime, 7)
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"]})
    assert (page.total, page.total_is_estimate) == (7, False)


def test_past_the_limit_the_total_is_an_estimate_and_says_so(runtime, admin, monkeypatch):
    monkeypatch.setattr(counting, "EXACT_LIMIT", 5)
    _fill(runtime, 40)
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"]})
    assert page.total_is_estimate is True
    assert page.total >= 6


def test_the_sqlite_estimate_scales_the_share_of_matches_in_a_sample(
    runtime, admin, monkeypatch
):
    if runtime.db.is_postgresql:
        pytest.skip("PostgreSQL asks its planner")
    monkeypatch.setattr(counting, "EXACT_LIMIT", 5)
    monkeypatch.setattr(counting, "SAMPLE_ROWS", 20)
    _fill(runtime, 40)
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"]})
    assert (page.total, page.total_is_estimate) == (40, True)


@pytest.fixture
def statements(runtime):
    """The SQL statements run while the test body runs."""
    with counting_queries(runtime.db.engine) as seen:
        yield seen


@pytest.fixture
def postgresql(runtime):
    if not runtime.db.is_postgresql:
        pytest.skip("SQLite has no planner statistics to ask")


def test_past_the_planned_limit_postgresql_does_not_count_at_all(
    runtime, admin, monkeypatch, postgresql, statements
):
    monkeypatch.setattr(counting, "EXACT_LIMIT", 5)
    monkeypatch.setattr(counting, "LARGE_TABLE_ROWS", 20)
    _fill(runtime, 40)
    statements.clear()
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"], "per_page": ["10"]})
    assert page.total_is_estimate is True
    assert [s for s in statements if s.startswith("EXPLAIN")]
    assert not [s for s in statements if "count(" in s]


def test_the_planner_is_asked_about_a_filter_on_a_list_of_values(
    runtime, admin, monkeypatch, postgresql, statements
):
    monkeypatch.setattr(counting, "LARGE_TABLE_ROWS", 20)
    _fill(runtime, 40)
    page = runtime.records.list(admin, "crm.customer", {"name__in": ["C1,C2,C3"]})
    assert (page.total, page.total_is_estimate) == (3, False)
    assert [s for s in statements if s.startswith("EXPLAIN")]


def test_a_small_table_is_counted_without_asking_the_planner(
    runtime, admin, monkeypatch, postgresql, statements
):
    monkeypatch.setattr(counting, "EXACT_LIMIT", 30)
    monkeypatch.setattr(counting, "LARGE_TABLE_ROWS", 50)
    _fill(runtime, 40)  # more rows than the limit, yet a small table
    statements.clear()
    for _ in range(3):
        page = runtime.records.list(admin, "crm.customer", {"name": ["C1"]})
    assert (page.total, page.total_is_estimate) == (1, False)
    assert not [s for s in statements if s.startswith("EXPLAIN")]
    assert len([s for s in statements if "pg_class" in s]) == 1  # the size is remembered


def test_a_remembered_table_size_is_looked_up_again_once_it_is_old(runtime, postgresql):
    moments = iter([0.0, 10.0, 61.0])
    totals = counting.Totals(size_seconds=60, clock=lambda: next(moments))
    table = runtime.schema["crm.customer"].main
    _fill(runtime, 40)
    with runtime.db.read() as conn:
        assert totals.table_rows(conn, table) == 40
    _fill(runtime, 1)
    with runtime.db.read() as conn:
        assert totals.table_rows(conn, table) == 40  # still remembered at 10 s
        assert totals.table_rows(conn, table) == 41  # looked up again at 61 s


def test_a_page_that_is_not_full_makes_an_estimated_total_exact(runtime, admin, monkeypatch):
    monkeypatch.setattr(counting, "EXACT_LIMIT", 5)
    _fill(runtime, 40)
    page = runtime.records.list(admin, "crm.customer",
                                {"level": ["A"], "per_page": ["15"], "page": ["3"]})
    assert (len(page.items), page.total, page.total_is_estimate) == (10, 40, False)


@pytest.mark.parametrize(
    ("offset", "fetched", "settled"),
    [
        (0, 25, (500, True)),  # a full page says nothing new
        (600, 25, (625, True)),  # full and past the estimate: at least up to its end
        (50, 7, (57, False)),  # a short page holds the last matches
        (0, 0, (0, False)),  # an empty first page: nothing matches
        (300, 0, (300, True)),  # an empty page past the end: fewer than its offset
    ],
)
def test_what_a_page_shows_settles_an_estimate(offset, fetched, settled):
    assert counting.settled(500, True, offset, fetched, 25) == settled


def test_an_exact_total_is_left_as_it_is():
    assert counting.settled(12, False, 25, 0, 25) == (12, False)


def test_the_api_reports_whether_the_total_is_an_estimate(runtime, admin_api):
    body = admin_api.get("crm/customer").get_json()
    assert body["total_is_estimate"] is False


@pytest.fixture
def sampled(runtime, monkeypatch):
    """40 customers on SQLite, whose totals past 5 are estimated from a sample of 20 of
    the newest 30 rows."""
    if runtime.db.is_postgresql:
        pytest.skip("PostgreSQL asks its planner")
    monkeypatch.setattr(counting, "EXACT_LIMIT", 5)
    monkeypatch.setattr(counting, "SAMPLE_ROWS", 20)
    monkeypatch.setattr(counting, "SQLITE_SAMPLE_FIRST_ROWS", 30)
    _fill(runtime, 40)


def test_a_large_sqlite_table_sampled_past_the_limit_is_not_counted(
    runtime, admin, sampled, statements
):
    runtime.records.list(admin, "crm.customer", {"level": ["A"]})  # the table's size
    statements.clear()
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"], "per_page": ["10"]})
    assert (page.total, page.total_is_estimate) == (40, True)
    assert len([s for s in statements if "count(" in s]) == 1  # the sample's, in one statement


def test_the_sqlite_sample_reads_the_newest_rows_by_id_beside_a_partial_list_index(
    runtime, admin, sampled
):
    """On a large table the level's partial list index holds every match, and SQLite
    would rather read them all through it than the newest rows by their ids."""
    with runtime.db.write() as conn:  # the statistics of a million rows, three levels
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql(
            "UPDATE sqlite_stat1 SET stat = '1000000' || substr(stat, instr(stat, ' ')) "
            "WHERE tbl = 'crm__customer'")
        conn.exec_driver_sql(
            "UPDATE sqlite_stat1 SET stat = '1000000 333333 1 1 1' "
            "WHERE idx = 'ix_crm__customer_level_name_id_alive'")
        conn.exec_driver_sql("ANALYZE sqlite_schema")
    with counting_queries(runtime.db.engine, with_parameters=True) as seen:
        runtime.records.list(admin, "crm.customer", {"level": ["A"]})
    (sample,) = [(s, p) for s, p in seen if "count(" in s]
    with runtime.db.read() as conn:
        plan = " | ".join(row[-1] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sample[0], sample[1]))
    sampled = plan[plan.index("SCALAR SUBQUERY"):]  # beside the page's own rows
    assert "INTEGER PRIMARY KEY (rowid>?)" in sampled
    assert "level_name" not in sampled


@pytest.fixture
def large_sqlite_table(runtime, admin, monkeypatch):
    """40 customers of level A in a table SQLite samples before counting (its size known)."""
    if runtime.db.is_postgresql:
        pytest.skip("PostgreSQL asks its planner")
    monkeypatch.setattr(counting, "SQLITE_SAMPLE_FIRST_ROWS", 30)
    monkeypatch.setattr(counting, "SAMPLE_ROWS", 20)
    _fill(runtime, 40)
    runtime.records.list(admin, "crm.customer", {"level": ["A"]})


def test_a_large_sqlite_tables_quick_sample_far_past_the_limit_is_read_with_the_page(
    runtime, admin, monkeypatch, large_sqlite_table, statements
):
    monkeypatch.setattr(counting, "EXACT_LIMIT", 5)
    monkeypatch.setattr(counting, "QUICK_SAMPLE_ROWS", 20)
    statements.clear()
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"], "per_page": ["10"]})
    assert (page.total, page.total_is_estimate, len(page.items)) == (40, True, 10)
    (read,) = [s for s in statements if "crm__customer" in s]  # the page's statement alone
    assert "ORDER BY" in read and "count(" in read


def test_a_quick_sample_not_clearly_past_the_limit_is_sampled_again_then_counted(
    runtime, admin, monkeypatch, large_sqlite_table, statements
):
    monkeypatch.setattr(counting, "EXACT_LIMIT", 38)
    monkeypatch.setattr(counting, "QUICK_SAMPLE_ROWS", 4)  # 4 of 4: too few to tell
    statements.clear()
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"], "per_page": ["10"]})
    assert (page.total, page.total_is_estimate) == (40, True)  # the sample: 20 of 20
    assert len([s for s in statements if "count(" in s]) == 2
    monkeypatch.setattr(counting, "EXACT_LIMIT", 50)
    statements.clear()
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"], "per_page": ["10"]})
    assert (page.total, page.total_is_estimate) == (40, False)
    assert len([s for s in statements if "count(" in s]) == 3


def test_a_small_tables_total_is_counted_in_the_statement_of_the_page(
    runtime, admin, statements
):
    _fill(runtime, 7)
    runtime.records.list(admin, "crm.customer", {"level": ["A"]})  # the table's size
    statements.clear()
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"], "per_page": ["5"]})
    assert (page.total, page.total_is_estimate, len(page.items)) == (7, False, 5)
    (counted,) = [s for s in statements if "count(" in s]
    assert "ORDER BY" in counted  # the page's own statement


def test_a_page_past_the_end_still_knows_the_total(runtime, admin):
    _fill(runtime, 7)
    args = {"level": ["A"], "per_page": ["5"], "page": ["3"]}
    page = runtime.records.list(admin, "crm.customer", args)
    assert (page.items, page.total, page.total_is_estimate) == ([], 7, False)
