"""Indexes from metadata (list filters + sort, declared composites) and fresh statistics."""

from __future__ import annotations

import copy
import json
import time
from types import MappingProxyType

import pytest
import sqlalchemy as sa

import formflow.auth.tables  # noqa: F401  (defines ff_users and ff_departments)
from formflow.fields import builtin_registry
from formflow.fields.columns import utcnow
from formflow.metadata.loader import collect_problems
from formflow.metadata.model import App, Entity, Field, Label, ListView, Model, Option
from formflow.records.query import order_by
from formflow.storage.database import Database
from formflow.storage.migrate import apply_migration, plan_migration
from formflow.storage.statistics import SQLITE_ANALYSIS_LIMIT, refresh_statistics
from formflow.storage.tables import build_schema
from support.helpers import counting_queries

LEVELS = (Option("A", Label.of("A")), Option("B", Label.of("B")))


def customer(**options) -> Entity:
    fields = (
        Field(name="name", type="text", label=Label.of("name")),
        Field(name="level", type="select", label=Label.of("level"), options=LEVELS),
        Field(name="amount", type="money", label=Label.of("amount")),
    )
    return Entity(app="crm", name="customer", label=Label.of("customer"), fields=fields, **options)


def schema_of(entity: Entity):
    app = App(name="crm", label=Label.of("crm"), entities=MappingProxyType({entity.name: entity}))
    return build_schema(Model(MappingProxyType({"crm": app})), builtin_registry())


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path}/indexes.db")
        yield database
        database.dispose()
        return
    database = Database(request.getfixturevalue("module_postgres_url"))
    try:
        yield database
    finally:
        with database.write() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        database.dispose()


def indexes(db, table: str) -> dict[str, list[str]]:
    return {ix["name"]: ix["column_names"] for ix in sa.inspect(db.engine).get_indexes(table)}


def fill(db, schema, rows: int) -> None:
    table = schema["crm.customer"].main
    now = utcnow()
    with db.write() as conn:
        conn.execute(
            table.insert(),
            [
                {"name": f"c{i}", "level": "AB"[i % 2], "amount": i, "_created_at": now,
                 "_updated_at": now}
                for i in range(rows)
            ],
        )


LISTED = dict(list=ListView(columns=("name",), filters=("level",), sort="-amount"))


def test_a_list_filter_and_the_sort_get_composite_indexes_not_single_column_ones(db):
    schema = schema_of(customer(**LISTED))
    apply_migration(db, schema)

    found = indexes(db, "crm__customer")
    assert found["ix_crm__customer_level_amount_desc_id_desc_alive"] == [
        "level", "amount", "id", "_deleted_at"]
    assert found["ix_crm__customer_amount_desc_id_desc_alive"] == ["amount", "id", "_deleted_at"]
    assert "ix_crm__customer_level" not in found and "ix_crm__customer_amount" not in found
    assert plan_migration(db, schema) == []


def test_declared_indexes_are_made_and_a_changed_direction_replaces_the_index(db):
    apply_migration(db, schema_of(customer(indexes=(("level", "-amount"),))))
    assert "ix_crm__customer_level_amount_desc_id_desc_alive" in indexes(db, "crm__customer")

    changed = schema_of(customer(indexes=(("level", "amount"),)))
    planned = [(step.kind, step.index) for step in plan_migration(db, changed)]
    assert planned == [
        ("drop_index", "ix_crm__customer_level_amount_desc_id_desc_alive"),
        ("add_index", "ix_crm__customer_level_amount_id_alive"),
    ]
    apply_migration(db, changed)
    assert "ix_crm__customer_level_amount_id_alive" in indexes(db, "crm__customer")


def test_postgresql_indexes_a_descending_nullable_key_as_the_list_sorts_it(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the direction of an index key is PostgreSQL's")
    apply_migration(db, schema_of(customer(**LISTED)))
    with db.read() as conn:
        definition = conn.execute(
            sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
            {"name": "ix_crm__customer_level_amount_desc_id_desc_alive"},
        ).scalar_one()
    assert "amount DESC NULLS LAST, id DESC" in definition


def sqlite_plan(db, page: sa.Select) -> str:
    compiled = page.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.read() as conn:
        return " | ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))


def listed_customers_on_sqlite(db, rows: int):
    """The schema of listed customers, migrated and filled with ``rows`` customers, for a
    test that reads SQLite's query plan (skipped on PostgreSQL)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    schema = schema_of(customer(**LISTED))
    apply_migration(db, schema)
    fill(db, schema, rows)
    return schema


def test_a_filtered_sorted_page_reads_the_composite_index_in_order(db):
    schema = listed_customers_on_sqlite(db, 3000)
    with db.write() as conn:
        assert refresh_statistics(conn) == ["*"]
    table = schema["crm.customer"].main

    class Query:
        sort = (("amount", True),)

    page = (
        sa.select(table.c.id).where(table.c.level == "A", table.c._deleted_at.is_(None))
        .order_by(*order_by(table, Query)).limit(25).offset(25)
    )
    plan = sqlite_plan(db, page)
    assert "ix_crm__customer_level_amount_desc_id_desc_alive" in plan
    assert "TEMP B-TREE" not in plan


def newest_of_level_a(schema) -> sa.Select:
    """The second page of the customers of level A, newest first."""
    table = schema["crm.customer"].main

    class Query:
        sort = (("_created_at", True),)

    return (
        sa.select(table.c.id)
        .where(table.c.level == "A", table.c._deleted_at.is_(None))
        .order_by(*order_by(table, Query))
        .limit(25)
        .offset(25)
    )


def test_a_page_filtered_on_a_column_of_few_values_walks_the_sort_index(db):
    """The analysis limit caps what SQLite learns of a column of two values (about a
    thousand rows each, not half the table): the statistics must not make the planner
    fetch half the table through the filter's index and sort it."""
    schema = listed_customers_on_sqlite(db, 8000)
    with db.write() as conn:
        refresh_statistics(conn)
    plan = sqlite_plan(db, newest_of_level_a(schema))
    assert "ix_crm__customer__created_at" in plan
    assert "TEMP B-TREE" not in plan


def test_a_connection_opened_before_a_refresh_plans_with_the_refreshed_statistics(db, tmp_path):
    """A worker's pooled connection loaded the statistics when it opened; after another
    process refreshes them, its next page walks the sort index instead of sorting."""
    schema = listed_customers_on_sqlite(db, 8000)
    with db.write() as conn:  # the statistics the analysis limit caps, as before the uncapping
        conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
    page = newest_of_level_a(schema)
    worker = Database(f"sqlite:///{tmp_path}/indexes.db", pool_size=1, max_overflow=0)
    try:
        with worker.read() as conn:
            conn.execute(page).all()
        # (another page: the driver keeps an EXPLAIN it prepared, planned once and for all)
        assert "TEMP B-TREE" in sqlite_plan(worker, page.offset(0))

        with db.write() as conn:
            refresh_statistics(conn)

        with worker.read() as conn:
            conn.execute(page).all()  # EXPLAIN alone does not look at the schema's version
        plan = sqlite_plan(worker, page)
    finally:
        worker.dispose()
    assert "ix_crm__customer__created_at" in plan
    assert "TEMP B-TREE" not in plan
    with db.write() as conn:  # unchanged statistics: nothing for the others to reload
        version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
        refresh_statistics(conn)
        assert conn.exec_driver_sql("PRAGMA schema_version").scalar() == version


def test_a_migration_leaves_statistics_for_the_tables_it_changed(db):
    apply_migration(db, schema_of(customer()))
    schema = schema_of(customer(**LISTED))
    fill(db, schema, 600)

    apply_migration(db, schema)

    with db.read() as conn:
        if db.engine.dialect.name == "sqlite":
            analyzed = conn.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1").scalars().all()
        else:
            analyzed = conn.execute(sa.text(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
            )).scalars().all()
    assert "crm__customer" in analyzed


def test_refresh_analyzes_only_tables_that_changed_enough_on_postgresql(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite analyzes everything, with a bounded cost per index")
    schema = schema_of(customer())
    apply_migration(db, schema)
    with db.write() as conn:
        refresh_statistics(conn)
    fill(db, schema, 800)
    analyzed = []
    for _ in range(50):  # a backend reports its changes to the statistics within a second
        with db.write() as conn:
            analyzed = refresh_statistics(conn)
        if analyzed:
            break
        time.sleep(0.1)
    assert analyzed == ["crm__customer"]
    with db.write() as conn:
        assert refresh_statistics(conn) == []


# -- the checker -----------------------------------------------------------------------------

APP = {
    "app.json": {"name": "sales", "roles": [{"name": "seller"}], "menu": ["order"]},
    "entities/order.json": {
        "name": "order",
        "fields": [
            {"name": "status", "type": "select", "options": ["open", "closed"]},
            {"name": "total", "type": "money"},
            {"name": "lines", "type": "table", "fields": [{"name": "qty", "type": "integer"}]},
        ],
    },
}


def problems_with(tmp_path, indexes_value) -> list[str]:
    documents = copy.deepcopy(APP)
    documents["entities/order.json"]["indexes"] = indexes_value
    folder = tmp_path / "sales"
    for relative, document in documents.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document), encoding="utf-8")
    return [f"{p.path}: {p.message}" for p in collect_problems([tmp_path])]


def test_the_checker_accepts_declared_indexes_of_fields_and_system_columns(tmp_path):
    assert problems_with(tmp_path, [["status", "-total"], ["_state", "-_created_at"]]) == []


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ([["statsu"]], "indexes/0/0: unknown field 'statsu'"),
        ([["status", "lines"]], "indexes/0/1: table field 'lines' cannot be indexed"),
        ([["total", "-total"]], "indexes/0/1: 'total' is already in this index"),
        ([[]], "indexes"),
        ([["Total"]], "indexes"),
    ],
)
def test_the_checker_refuses_a_bad_index(tmp_path, declared, expected):
    found = problems_with(tmp_path, declared)
    assert any(expected in problem for problem in found), found


# -- partial list indexes: the records not deleted ------------------------------------------

PARTIAL = "ix_crm__customer_level_amount_desc_id_desc_alive"
#: What earlier versions made instead: the same columns, every row.
FULL = "ix_crm__customer_level_amount_desc_id_desc"


def index_condition(db, name: str) -> str | None:
    """The WHERE of the index ``name`` as the database keeps it (None: a full index)."""
    with db.read() as conn:
        if db.engine.dialect.name == "sqlite":
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_schema WHERE name = ?", (name,)).scalar_one()
        else:
            sql = conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                               {"n": name}).scalar_one()
    _, where, condition = sql.rpartition(" WHERE ")
    return condition if where else None


def as_earlier_versions_made_it(db) -> None:
    """The list's index of every row, as before the partial indexes."""
    with db.write() as conn:
        conn.exec_driver_sql(f"DROP INDEX {PARTIAL}")
        conn.exec_driver_sql(f"CREATE INDEX {FULL} ON crm__customer (level, amount, id)")


def test_the_composite_list_indexes_hold_the_records_not_deleted(db):
    apply_migration(db, schema_of(customer(**LISTED, indexes=(("name", "level"),))))

    for name in (PARTIAL, "ix_crm__customer_amount_desc_id_desc_alive",
                 "ix_crm__customer_name_level_id_alive"):
        assert index_condition(db, name).strip("()") == "_deleted_at IS NULL", name
    assert index_condition(db, "ix_crm__customer__created_at") is None  # a look-up's


def test_a_migration_replaces_a_full_list_index_by_the_partial_one_and_says_so(db):
    schema = schema_of(customer(**LISTED))
    apply_migration(db, schema)
    as_earlier_versions_made_it(db)

    steps = plan_migration(db, schema)

    postgresql = db.engine.dialect.name == "postgresql"
    assert [(step.kind, step.index) for step in steps] == [
        ("drop_index", FULL), ("add_index", PARTIAL)]
    assert steps[0].description == (
        f"crm__customer: drop index {FULL}, replaced by {PARTIAL}"
        + (" once that is built" if postgresql else ""))
    assert steps[1].description == (
        f"crm__customer: add index {PARTIAL} "
        "(level, amount, id, _deleted_at; records not deleted only)"
        + (", built concurrently" if postgresql else ""))
    apply_migration(db, schema)
    assert FULL not in indexes(db, "crm__customer")
    assert index_condition(db, PARTIAL).strip("()") == "_deleted_at IS NULL"
    assert plan_migration(db, schema) == []


def test_postgresql_drops_the_replaced_index_once_the_new_one_is_built(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite builds indexes in the migration's transaction")
    schema = schema_of(customer(**LISTED))
    apply_migration(db, schema)
    as_earlier_versions_made_it(db)

    with counting_queries(db.engine) as statements:
        apply_migration(db, schema)

    index_statements = [s.split(" ON ")[0] for s in statements
                        if s.startswith(("CREATE INDEX", "DROP INDEX"))]
    assert index_statements == [f"CREATE INDEX CONCURRENTLY {PARTIAL}",
                                f"DROP INDEX CONCURRENTLY IF EXISTS {FULL}"]


def postgresql_plan(db, query: sa.Select) -> str:
    """The plan PostgreSQL makes when it may not read the whole table instead of an index
    (with a few thousand rows it would): whether the index can serve the query."""
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return " | ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))


def test_the_list_page_and_its_count_read_the_partial_index(db):
    schema = schema_of(customer(**LISTED))
    apply_migration(db, schema)
    fill(db, schema, 3000)
    with db.write() as conn:
        conn.exec_driver_sql("ANALYZE crm__customer")
    table = schema["crm.customer"].main
    alive = (table.c.level == "A", table.c._deleted_at.is_(None))

    class Query:
        sort = (("amount", True),)

    page = sa.select(table.c.id).where(*alive).order_by(*order_by(table, Query)).limit(25)
    count = sa.select(sa.func.count()).select_from(
        sa.select(sa.literal(1)).select_from(table).where(*alive).limit(10_001).subquery())

    if db.engine.dialect.name == "sqlite":
        assert f"USING COVERING INDEX {PARTIAL}" in sqlite_plan(db, count)
        assert f"INDEX {PARTIAL}" in sqlite_plan(db, page)
    else:
        for query in (count, page):  # both conditions answered by the index: no Filter
            plan = postgresql_plan(db, query)
            assert PARTIAL in plan and "Filter" not in plan, plan
