"""Installing Formflow into a database: system tables, app tables, the admin user."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy.engine import Connection

from formflow.auth import create_user, get_user_by_name, set_password
from formflow.auth.admin_log import CLI
from formflow.process.registry import publish_processes
from formflow.records.recompute import formulas, plan_recompute, recompute
from formflow.runtime import Runtime
from formflow.storage.migrate import MigrationStep, apply_migration, plan_migration
from formflow.storage.migrate_catalog import publish_formulas, read_formulas
from formflow.storage.revision import publish_revision

ADMIN = "admin"


def plan(runtime: Runtime, *, allow_destructive: bool = False) -> list[MigrationStep]:
    """What :func:`migrate` would do: the schema changes, then the recomputes of stored
    computed values whose formulas changed; nothing is written."""
    steps = plan_migration(runtime.db, runtime.schema, allow_destructive=allow_destructive,
                           field_types=runtime.field_types)
    with runtime.db.read() as conn:
        stale = plan_recompute(conn, runtime.internal_records, read_formulas(conn))
    return steps + [_recompute_step(runtime, item) for item in stale]


def migrate(
    runtime: Runtime,
    *,
    allow_destructive: bool = False,
    on_publish: Callable[[Connection], object] | None = None,
) -> list[MigrationStep]:
    """Bring the tables in line with the metadata, recompute the stored values of changed
    formulas, publish changed processes as new versions, then raise the metadata
    revision so every worker loads the new metadata (after the tables it needs exist).
    ``on_publish(conn)`` writes more in the transaction that raises the revision (the
    designer records the version it publishes)."""
    steps = apply_migration(
        runtime.db,
        runtime.schema,
        allow_destructive=allow_destructive,
        field_types=runtime.field_types,
    )
    with runtime.db.write() as conn:
        stale = plan_recompute(conn, runtime.internal_records, read_formulas(conn))
        for item in stale:
            recompute(conn, runtime.internal_records, item)
        publish_formulas(conn, formulas(runtime.model))
        steps += [_recompute_step(runtime, item) for item in stale]
        publish_processes(conn, runtime.model)
        if on_publish is not None:
            on_publish(conn)
        revision = publish_revision(conn, runtime.model)
    runtime.revision = revision  # what it published is what it serves
    return steps


def _recompute_step(runtime: Runtime, item) -> MigrationStep:
    return item.step(runtime.schema[item.entity.qualified_name].main.name)


def install(
    runtime: Runtime, admin_password: str | None = None
) -> tuple[list[MigrationStep], str | None]:
    """Create or update every table, then make sure user ``admin`` exists.

    Returns the migration steps applied and the admin password when one was set now
    (generated when none was given and the admin is new)."""
    steps = migrate(runtime)
    with runtime.db.write() as conn:
        admin = get_user_by_name(conn, ADMIN)
        if admin is None:
            admin_password = admin_password or secrets.token_urlsafe(12)
            create_user(conn, ADMIN, admin_password, display_name="Administrator", roles=["admin"],
                        actor=CLI, policy=runtime.account_policy)
        elif admin_password:
            set_password(conn, admin.id, admin_password, actor=CLI,
                         policy=runtime.account_policy)
        else:
            return steps, None
    return steps, admin_password
