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
    server = sa.create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    server.dispose()
    return normalize_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = sa.make_url(url).database
    server = sa.create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.dispose()


def install_app(settings: dict, admin_password: str | None = ADMIN_PASSWORD) -> Flask:
    """A new app on ``settings`` with its apps installed and user admin created (with
    ``admin_password``; None leaves an existing admin's password, and tokens, alone)."""
    app = create_app(settings)
    install(app.extensions["formflow"], admin_password)
    return app
