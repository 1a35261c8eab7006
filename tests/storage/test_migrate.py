"""Schema sync (formflow.storage.migrate) on SQLite and, when FORMFLOW_TEST_DATABASE_URL
is set, PostgreSQL.  Models are built directly from the metadata classes."""

from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from types import MappingProxyType

import pytest
import sqlalchemy as sa

import formflow.auth.tables  # noqa: F401  (defines ff_users and ff_departments)
from formflow.fields import builtin_registry
from formflow.fields.columns import utcnow
from formflow.metadata.model import App, Entity, Field, Label, ListView, Model, Option
from formflow.storage import migrate_apply
from formflow.storage.database import Database
from formflow.storage.migrate import (
    MigrationRefused,
    MigrationStep,
    apply_migration,
    plan_migration,
)
from formflow.storage.system import published_apps
from formflow.storage.tables import build_schema

PG_URL = os.environ.get("FORMFLOW_TEST_DATABASE_URL")
FIELD_TYPES = builtin_registry()


# -- building models --------------------------------------------------------------------


def field(name: str, type_: str = "text", **options) -> Field:
    return Field(name=name, type=type_, label=Label.of(name), **options)


def entity(name: str, *fields: Field, app: str = "crm", **options) -> Entity:
    return Entity(app=app, name=name, label=Label.of(name), fields=fields, **options)


def schema_of(*entities: Entity):
    apps: dict[str, dict[str, Entity]] = {}
    for item in entities:
        apps.setdefault(item.app, {})[item.name] = item
    model = Model(
        MappingProxyType(
            {
                name: App(name=name, label=Label.of(name), entities=MappingProxyType(members))
                for name, members in apps.items()
            }
        )
    )
    return build_schema(model, FIELD_TYPES)


def customer(*extra: Field, **options) -> Entity:
    return entity("customer", field("name", unique=True), *extra, **options)


# -- databases --------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path}/migrate.db")
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


def insert(db, schema, qualified: str, *rows: dict) -> list[int]:
    table = schema[qualified].main
    now = utcnow()
    with db.write() as conn:
        return [
            conn.execute(
                table.insert().values(_created_at=now, _updated_at=now, **row)
            ).inserted_primary_key[0]
            for row in rows
        ]


def insert_lines(db, schema, qualified: str, name: str, parent: int, *rows: dict) -> None:
    table = schema[qualified].lines[name]
    with db.write() as conn:
        for index, row in enumerate(rows):
            conn.execute(table.insert().values(_parent_id=parent, _idx=index, **row))


def values(db, schema, qualified: str, column: str, lines: str | None = None) -> dict:
    tables = schema[qualified]
    table = tables.lines[lines] if lines else tables.main
    with db.read() as conn:
        return dict(conn.execute(sa.select(table.c.id, table.c[column]).order_by(table.c.id)).all())


def raw_values(db, table: str, column: str) -> dict:
    with db.read() as conn:
        query = sa.select(sa.column("id"), sa.column(column)).select_from(sa.table(table))
        return dict(conn.execute(query).all())


def columns(db, table: str) -> dict[str, sa.types.TypeEngine]:
    return {c["name"]: c["type"] for c in sa.inspect(db.engine).get_columns(table)}


def indexes(db, table: str) -> set[str]:
    return {ix["name"] for ix in sa.inspect(db.engine).get_indexes(table)}


def kinds(steps: list[MigrationStep]) -> list[tuple]:
    return [(s.kind, s.table, s.column) for s in steps]


def published(db, app: str = "crm"):
    with db.read() as conn:
        return conn.execute(sa.select(published_apps).where(published_apps.c.app == app)).one()


def migrate(db, *entities: Entity, **options):
    """Apply the schema of ``entities``; returns (schema, steps applied)."""
    schema = schema_of(*entities)
    return schema, apply_migration(db, schema, **options)


# -- creating ---------------------------------------------------------------------------


def rich_entities() -> tuple[Entity, ...]:
    """Every built-in field type, links, unique and indexed fields, line items, a list."""
    options = (Option("a", Label.of("A")), Option("bb", Label.of("B")))
    product = entity("product", field("code", unique=True), app="shop")
    order = entity(
        "order",
        field("title", max_length=80, index=True),
        field("notes", "textarea"),
        field("count", "integer"),
        field("weight", "decimal", precision=12, scale=3),
        field("total", "money"),
        field("discount", "percent"),
        field("paid", "boolean"),
        field("due", "date"),
        field("sent_at", "datetime"),
        field("at", "time"),
        field("status", "select", options=options),
        field("tags", "multiselect", options=options),
        field("product", "link", to="shop.product"),
        field("owner", "user"),
        field("department", "department"),
        field("email", "email"),
        field("phone", "phone"),
        field("site", "url"),
        field("attachment", "file"),
        field("photo", "image"),
        field("stars", "rating"),
        field(
            "items",
            "table",
            fields=(
                field("product", "link", to="shop.product"),
                field("qty", "integer"),
                field("price", "money", scale=4),
            ),
        ),
        app="shop",
        numbering="SO-{seq:5}",
        list=ListView(columns=("title",), filters=("status", "due"), sort="-total"),
    )
    return product, order


def test_a_fresh_database_gets_system_and_entity_tables(db):
    schema = schema_of(*rich_entities())
    planned = plan_migration(db, schema)
    created = {s.table for s in planned if s.kind == "create_table"}
    assert {"ff_users", "ff_departments", "ff_published_apps", "ff_audit"} <= created
    assert {"shop__product", "shop__order", "shop__order__items"} <= created
    assert set(kinds(planned)) == {("create_table", t, None) for t in created}

    applied = apply_migration(db, schema)

    assert applied == planned
    tables = set(sa.inspect(db.engine).get_table_names())
    assert created <= tables
    assert {
        "uq_shop__order__number",
        "ix_shop__order_title",
        "ix_shop__order_product",
        "ix_shop__order_status_total_desc_id_desc_alive",
        "ix_shop__order_due_total_desc_id_desc_alive",
        "ix_shop__order_total_desc_id_desc_alive",
    } <= indexes(db, "shop__order")
    assert "ix_shop__order__items__parent_id" in indexes(db, "shop__order__items")


def test_the_plan_is_empty_right_after_apply(db):
    schema = schema_of(*rich_entities())
    apply_migration(db, schema)

    assert plan_migration(db, schema) == []
    assert apply_migration(db, schema_of(*rich_entities())) == []
    assert published(db, "shop").revision == 1


def test_a_column_added_to_a_system_table_is_added_to_an_existing_database(db):
    schema = schema_of(*rich_entities())
    apply_migration(db, schema)
    with db.write() as conn:
        conn.exec_driver_sql("ALTER TABLE ff_users DROP COLUMN session_epoch")
        conn.exec_driver_sql(
            "INSERT INTO ff_users (username, display_name, active, created_at) "
            "VALUES ('old', 'Old', true, '2026-01-01 00:00:00')"
        )

    planned = plan_migration(db, schema)
    assert kinds(planned) == [("add_column", "ff_users", "session_epoch")]
    apply_migration(db, schema)

    assert plan_migration(db, schema) == []
    assert raw_values(db, "ff_users", "session_epoch") == {1: 0}


def test_publish_records_each_column_field_type(db):
    schema, _ = migrate(db, customer(field("limit", "money", precision=20, scale=4)))

    row = published(db)
    tables = row.documents["tables"]
    assert tables["crm__customer"]["limit"] == {
        "type": "money",
        "precision": 20,
        "scale": 4,
        "max_length": None,
        "to": None,
    }
    assert set(tables["crm__customer"]) == {"name", "limit"}
    canonical = json.dumps(row.documents, sort_keys=True, separators=(",", ":"))
    assert row.checksum == hashlib.sha256(canonical.encode()).hexdigest()
    assert row.revision == 1

    migrate(db, customer(field("limit", "money", precision=20, scale=4), field("city")))
    assert published(db).revision == 2


def test_a_failing_step_leaves_the_schema_as_it_was(db, monkeypatch):
    schema, _ = migrate(db, customer())
    insert(db, schema, "crm.customer", {"name": "Acme"})

    def fail(self, step):
        raise RuntimeError("disk full")

    # (not an index: PostgreSQL builds one on an existing table after the transaction)
    monkeypatch.setattr(migrate_apply._Runner, "add_column", fail)
    with pytest.raises(RuntimeError):
        migrate(db, customer(field("city", index=True)), entity("lead", field("name")))

    assert "city" not in columns(db, "crm__customer")
    assert "crm__lead" not in sa.inspect(db.engine).get_table_names()
    assert published(db).revision == 1


# -- adding, renaming, removing fields --------------------------------------------------


def test_a_new_field_is_added_to_a_table_that_holds_rows(db):
    schema, _ = migrate(db, customer())
    ids = insert(db, schema, "crm.customer", {"name": "Acme"}, {"name": "Globex"})

    schema = schema_of(customer(field("limit", "money")))
    assert kinds(plan_migration(db, schema)) == [("add_column", "crm__customer", "limit")]
    assert plan_migration(db, schema)[0].description == (
        "crm__customer: add column limit (money NUMERIC(18,2))"
    )
    apply_migration(db, schema)

    assert values(db, schema, "crm.customer", "name") == {ids[0]: "Acme", ids[1]: "Globex"}
    assert values(db, schema, "crm.customer", "limit") == {ids[0]: None, ids[1]: None}
    insert(db, schema, "crm.customer", {"name": "Initech", "limit": Decimal("12.50")})
    assert Decimal("12.50") in values(db, schema, "crm.customer", "limit").values()


def test_a_new_link_field_references_its_target(db):
    schema, _ = migrate(db, customer(), entity("order", field("title")))
    schema, _ = migrate(
        db,
        customer(),
        entity("order", field("title"), field("customer", "link", to="crm.customer")),
    )

    assert "ix_crm__order_customer" in indexes(db, "crm__order")
    with pytest.raises(sa.exc.IntegrityError):
        insert(db, schema, "crm.order", {"title": "x", "customer": 999})


def test_a_renamed_field_keeps_its_data(db):
    schema, _ = migrate(db, customer(field("phone_no", index=True)))
    ids = insert(db, schema, "crm.customer", {"name": "Acme", "phone_no": "555-1234"})

    schema = schema_of(customer(field("phone", renamed_from="phone_no", index=True)))
    planned = plan_migration(db, schema)
    assert ("rename_column", "crm__customer", "phone_no") in kinds(planned)
    assert not [s for s in planned if s.kind in ("add_column", "archive_column", "drop_column")]
    apply_migration(db, schema)

    assert values(db, schema, "crm.customer", "phone") == {ids[0]: "555-1234"}
    assert "phone_no" not in columns(db, "crm__customer")
    assert "ix_crm__customer_phone" in indexes(db, "crm__customer")
    assert plan_migration(db, schema) == []



def test_a_renamed_field_with_a_new_type_is_renamed_then_converted(db):
    schema, _ = migrate(db, customer(field("ref", unique=True)))
    ids = insert(db, schema, "crm.customer", {"name": "A", "ref": "12"}, {"name": "B", "ref": "x"})

    schema = schema_of(customer(field("code", "integer", renamed_from="ref", unique=True)))
    with pytest.raises(MigrationRefused) as refused:  # a value that does not convert
        apply_migration(db, schema)
    problem = f"crm__customer.code: id {ids[1]}: 'x': Enter a whole number."
    assert refused.value.problems[1] == problem
    assert values(db, schema_of(customer(field("ref"))), "crm.customer", "ref")[ids[1]] == "x"

    with db.write() as conn:
        conn.execute(sa.text("UPDATE crm__customer SET ref = '7' WHERE id = :id"), {"id": ids[1]})
    planned = plan_migration(db, schema)
    columns_changed = [(s.kind, s.change) for s in planned if "index" not in s.kind]
    assert columns_changed == [("rename_column", None), ("alter_column", "convert")]
    apply_migration(db, schema)
    assert values(db, schema, "crm.customer", "code") == {ids[0]: 12, ids[1]: 7}
    assert "uq_crm__customer_code" in indexes(db, "crm__customer")
    assert plan_migration(db, schema) == []


def test_a_renamed_table_field_keeps_its_line_items(db):
    lines = (field("product"), field("qty", "integer"))
    schema, _ = migrate(db, entity("order", field("title"), field("lines", "table", fields=lines)))
    (order,) = insert(db, schema, "crm.order", {"title": "first"})
    insert_lines(db, schema, "crm.order", "lines", order, {"product": "bolt", "qty": 3})

    renamed = field("items", "table", fields=lines, renamed_from="lines")
    schema = schema_of(entity("order", field("title"), renamed))
    assert ("rename_table", "crm__order__lines", None) in kinds(plan_migration(db, schema))
    apply_migration(db, schema)

    assert list(values(db, schema, "crm.order", "qty", lines="items").values()) == [3]
    assert plan_migration(db, schema) == []


def test_a_removed_field_is_archived_with_its_data(db):
    schema, _ = migrate(db, customer(field("email", "email", unique=True)))
    ids = insert(db, schema, "crm.customer", {"name": "Acme", "email": "a@example.com"})

    schema = schema_of(customer())
    planned = plan_migration(db, schema)
    assert ("archive_column", "crm__customer", "email") in kinds(planned)
    assert ("drop_index", "crm__customer", None) in kinds(planned)
    assert not any(s.destructive for s in planned)
    apply_migration(db, schema)

    assert raw_values(db, "crm__customer", "_archived_email") == {ids[0]: "a@example.com"}
    assert values(db, schema, "crm.customer", "name") == {ids[0]: "Acme"}
    assert plan_migration(db, schema) == []

    # The field comes back and goes again: the archive name is taken.
    migrate(db, customer(field("email", "email")))
    migrate(db, customer())
    assert {"_archived_email", "_archived_email_2"} <= set(columns(db, "crm__customer"))


def test_a_removed_field_is_dropped_only_when_destructive_changes_are_allowed(db):
    schema, _ = migrate(db, customer(field("email")))
    insert(db, schema, "crm.customer", {"name": "Acme", "email": "a@example.com"})

    schema = schema_of(customer())
    (step,) = plan_migration(db, schema, allow_destructive=True)
    assert (step.kind, step.column, step.destructive) == ("drop_column", "email", True)
    apply_migration(db, schema, allow_destructive=True)

    assert set(columns(db, "crm__customer")) == {c.name for c in schema["crm.customer"].main.c}
    assert list(values(db, schema, "crm.customer", "name").values()) == ["Acme"]


def test_dropping_a_link_column_keeps_the_line_items_of_its_table(db):
    # On SQLite the column is dropped by rebuilding the table that the line items point at.
    lines = field("items", "table", fields=(field("qty", "integer"),))
    link = field("customer", "link", to="crm.customer")
    schema, _ = migrate(db, customer(), entity("order", link, lines))
    (acme,) = insert(db, schema, "crm.customer", {"name": "Acme"})
    (order,) = insert(db, schema, "crm.order", {"customer": acme})
    insert_lines(db, schema, "crm.order", "items", order, {"qty": 2}, {"qty": 5})

    schema, steps = migrate(db, customer(), entity("order", lines), allow_destructive=True)

    assert ("drop_column", "crm__order", "customer") in kinds(steps)
    assert sorted(values(db, schema, "crm.order", "qty", lines="items").values()) == [2, 5]
    assert plan_migration(db, schema) == []
    with pytest.raises(sa.exc.IntegrityError):  # foreign keys still hold
        insert_lines(db, schema, "crm.order", "items", 999, {"qty": 1})


def test_a_table_no_entity_uses_is_kept(db):
    schema, _ = migrate(db, customer(), entity("lead", field("name")))
    insert(db, schema, "crm.lead", {"name": "maybe"})

    schema = schema_of(customer())
    assert kinds(plan_migration(db, schema)) == [("keep_table", "crm__lead", None)]
    apply_migration(db, schema)

    assert raw_values(db, "crm__lead", "name") == {1: "maybe"}
    assert plan_migration(db, schema) == []


# -- indexes and line items -------------------------------------------------------------


def test_a_new_index_is_added_and_one_no_longer_wanted_is_dropped(db):
    migrate(db, customer(field("city")))

    schema = schema_of(customer(field("city", index=True)))
    (step,) = plan_migration(db, schema)
    assert (step.kind, step.index) == ("add_index", "ix_crm__customer_city")
    apply_migration(db, schema)
    assert "ix_crm__customer_city" in indexes(db, "crm__customer")

    schema = schema_of(customer(field("city")))
    (step,) = plan_migration(db, schema)
    assert (step.kind, step.index, step.destructive) == (
        "drop_index",
        "ix_crm__customer_city",
        False,
    )
    apply_migration(db, schema)
    assert "ix_crm__customer_city" not in indexes(db, "crm__customer")


def test_a_new_list_filter_gets_an_index_with_the_lists_sort(db):
    migrate(db, customer(field("city")))
    schema = schema_of(customer(field("city"), list=ListView(columns=("name",), filters=("city",))))

    assert [s.index for s in plan_migration(db, schema)] == [
        "ix_crm__customer_city__created_at_desc_id_desc_alive"
    ]


def test_a_new_table_field_gets_its_line_item_table(db):
    schema, _ = migrate(db, entity("order", field("title")))
    (order,) = insert(db, schema, "crm.order", {"title": "first"})

    items = field("items", "table", fields=(field("product"), field("price", "money")))
    schema = schema_of(entity("order", field("title"), items))
    assert kinds(plan_migration(db, schema)) == [("create_table", "crm__order__items", None)]
    apply_migration(db, schema)

    insert_lines(db, schema, "crm.order", "items", order, {"product": "bolt", "price": "1.25"})
    assert list(values(db, schema, "crm.order", "price", lines="items").values()) == [
        Decimal("1.25")
    ]


# -- changing types ---------------------------------------------------------------------


def test_widening_text_keeps_its_values(db):
    schema, _ = migrate(db, customer(field("city", max_length=20, index=True)))
    ids = insert(db, schema, "crm.customer", {"name": "Acme", "city": "Springfield"})

    schema = schema_of(customer(field("city", max_length=100, index=True)))
    (step,) = plan_migration(db, schema)
    assert (step.kind, step.column, step.change) == ("alter_column", "city", "widen")
    apply_migration(db, schema)

    assert columns(db, "crm__customer")["city"].length == 100
    assert values(db, schema, "crm.customer", "city") == {ids[0]: "Springfield"}
    assert "ix_crm__customer_city" in indexes(db, "crm__customer")
    assert plan_migration(db, schema) == []


def test_narrowing_text_is_refused_when_a_value_is_longer(db):
    schema, _ = migrate(db, customer(field("city", max_length=50)))
    ids = insert(
        db,
        schema,
        "crm.customer",
        {"name": "A", "city": "Springfield"},
        {"name": "B", "city": "Rome"},
    )

    narrower = schema_of(customer(field("city", max_length=5)))
    with pytest.raises(MigrationRefused) as refused:
        apply_migration(db, narrower)

    assert len(refused.value.problems) == 1
    assert f"id {ids[0]} " in refused.value.problems[0]
    assert columns(db, "crm__customer")["city"].length == 50


def test_narrowing_text_when_every_value_fits(db):
    schema, _ = migrate(db, customer(field("city", max_length=50)))
    insert(db, schema, "crm.customer", {"name": "A", "city": "Rome"})

    schema, steps = migrate(db, customer(field("city", max_length=10)))

    assert [s.change for s in steps] == ["narrow"]
    assert columns(db, "crm__customer")["city"].length == 10
    assert list(values(db, schema, "crm.customer", "city").values()) == ["Rome"]


def test_text_to_integer_converts_every_value(db):
    schema, _ = migrate(db, customer(field("code", index=True)))
    ids = insert(
        db,
        schema,
        "crm.customer",
        {"name": "A", "code": "12"},
        {"name": "B", "code": " 7"},
        {"name": "C"},
    )

    schema = schema_of(customer(field("code", "integer", index=True)))
    (step,) = plan_migration(db, schema)
    assert (step.kind, step.change) == ("alter_column", "convert")
    apply_migration(db, schema)

    assert values(db, schema, "crm.customer", "code") == {ids[0]: 12, ids[1]: 7, ids[2]: None}
    assert "ix_crm__customer_code" in indexes(db, "crm__customer")
    assert plan_migration(db, schema) == []
    assert published(db).documents["tables"]["crm__customer"]["code"]["type"] == "integer"


def test_text_to_integer_is_refused_with_the_rows_that_do_not_convert(db):
    schema, _ = migrate(db, customer(field("code")))
    ids = insert(
        db,
        schema,
        "crm.customer",
        {"name": "A", "code": "12"},
        {"name": "B", "code": "abc"},
        {"name": "C", "code": "4.5"},
    )

    changed = schema_of(customer(field("code", "integer"), field("city")))
    for attempt in (plan_migration, apply_migration):
        with pytest.raises(MigrationRefused) as refused:
            attempt(db, changed)
        problems = refused.value.problems
        assert "2 of 3 values" in problems[0]
        assert [p for p in problems if f"id {ids[1]}: 'abc'" in p]
        assert [p for p in problems if f"id {ids[2]}: '4.5'" in p]
        assert not [p for p in problems if f"id {ids[0]}:" in p]

    assert "city" not in columns(db, "crm__customer")
    assert values(db, schema, "crm.customer", "code") == {
        ids[0]: "12",
        ids[1]: "abc",
        ids[2]: "4.5",
    }
    assert published(db).revision == 1


def test_a_decimal_scale_change_converts_values_exactly(db):
    schema, _ = migrate(db, customer(field("limit", "money")))
    amounts = [Decimal("12.34"), Decimal("-0.05"), Decimal("99999999999999.99")]
    ids = insert(db, schema, "crm.customer", *({"name": str(a), "limit": a} for a in amounts))

    schema, steps = migrate(db, customer(field("limit", "money", precision=18, scale=4)))

    assert [s.change for s in steps] == ["convert"]
    assert values(db, schema, "crm.customer", "limit") == {
        ids[0]: Decimal("12.3400"),
        ids[1]: Decimal("-0.0500"),
        ids[2]: Decimal("99999999999999.9900"),
    }
    if db.is_sqlite:  # stored as a count of 10**-4 units
        assert raw_values(db, "crm__customer", "limit")[ids[0]] == 123400
    assert plan_migration(db, schema) == []


def test_a_decimal_too_large_for_sqlite_storage_is_refused_there(db):
    schema, _ = migrate(db, customer(field("limit", "money")))
    ids = insert(db, schema, "crm.customer", {"name": "A", "limit": Decimal("9999999999999999.99")})
    wider = customer(field("limit", "money", precision=22, scale=4))

    if db.is_sqlite:  # 10**-4 units of this value overflow SQLite's 64-bit integers
        with pytest.raises(MigrationRefused) as refused:
            migrate(db, wider)
        assert [p for p in refused.value.problems if f"id {ids[0]}: '9999999999999999.99'" in p]
    else:
        schema, _ = migrate(db, wider)
        assert values(db, schema, "crm.customer", "limit") == {
            ids[0]: Decimal("9999999999999999.9900")
        }


def test_a_smaller_decimal_scale_is_refused_when_a_value_has_more_decimals(db):
    schema, _ = migrate(db, customer(field("rate", "decimal", scale=4)))
    ids = insert(
        db,
        schema,
        "crm.customer",
        {"name": "A", "rate": Decimal("1.5")},
        {"name": "B", "rate": Decimal("1.2345")},
    )

    with pytest.raises(MigrationRefused) as refused:
        migrate(db, customer(field("rate", "decimal", scale=2)))

    assert [p for p in refused.value.problems if f"id {ids[1]}: '1.2345'" in p]
    assert values(db, schema, "crm.customer", "rate")[ids[1]] == Decimal("1.2345")


def test_integer_to_text_converts_every_value(db):
    schema, _ = migrate(db, customer(field("code", "integer")))
    ids = insert(db, schema, "crm.customer", {"name": "A", "code": 42})

    schema, _ = migrate(db, customer(field("code")))

    assert values(db, schema, "crm.customer", "code") == {ids[0]: "42"}


def test_converting_a_unique_field_keeps_it_unique(db):
    schema, _ = migrate(db, customer(field("code", unique=True)))
    insert(db, schema, "crm.customer", {"name": "A", "code": "1"})

    schema, _ = migrate(db, customer(field("code", "integer", unique=True)))

    assert "uq_crm__customer_code" in indexes(db, "crm__customer")
    with pytest.raises(sa.exc.IntegrityError):
        insert(db, schema, "crm.customer", {"name": "B", "code": 1})


def test_a_link_with_values_is_not_converted(db):
    schema, _ = migrate(
        db, customer(), entity("order", field("customer", "link", to="crm.customer"))
    )
    (acme,) = insert(db, schema, "crm.customer", {"name": "Acme"})
    insert(db, schema, "crm.order", {"customer": acme})

    with pytest.raises(MigrationRefused) as refused:
        migrate(db, customer(), entity("order", field("customer", "integer")))

    assert "reference" in refused.value.problems[-1]


def test_a_link_without_values_follows_its_new_target(db):
    link = field("customer", "link", to="crm.customer")
    schema, _ = migrate(db, customer(), entity("lead", field("name")), entity("order", link))
    insert(db, schema, "crm.order", {})

    moved = field("customer", "link", to="crm.lead")
    schema, steps = migrate(db, customer(), entity("lead", field("name")), entity("order", moved))

    assert [s.change for s in steps] == ["convert"]
    (foreign_key,) = [
        fk
        for fk in sa.inspect(db.engine).get_foreign_keys("crm__order")
        if fk["constrained_columns"] == ["customer"]
    ]
    assert foreign_key["referred_table"] == "crm__lead"
    assert plan_migration(db, schema) == []


def test_a_refusal_lists_the_first_twenty_rows(db):
    schema, _ = migrate(db, customer(field("code")))
    insert(db, schema, "crm.customer", *({"name": str(n), "code": f"x{n}"} for n in range(25)))

    with pytest.raises(MigrationRefused) as refused:
        plan_migration(db, schema_of(customer(field("code", "integer"))))

    problems = refused.value.problems
    assert problems[0].startswith("crm__customer.code: 25 of 25 values cannot be converted")
    assert len(problems) == 1 + 20 + 1
    assert problems[-1] == "crm__customer.code: ... and 5 more"
