"""Helpers shared by the records, API and field tests.

- ``LAB``: the scenario app in ``tests/metadata/records`` (one field of every type,
  line items with computed columns, conditions, numbering, roles with every scope).
- ``module_app``: an app on a database of its own for a whole test module, for
  matrices of read-mostly checks that would be slow with a fresh database per case.
- ``row_count``: how many rows a table holds.
- ``database_state``: every row a record operation may write, to prove that a
  refused request wrote nothing.
- ``counting_queries``: the SQL statements run inside a block.
- ``revoke_tokens``: revoke a user's API tokens, as another worker would.
- ``problem``: assert a response is an ``application/problem+json`` error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from formflow import create_app
from formflow.auth import (
    User,
    create_department,
    create_token,
    create_user,
    get_user_by_name,
    list_tokens,
    revoke_token,
)
from formflow.install import install
from formflow.storage.system import audit, metadata_revision, sequences
from support import ADMIN_PASSWORD, PG_URL
from support.api_client import ApiClient
from support.databases import create_postgres_database, drop_postgres_database

LAB = Path(__file__).resolve().parents[1] / "metadata" / "records"
SAMPLE = "lab.sample"
PARTNER = "lab.partner"
SAMPLES = "lab/sample"
PARTNERS = "lab/partner"
CHEAP_HASHING = "scrypt:1024:8:1"


@contextmanager
def module_app(directory: Path, metadata_path=(LAB,), **config) -> Iterator[Flask]:
    """An installed app on a fresh database (SQLite in ``directory``, or PostgreSQL when
    ``FORMFLOW_TEST_DATABASE_URL`` is set), dropped afterwards."""
    url = create_postgres_database() if PG_URL else f"sqlite:///{directory / 'formflow.db'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "METADATA_PATH": [str(p) for p in metadata_path],
            "PLUGINS_PATH": [str(directory / "no-plugins")],
            "INSTANCE_PATH": str(directory / "instance"),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            **config,
        }
    )
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("formflow.auth.passwords.METHOD", CHEAP_HASHING)
            install(app.extensions["formflow"], ADMIN_PASSWORD)
        yield app
    finally:
        app.extensions["formflow"].db.dispose()
        if PG_URL:
            drop_postgres_database(url)


def add_user(app: Flask, username: str, *, roles=(), department=None) -> tuple[User, ApiClient]:
    """A user without a password (no hashing) and an API client holding a token of theirs."""
    runtime = app.extensions["formflow"]
    with runtime.db.write() as conn:
        user = create_user(
            conn,
            username,
            None,
            roles=roles,
            department=department,
            known_roles=runtime.model.roles,
        )
        _, token = create_token(conn, user.id, "test")
    return user, ApiClient(app.test_client(), token)


def add_departments(runtime) -> None:
    """HQ with SALES below it, and OTHER beside them."""
    with runtime.db.write() as conn:
        create_department(conn, "HQ", "Head office")
        create_department(conn, "SALES", "Sales", parent="HQ")
        create_department(conn, "OTHER", "Other")


def every_type_sample(partner_id: int) -> dict:
    """A ``lab.sample`` with a value in every field but ``approval_note``, owned by the
    user ``reader`` in department ``HQ`` (see :func:`add_departments`)."""
    return {
        "name": "Every type",
        "code": "OAS01",
        "description": "long\ntext",
        "quantity": 3,
        "price": "9.99",
        "budget": "100",
        "discount": "5",
        "active": True,
        "due": "2026-04-01",
        "starts_at": "2026-04-01T09:00:00+08:00",
        "opens": "09:15",
        "kind": "special",
        "special_reason": "Testing",
        "tags": ["green"],
        "partner": partner_id,
        "owner": "reader",
        "team": "HQ",
        "email": "a@example.com",
        "phone": "+86 10 1111",
        "website": "https://example.com",
        "attachment": "files/x.pdf",
        "photo": "img/x.png",
        "score": 4,
        "frozen": False,
        "memo": "m",
        "secret": "s",
        "rate": "1.5",
        "lines": [{"item": "Bolt", "qty": 2, "unit_price": "1.10"}],
    }


def row_count(runtime, table: sa.Table | str) -> int:
    """How many rows ``table`` (a table, or a table's name) holds."""
    table = sa.table(table) if isinstance(table, str) else table
    with runtime.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def database_state(runtime, *more: sa.Table) -> dict[str, list[tuple]]:
    """Every row of the entity and line-item tables, the audit trail, the sequences and
    the tables ``more`` (``PROCESS_TABLES`` for what a process action writes)."""
    tables = [audit, sequences, *more]
    for entity_tables in runtime.schema.entities.values():
        tables += [entity_tables.main, *entity_tables.lines.values()]
    with runtime.db.read() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            for table in tables
        }


@contextmanager
def counting_queries(connectable, *, with_parameters: bool = False) -> Iterator[list]:
    """The SQL statements ``connectable`` (an engine or a connection) runs while inside
    (with ``with_parameters``, ``(statement, parameters)`` pairs), less the look for newly
    published metadata and its transaction: it runs on a timer (at most once a second
    per worker), not per request, and would make counts depend on the clock."""
    statements: list = []

    def count(_conn, _cursor, statement, parameters, *_args):
        if metadata_revision.name not in statement:
            statements.append((statement, parameters) if with_parameters else statement)
        elif statements and _text(statements[-1]) == "BEGIN":
            statements.pop()  # the check's own transaction (SQLite begins it explicitly)

    sa.event.listen(connectable, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(connectable, "before_cursor_execute", count)


def _text(entry) -> str:
    return entry if isinstance(entry, str) else entry[0]


def revoke_tokens(runtime, user: User) -> None:
    """Revoke every API token of ``user`` in a transaction of its own, as another worker
    would: a worker that remembers one learns it only from the database."""
    with runtime.db.write() as conn:
        for token in list_tokens(conn, user.id):
            revoke_token(conn, token.id)


def problem(response, status: int) -> dict:
    """The body of a problem response with ``status``, after checking its shape."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"] and isinstance(body["detail"], str) and body["detail"]
    return body


def user(runtime, name):
    """The user named ``name``, read from the database."""
    with runtime.db.read() as conn:
        return get_user_by_name(conn, name)
