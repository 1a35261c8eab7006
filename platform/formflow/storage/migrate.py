"""Schema sync: make the database's tables match the metadata, plan first, then apply.

``plan_migration`` says what would change; ``apply_migration`` plans and applies in one
transaction, then publishes the column catalog the next plan compares against.  Data is
never dropped silently: a removed field's column is archived (renamed ``_archived_*``)
unless destructive changes are allowed, a table no entity uses is kept, and a type change
converts every value or refuses with the rows that do not fit.

The planning, the conversion of values, the catalog and the DDL live in
``migrate_plan``, ``migrate_convert``, ``migrate_catalog`` and ``migrate_apply``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from formflow.fields import Registry, builtin_registry
from formflow.storage.database import Database
from formflow.storage.migrate_apply import create_indexes_concurrently, execute_plan
from formflow.storage.migrate_catalog import publish
from formflow.storage.migrate_plan import MigrationRefused, MigrationStep, Plan, make_plan
from formflow.storage.statistics import analyze_tables
from formflow.storage.tables import Schema

__all__ = ["MigrationRefused", "MigrationStep", "apply_migration", "plan_migration", "publish"]


def plan_migration(
    db: Database,
    schema: Schema,
    *,
    allow_destructive: bool = False,
    field_types: Registry | None = None,
) -> list[MigrationStep]:
    """The steps that would bring the database in line with ``schema``; nothing is written.

    Raises MigrationRefused when a change would not keep the data (a value that does not
    convert to a field's new type, or is too long for its new length).  ``field_types``
    defaults to the built-in field types."""
    with db.read() as conn:
        plan = make_plan(
            conn, schema, field_types or builtin_registry(), allow_destructive=allow_destructive
        )
    if plan.problems:
        raise MigrationRefused(plan.problems)
    return plan.steps


def apply_migration(
    db: Database,
    schema: Schema,
    *,
    allow_destructive: bool = False,
    field_types: Registry | None = None,
) -> list[MigrationStep]:
    """Plan, apply and publish in one transaction; returns the steps applied.

    On a refusal nothing is changed.  System tables missing from the database are created
    as part of the plan.  On PostgreSQL the new indexes of existing tables are built once
    the transaction has committed, concurrently (see :mod:`.migrate_apply`)."""
    with _migration_transaction(db) as conn:
        plan = make_plan(
            conn, schema, field_types or builtin_registry(), allow_destructive=allow_destructive
        )
        if plan.problems:
            raise MigrationRefused(plan.problems)
        later = execute_plan(conn, schema, plan)
        analyze_tables(conn, _changed_tables(plan))
        publish(conn, schema)
    create_indexes_concurrently(db.engine, schema, later)
    return plan.steps


def _changed_tables(plan: Plan) -> list[str]:
    """The tables a plan made or changed, as they are named once it ran."""
    names = []
    for step in plan.steps:
        if step.kind in ("keep_table", "drop_table"):
            continue
        name = step.new_name if step.kind == "rename_table" else step.table
        if name not in names:
            names.append(name)
    return names


@contextmanager
def _migration_transaction(db: Database) -> Iterator[Connection]:
    """A write transaction for DDL.  PostgreSQL runs DDL transactionally as it is.

    SQLite does too, but a table rebuild drops the old table, and with foreign keys on
    that deletes (cascades into) its line items.  So on SQLite the foreign keys are
    switched off around the transaction (a pragma that only works outside one), and
    checked as a whole before it commits."""
    if not db.is_sqlite:
        with db.write() as conn:
            yield conn
        return
    with db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            # The option Database.write() sets: begin with BEGIN IMMEDIATE.
            conn.execution_options(formflow_write=True)
            with conn.begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise MigrationRefused(
                        [
                            f"{row[0]}: id {row[1]} refers to a missing {row[2]} row"
                            for row in broken
                        ]
                    )
        finally:
            driver.execute("PRAGMA foreign_keys=ON")
