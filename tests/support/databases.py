"""Databases of the tests: a PostgreSQL database made and dropped per test (or module),
and an app installed on a database with its admin."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Flask

from formflow import create_app
from formflow.install import install
from formflow.storage.database import normalize_url
from support import ADMIN_PASSWORD, PG_URL


def create_postgres_database() -> str:
    name = f"ff_test_{uuid.uuid4().hex[:12]}"
    create_database(name)
    return normalize_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def create_database(name: str, template: str | None = None) -> None:
    """Create database ``name`` (a copy of ``template``) whose commits do not wait for the
    disk: a test needs them visible, not surviving a crash of the server."""
    copy = f' TEMPLATE "{template}"' if template else ""
    _server_execute(
        f'CREATE DATABASE "{name}"{copy}', f'ALTER DATABASE "{name}" SET synchronous_commit = off'
    )


#: Databases no test uses any more, waiting to be dropped together.  Every DROP DATABASE
#: forces a checkpoint that writes and syncs each dirty page on the server, those of the
#: other test processes' fresh copies included, while the pages of a database dropped
#: before any checkpoint are never written at all: dropping a batch at a time spares the
#: disk most of the suite's writes.
RETIRED: list[str] = []
RETIRE_BATCH = 16


def drop_postgres_database(url: str) -> None:
    """Drop the test database ``url`` with the next batch (or at the end of the run)."""
    _retire(sa.make_url(url).database)


def retire_postgres_database(url: str) -> None:
    """Free the name of the unused database ``url`` now and drop it with the next batch:
    renamed, or dropped at once while something is still connected to it."""
    name = sa.make_url(url).database
    retired = f"{name}_retired"
    try:
        _server_execute(f'ALTER DATABASE "{name}" RENAME TO "{retired}"')
    except sa.exc.DBAPIError:
        _server_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    _retire(retired)


def drop_retired_databases() -> None:
    if RETIRED:
        _server_execute(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in RETIRED))
        RETIRED.clear()


def _retire(name: str) -> None:
    RETIRED.append(name)
    if len(RETIRED) >= RETIRE_BATCH:
        drop_retired_databases()


def _server_execute(*statements: str) -> None:
    server = sa.create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        server.dispose()


def install_app(settings: dict, admin_password: str | None = ADMIN_PASSWORD) -> Flask:
    """A new app on ``settings`` with its apps installed and user admin created (with
    ``admin_password``; None leaves an existing admin's password, and tokens, alone)."""
    app = create_app(settings)
    install(app.extensions["formflow"], admin_password)
    return app
