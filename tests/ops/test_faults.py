"""Faults: the database going away before or in the middle of a request, a plugin
failing, and the server process killed during a burst of writes.

The database outage is real on both backends: PostgreSQL refuses connections to the
test database and cuts the app's own; on SQLite the folder of the file disappears (an
unmounted volume) after the pool was closed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from formflow import create_app
from formflow.auth import create_token, create_user
from formflow.install import install
from formflow.storage import database
from formflow.storage.database import is_outage, normalize_url
from support import ADMIN_PASSWORD, PG_URL, ROOT
from support.helpers import LAB, PARTNERS, database_state, problem
from support.plugin_support import MEMOS, plugin_env_factory
from support.server_support import free_port, own_control_socket
from support.web_support import HTMX, sign_in


@pytest.fixture
def metadata_path():
    return [LAB]


@pytest.fixture
def database_url(database_url, tmp_path):
    """On SQLite, the file sits in a folder of its own, which an outage takes away."""
    if PG_URL:
        return database_url
    volume = tmp_path / "volume"
    volume.mkdir()
    return f"sqlite:///{volume / 'formflow.db'}"


def server_connection():
    return sa.create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT").connect()


@contextmanager
def database_down(runtime, url: str):
    """While inside, the database cannot be reached; afterwards it is back."""
    if runtime.db.is_postgresql:
        name = sa.make_url(url).database
        with server_connection() as server:
            server.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            server.execute(
                sa.text("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                        "WHERE datname = :name"), {"name": name})
            try:
                yield
            finally:
                server.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        return
    volume = Path(sa.make_url(url).database).parent
    runtime.db.dispose()
    unmounted = volume.with_name("unmounted")
    volume.rename(unmounted)
    try:
        yield
    finally:
        unmounted.rename(volume)


def unavailable(response, language: str = "en") -> dict:
    body = problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    expected = {"en": "The database cannot be reached right now", "zh-CN": "暂时无法连接数据库"}
    assert body["detail"].startswith(expected[language])
    return body


# -- the database goes away ------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_api_answers_503_while_the_database_is_down_then_recovers(
    runtime, admin_api, database_url, language
):
    headers = {"Accept-Language": language}
    assert admin_api.post(PARTNERS, json={"name": "Before"}).status_code == 201
    before = database_state(runtime)
    with database_down(runtime, database_url):
        unavailable(admin_api.get(PARTNERS, headers=headers), language)
        unavailable(admin_api.post(PARTNERS, json={"name": "Lost"}, headers=headers), language)
    assert database_state(runtime) == before  # nothing of the refused write
    assert admin_api.get(PARTNERS).get_json()["total"] == 1  # the very next request works
    assert admin_api.post(PARTNERS, json={"name": "After"}).status_code == 201


def test_a_page_shows_a_friendly_503_while_the_database_is_down(
    runtime, client, make_user, database_url
):
    make_user("ann", roles=["user"])
    sign_in(client, "ann")
    with database_down(runtime, database_url):
        page = client.get("/", headers={"Accept-Language": "en"})
        fragment = client.get("/lab/partner/", headers={**HTMX, "Accept-Language": "zh-CN"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    html = page.get_data(as_text=True)
    assert "<html" in html and "The database cannot be reached right now" in html
    assert "Go to the home page" in html and "Traceback" not in html
    assert fragment.status_code == 503 and "HX-Request" in fragment.vary
    assert "<html" not in fragment.get_data(as_text=True)
    assert "暂时无法连接数据库" in fragment.get_data(as_text=True)
    assert client.get("/").status_code == 200  # still signed in, and the page is back


@pytest.mark.skipif(not PG_URL, reason="an SQLite connection cannot be cut from outside")
def test_a_connection_killed_in_the_middle_of_a_write_keeps_nothing(runtime, admin_api):
    """The server ends the connection after the record's row and its audit entry went
    in, just before the COMMIT: the request answers 503, the row is gone with the
    transaction, and the next request gets a fresh connection."""
    before = database_state(runtime)
    killed = []

    def kill_before_commit(conn):
        if not killed:
            pid = conn.connection.dbapi_connection.info.backend_pid
            with server_connection() as server:
                killed.append(server.execute(
                    sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar())

    sa.event.listen(runtime.db.engine, "commit", kill_before_commit)
    try:
        unavailable(admin_api.post(PARTNERS, json={"name": "Half"}), "zh-CN")
    finally:
        sa.event.remove(runtime.db.engine, "commit", kill_before_commit)
    assert killed == [True]
    assert database_state(runtime) == before
    assert admin_api.post(PARTNERS, json={"name": "Whole"}).status_code == 201


def _backend_pids(runtime) -> set[int]:
    name = runtime.db.engine.url.database
    with server_connection() as server:
        return set(server.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": name}
        ).scalars())


@pytest.mark.skipif(not PG_URL, reason="an SQLite connection cannot be cut from outside")
def test_a_pooled_connection_that_died_while_idle_is_replaced_unseen(
    runtime, admin_api, monkeypatch
):
    """The server ends the pool's connections while they sit idle (a restart, a
    firewall's timeout): after the idle time, the next request pings, finds the
    connection dead and gets a fresh one instead of an error."""
    assert admin_api.get(PARTNERS).status_code == 200
    with server_connection() as server:
        for pid in _backend_pids(runtime):
            server.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
    assert admin_api.get(PARTNERS).status_code == 200
    assert admin_api.post(PARTNERS, json={"name": "After"}).status_code == 201


@pytest.mark.skipif(not PG_URL, reason="SQLite has no connection to ping")
def test_a_connection_in_use_a_moment_ago_is_not_pinged(runtime, admin_api, monkeypatch):
    pings = []
    dialect = runtime.db.engine.dialect
    real_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))
    for _ in range(3):
        assert admin_api.get(PARTNERS).status_code == 200
    assert pings == []
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
    assert admin_api.get(PARTNERS).status_code == 200
    assert pings


@pytest.mark.parametrize(
    ("statement", "outage"),
    [
        ("SELECT * FROM nosuch", False),  # a wrong statement is a bug: 500
        ("INSERT INTO t VALUES (1)", False),  # a broken constraint is the data's fault
        ("BEGIN IMMEDIATE", True),  # locked past the busy timeout
    ],
)
def test_only_an_unusable_database_counts_as_an_outage(tmp_path, statement, outage):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}",
                              connect_args={"timeout": 0, "isolation_level": None})
    with engine.connect() as setup:
        setup.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        setup.exec_driver_sql("INSERT INTO t VALUES (1)")
    holder = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    if outage:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as raised:
            conn.exec_driver_sql(statement)
    finally:
        holder.close()
        engine.dispose()
    assert is_outage(raised.value) is outage


def test_a_database_outage_inside_a_plugin_is_not_blamed_on_the_plugin(make_app, tmp_path):
    env = plugin_env_factory(make_app, tmp_path)('''
import sqlite3
import sqlalchemy as sa
from formflow.plugins import hookimpl

MANIFEST = {"name": "probe", "version": "1"}
CALLS = []

@hookimpl
def record_after_save(record):
    if record["title"] == "outage":
        raise sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))
''')
    api = env.api("ann")
    body = unavailable(api.post(MEMOS, json={"title": "outage"}), "zh-CN")
    assert "probe" not in body["detail"]
    assert api.get(MEMOS).get_json()["total"] == 0


# -- the server killed during a burst of writes ------------------------------------------




@contextmanager
def gunicorn(url: str, instance: Path):
    """A real server (two gthread workers) on a loopback port; yields (base URL, process)."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "platform"),
        "FORMFLOW_DATABASE_URL": url,
        "FORMFLOW_METADATA_PATH": str(LAB),
        "FORMFLOW_PLUGINS_PATH": str(instance / "no-plugins"),
        "FORMFLOW_INSTANCE_PATH": str(instance),
        "FORMFLOW_SECRET_KEY": "test-secret",
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", *own_control_socket(instance), "wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the server did not start in 30 s"
            try:
                requests.get(f"{base}/meta", timeout=1)
                break
            except requests.RequestException:  # not listening yet, or still loading
                time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        process.stderr.close()


@pytest.mark.skipif(bool(PG_URL), reason="a property of the SQLite file; runs on SQLite")
def test_sqlite_keeps_every_acknowledged_write_when_the_server_is_killed(tmp_path):
    url = f"sqlite:///{tmp_path / 'formflow.db'}"
    instance = tmp_path / "instance"
    setup = create_app({"DATABASE_URL": url, "METADATA_PATH": [str(LAB)],
                        "PLUGINS_PATH": [str(instance / "no-plugins")],
                        "INSTANCE_PATH": str(instance), "SECRET_KEY": "test-secret"})
    runtime = setup.extensions["formflow"]
    install(runtime, ADMIN_PASSWORD)
    with runtime.db.write() as conn:
        user = create_user(conn, "writer", None, roles=["user"], known_roles=runtime.model.roles)
        _, token = create_token(conn, user.id, "burst")
    table = runtime.schema["lab.partner"].main.name
    runtime.db.dispose()

    acknowledged: list[int] = []
    stop = threading.Event()

    def write(base: str, client: int) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    response = session.post(f"{base}/lab/partner",
                                            json={"name": f"c{client}-{n}"}, timeout=5)
                except requests.RequestException:
                    return  # the server is gone
                if response.status_code == 201:
                    acknowledged.append(response.json()["id"])

    with gunicorn(url, instance) as (base, process):
        writers = [threading.Thread(target=write, args=(base, i)) for i in range(4)]
        for writer in writers:
            writer.start()
        time.sleep(2)
        os.killpg(process.pid, signal.SIGKILL)  # master and workers, mid-burst
        stop.set()
        for writer in writers:
            writer.join(timeout=10)

    assert len(acknowledged) > 20, "the burst wrote too little to prove anything"
    database = sqlite3.connect(tmp_path / "formflow.db")
    try:
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = database.execute(f"SELECT id FROM {table}")  # noqa: S608 - our own table name
        stored = {row[0] for row in rows}
    finally:
        database.close()
    assert set(acknowledged) <= stored
