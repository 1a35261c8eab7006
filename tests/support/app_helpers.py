"""Helpers shared by the shipped-app scenario tests (``test_app_*.py``).

- ``shipped_template``: for a module-scoped fixture, on PostgreSQL the name of a database
  with every shipped app and plugin installed (each test then works on a copy, through
  ``process_helpers.database_copy``); None on SQLite.
- ``company``: a small company: departments with heads, and people in every role the
  shipped apps declare, each with a manager.  Nobody has a password (the tests act
  through the services and API tokens).
- ``Act``: take process actions through the REST API and assert the outcome.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from formflow import create_app
from formflow.auth import create_department, get_department_by_code
from formflow.auth.departments import set_head
from formflow.install import install
from formflow.storage.database import normalize_url
from support import ADMIN_PASSWORD, PG_URL, ROOT, SHIPPED_APPS
from support.databases import drop_postgres_database
from support.helpers import CHEAP_HASHING

SHIPPED_PLUGINS = ROOT / "plugins"


def shipped_config(directory) -> dict:
    return {
        "METADATA_PATH": [str(SHIPPED_APPS)],
        "PLUGINS_PATH": [str(SHIPPED_PLUGINS)],
        "INSTANCE_PATH": str(directory / "instance"),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
    }


def shipped_template(directory) -> Iterator[str | None]:
    if not PG_URL:
        yield None
        return
    name = f"ff_template_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    server.dispose()
    url = normalize_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        app = create_app({"DATABASE_URL": url, **shipped_config(directory)})
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("formflow.auth.passwords.METHOD", CHEAP_HASHING)
            install(app.extensions["formflow"], ADMIN_PASSWORD)
        app.extensions["formflow"].db.dispose()  # a template must have no connections
        yield name
    finally:
        drop_postgres_database(url)


#: name: (department, manager, roles)
PEOPLE = {
    "boss": ("HQ", None, ["general_manager", "director", "sales_director"]),
    "sam": ("SALES", "boss", ["sales_manager"]),
    "rita": ("SALES", "sam", ["sales_rep"]),
    "ray": ("SALES", "sam", ["sales_rep"]),
    "pia": ("PUR", "boss", ["purchase_manager"]),
    "pete": ("PUR", "pia", ["purchaser"]),
    "walt": ("WH", "boss", ["warehouse_manager"]),
    "kim": ("WH", "walt", ["warehouse_keeper"]),
    "hana": ("HR", "boss", ["hr_manager"]),
    "hugo": ("HR", "hana", ["hr_specialist"]),
    "fay": ("FIN", "boss", ["finance"]),
    "fred": ("FIN", "fay", ["finance"]),
    "ada": ("ADMIN", "boss", ["admin_staff"]),
    "ivan": ("IT", "boss", ["it_support"]),
    "lea": ("HQ", "boss", ["legal"]),
    "dev": ("RD", "dora", []),
    "dora": ("RD", "boss", []),
}
HEADS = {
    "HQ": "boss",
    "SALES": "sam",
    "PUR": "pia",
    "WH": "walt",
    "HR": "hana",
    "FIN": "fay",
    "ADMIN": "ada",
    "IT": "ivan",
    "RD": "dora",
}


def company(runtime, make_user) -> SimpleNamespace:
    make_user = functools.partial(make_user, password=None)
    with runtime.db.write() as conn:
        for code in HEADS:
            create_department(conn, code, code, parent=None if code == "HQ" else "HQ")
    people = SimpleNamespace()
    pending = dict(PEOPLE)
    while pending:  # managers first
        for name, (department, manager, roles) in list(pending.items()):
            if manager is None or hasattr(people, manager):
                setattr(
                    people,
                    name,
                    make_user(name, roles=roles, department=department, manager=manager),
                )
                del pending[name]
    with runtime.db.write() as conn:
        for code, head in HEADS.items():
            set_head(conn, get_department_by_code(conn, code).id, head)
    return people


class Act:
    """``act(client, "crm/quotation", id, "approve", comment=..., values=...)`` through the
    REST API; returns the response (asserting the status when ``status`` is given)."""

    def __call__(
        self,
        client,
        path: str,
        record_id: int,
        action: str,
        *,
        status=200,
        comment=None,
        values=None,
        lang="en",
    ):
        body = {}
        if comment is not None:
            body["comment"] = comment
        if values is not None:
            body["values"] = values
        response = client.post(
            f"{path}/{record_id}/actions/{action}", json=body, headers={"Accept-Language": lang}
        )
        if status is not None:
            assert response.status_code == status, response.get_json()
        return response


def created(response) -> dict:
    assert response.status_code == 201, response.get_json()
    return response.get_json()


EN = {"Accept-Language": "en"}


def messages(response) -> str:
    """Every message of a problem response, as one text (send ``headers=EN`` to read
    them in English)."""
    body = response.get_json()
    texts = [body.get("detail") or ""]
    for items in (body.get("errors") or {}).values():
        texts.extend(items)
    return " | ".join(texts)
