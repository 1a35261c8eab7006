"""``formflow migrate`` on PostgreSQL builds a new index of an existing table with
``CREATE INDEX CONCURRENTLY``, after the migration's transaction (writers go on meanwhile),
and ``migrate --plan`` says so."""

from __future__ import annotations

import os
from types import MappingProxyType

import pytest
import sqlalchemy as sa

import formflow.auth.tables  # noqa: F401  (defines ff_users and ff_departments)
from formflow.fields import builtin_registry
from formflow.metadata.model import App, Entity, Field, Label, Model
from formflow.storage import migrate_apply
from formflow.storage.database import Database
from formflow.storage.migrate import apply_migration, plan_migration
from formflow.storage.tables import build_schema
from support.helpers import counting_queries

pytestmark = pytest.mark.skipif(
    not os.environ.get("FORMFLOW_TEST_DATABASE_URL"), reason="PostgreSQL only"
)
INDEX = "ix_crm__customer_city"


def schema_with(city_indexed: bool):
    fields = (
        Field(name="name", type="text", label=Label.of("name")),
        Field(name="city", type="text", label=Label.of("city"), index=city_indexed),
    )
    customer = Entity(app="crm", name="customer", label=Label.of("customer"), fields=fields)
    app = App(name="crm", label=Label.of("crm"), entities=MappingProxyType({"customer": customer}))
    return build_schema(Model(MappingProxyType({"crm": app})), builtin_registry())


@pytest.fixture
def db(module_postgres_url):
    database = Database(module_postgres_url)
    try:
        yield database
    finally:
        with database.write() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        database.dispose()


def index_state(db) -> tuple | None:
    with db.read() as conn:
        return conn.execute(
            sa.text(
                "SELECT i.indisvalid, i.indisready FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = :name"
            ),
            {"name": INDEX},
        ).first()


def test_a_new_index_of_an_existing_table_is_built_concurrently(db):
    apply_migration(db, schema_with(False))
    schema = schema_with(True)
    (step,) = plan_migration(db, schema)
    assert step.description == (f"crm__customer: add index {INDEX} (city), built concurrently")
    with counting_queries(db.engine) as statements:
        apply_migration(db, schema)
    (create,) = [s for s in statements if s.startswith("CREATE INDEX")]
    # built, so outside the migration's transaction: CONCURRENTLY refuses to run in one
    assert create.startswith(f"CREATE INDEX CONCURRENTLY {INDEX} ")
    assert tuple(index_state(db)) == (True, True)
    assert plan_migration(db, schema) == []


def test_a_new_table_gets_its_indexes_in_the_migrations_transaction(db):
    with counting_queries(db.engine) as statements:
        apply_migration(db, schema_with(True))
    assert not [s for s in statements if "CONCURRENTLY" in s]
    assert tuple(index_state(db)) == (True, True)


def test_an_index_that_fails_to_build_is_not_left_behind_invalid(db, monkeypatch):
    apply_migration(db, schema_with(False))
    with db.write() as conn:  # two equal names: a unique index cannot be built
        conn.exec_driver_sql(
            "INSERT INTO crm__customer (name, city, _version, _created_at, "
            "_updated_at) VALUES ('a', 'x', 1, now(), now()), "
            "('b', 'x', 1, now(), now())"
        )
    original = migrate_apply._Runner._create_index

    def unique(self, table, name, **options):
        next(ix for ix in table.indexes if ix.name == name).unique = True
        return original(self, table, name, **options)

    monkeypatch.setattr(migrate_apply._Runner, "_create_index", unique)
    with pytest.raises(sa.exc.IntegrityError):
        apply_migration(db, schema_with(True))
    assert index_state(db) is None  # dropped again: the next migrate builds it
