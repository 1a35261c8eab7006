"""Shared fixtures.

Every test gets a database of its own: a SQLite file in its tmp_path, or, when
``FORMFLOW_TEST_DATABASE_URL`` names a PostgreSQL server, a freshly created database
there that is dropped afterwards.  ``app`` is a fresh ``create_app`` on that database
with the apps of ``metadata_path`` installed.
"""

from __future__ import annotations

import os

import pytest

from formflow import create_app
from formflow.auth import create_token, create_user
from support import PASSWORD, PG_URL, SHIPPED_APPS, speedups
from support.api_client import ApiClient
from support.databases import (
    create_postgres_database,
    drop_postgres_database,
    drop_retired_databases,
    install_app,
)
from support.helpers import database_state
from support.template_databases import TemplateDatabases
from support.web_support import sign_in

speedups.install()


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """scrypt at full cost makes every sign-in slow; tests use a cheap setting."""
    monkeypatch.setattr("formflow.auth.passwords.METHOD", "scrypt:1024:8:1")


@pytest.fixture(scope="module")
def module_postgres_url():
    """A PostgreSQL database for a whole test module, dropped afterwards (skips the
    test when no server is configured)."""
    if not PG_URL:
        pytest.skip("FORMFLOW_TEST_DATABASE_URL is not set")
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def database_url(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'formflow.db'}"
        return
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def metadata_path():
    """The app folders the ``app`` fixture installs; override in a module to change."""
    return [str(SHIPPED_APPS)]


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory):
    templates = TemplateDatabases(tmp_path_factory.mktemp("templates"), PG_URL)
    yield templates
    templates.drop_all()


@pytest.fixture
def make_app(database_url, tmp_path, template_databases):
    """make_app(metadata_path, **settings): an installed app on the test's database; the
    first one starts from a copy of a template installed once per test process."""
    apps = []

    def install_template(settings):
        install_app(settings).extensions["formflow"].db.dispose()

    def factory(metadata_path, **config):
        settings = {
            "DATABASE_URL": database_url,
            "METADATA_PATH": [str(p) for p in metadata_path],
            "PLUGINS_PATH": [str(tmp_path / "no-plugins")],
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            **config,
        }
        if template_databases.fill(settings, install_template):
            app = create_app(settings)
        else:  # a database installed before (a second app, or a module's template)
            app = install_app(settings, admin_password=None)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["formflow"].db.dispose()


@pytest.fixture
def app(make_app, metadata_path):
    return make_app(metadata_path)


@pytest.fixture
def runtime(app):
    return app.extensions["formflow"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(runtime):
    """Create a user: make_user("alice", roles=["sales_rep"], department="SALES")."""

    def factory(username, *, roles=(), department=None, manager=None, password=PASSWORD):
        with runtime.db.write() as conn:
            return create_user(
                conn,
                username,
                password,
                roles=roles,
                department=department,
                manager=manager,
                known_roles=runtime.model.roles,
            )

    return factory


@pytest.fixture
def as_user(app):
    """as_user("boss", lang="en") -> a test client of the pages, signed in as boss and
    asking for pages in ``lang``."""
    def factory(name: str, lang: str = "en"):
        client = app.test_client()
        sign_in(client, name)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        return client

    return factory


@pytest.fixture
def api_as(runtime, client):
    """api_as(user) -> an ApiClient authenticated with a fresh token of that user."""

    def factory(user):
        with runtime.db.write() as conn:
            _, token = create_token(conn, user.id, "test")
        return ApiClient(client, token)

    return factory


@pytest.fixture
def admin(runtime):
    from formflow.auth import get_user_by_name

    with runtime.db.read() as conn:
        return get_user_by_name(conn, "admin")


@pytest.fixture
def admin_api(api_as, admin):
    return api_as(admin)


@pytest.fixture
def state(runtime):
    """Call to fingerprint every row a save may write."""
    return lambda: database_state(runtime)


# -- services CI must not skip ------------------------------------------------------

#: Skip reasons that mean a service was missing, by the name FORMFLOW_TEST_REQUIRE uses.
SERVICE_SKIPS = {
    "redis": "redis",
    "postgresql": "FORMFLOW_TEST_DATABASE_URL is not set",
}


def required_services() -> set[str]:
    """The services named in FORMFLOW_TEST_REQUIRE (comma-separated): a test skipped
    for want of one of them fails the run (CI sets it; a developer's plain run skips)."""
    names = os.environ.get("FORMFLOW_TEST_REQUIRE", "")
    return {name.strip().lower() for name in names.split(",") if name.strip()}


#: (test, service, reason) of every test skipped for want of a required service.
MISSING_SERVICES: list[tuple[str, str, str]] = []


def pytest_runtest_logreport(report):
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return
    reason = str(report.longrepr[-1])
    for service in sorted(required_services()):
        if SERVICE_SKIPS.get(service, service).lower() in reason.lower():
            MISSING_SERVICES.append((report.nodeid, service, reason))


def pytest_sessionfinish(session, exitstatus):
    if PG_URL:
        drop_retired_databases()
    if MISSING_SERVICES and exitstatus == 0 and not hasattr(session.config, "workerinput"):
        session.exitstatus = 1  # a worker's reports reach the controller, which decides


def pytest_terminal_summary(terminalreporter):
    if not MISSING_SERVICES:
        return
    terminalreporter.section("skipped although FORMFLOW_TEST_REQUIRE requires their service")
    for nodeid, service, reason in MISSING_SERVICES:
        terminalreporter.line(f"{nodeid}: needs {service} ({reason})")
