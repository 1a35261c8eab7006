"""Helpers shared by the process engine tests.

- ``PROCESS_APPS``: the scenario apps in ``tests/metadata/process``.  ``flow``: a leave
  request (manager_of the creator, a branch by days, an HR countersign, cc to a backup,
  withdraw and cancel) and an expense claim (a 60% quorum of finance, then directors in
  sequence).  ``desk``: a purchase request routed by its ``route`` field to a state for
  each kind of assignee rule, an escalation ``by`` a list of rules, cc, an optional comment,
  ``@previous`` and a send back to a named earlier state.
- ``Flow``: act on records through the services and read their tasks and events.
- ``Clients``: a REST client per person, by name.
- ``flow_staff`` and ``desk_staff``: the people the two apps need.
- ``installed_template`` and ``database_copy``: on PostgreSQL, each test's database is a
  copy of one with the scenario apps installed (creating the tables is most of a test's
  time there); on SQLite, a fresh file as usual.
- ``run_together``: the same call from several threads released at once.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from formflow import create_app
from formflow.auth import create_department
from formflow.auth.tables import users
from formflow.install import install
from formflow.process.tables import branches, events, notifications, tasks
from formflow.storage.database import normalize_url
from support import ADMIN_PASSWORD, PG_URL, TEST_APPS
from support.databases import drop_postgres_database
from support.helpers import CHEAP_HASHING

PROCESS_APPS = TEST_APPS / "process"
LEAVE = "flow.leave"
CLAIM = "flow.claim"
REQUEST = "desk.request"
EMPLOYEE = "desk.employee"
#: The tables a process action writes besides the records (``database_state(runtime,
#: *PROCESS_TABLES)``): tasks, events, parallel branches and notifications.
PROCESS_TABLES = (tasks, events, branches, notifications)


def path_of(entity: str) -> str:
    """The REST path of an entity: ``flow/leave``."""
    return entity.replace(".", "/")


class Flow:
    """Records moved through their process with the services, as the REST API does."""

    def __init__(self, runtime):
        self.runtime = runtime

    def create(self, user, entity: str, **values) -> dict[str, Any]:
        return self.runtime.records.create(user, entity, values)

    def act(
        self,
        user,
        entity: str,
        record_id: int,
        name: str,
        *,
        comment: str | None = None,
        values: dict | None = None,
        state: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if comment is not None:
            body["comment"] = comment
        if values is not None:
            body["values"] = values
        if state is not None:
            body["state"] = state
        return self.runtime.process.act(user, entity, record_id, name, body)

    def record(self, entity: str, record_id: int) -> dict[str, Any]:
        with self.runtime.db.read() as conn:
            return self.runtime.internal_records.load(conn, entity, record_id)

    def state(self, entity: str, record_id: int) -> str:
        return self.record(entity, record_id)["_state"]

    def tasks(self, entity: str, record_id: int, *, kind: str = "approve") -> list[sa.Row]:
        """The record's tasks of ``kind``, oldest first, with the assignee's name."""
        query = (
            sa.select(tasks, users.c.username)
            .join(users, users.c.id == tasks.c.assignee_id)
            .where(tasks.c.entity == entity, tasks.c.record_id == record_id, tasks.c.kind == kind)
            .order_by(tasks.c.id)
        )
        with self.runtime.db.read() as conn:
            return conn.execute(query).all()

    def holders(self, entity: str, record_id: int, status: str = "open") -> list[str]:
        """Who holds a task of the record in ``status``, in task order."""
        return [t.username for t in self.tasks(entity, record_id) if t.status == status]

    def events(self, entity: str, record_id: int) -> list[sa.Row]:
        """The record's process events, oldest first, with the actor's name."""
        query = (
            sa.select(events, users.c.username.label("actor"))
            .join(users, users.c.id == events.c.actor_id, isouter=True)
            .where(events.c.entity == entity, events.c.record_id == record_id)
            .order_by(events.c.id)
        )
        with self.runtime.db.read() as conn:
            return conn.execute(query).all()

    def moves(self, entity: str, record_id: int) -> list[tuple[str, str | None, str]]:
        """(action, from, to) of every event that moved the record."""
        return [
            (e.action, e.from_state, e.to_state)
            for e in self.events(entity, record_id)
            if e.to_state is not None
        ]

    def notifications(self, user) -> list[sa.Row]:
        with self.runtime.db.read() as conn:
            return conn.execute(
                sa.select(notifications)
                .where(notifications.c.user_id == user.id)
                .order_by(notifications.c.id)
            ).all()

    def backdate_events(self, entity: str, record_id: int, seconds: float) -> None:
        """Move the record's events into the past (as if time had passed since)."""
        with self.runtime.db.write() as conn:
            for event in conn.execute(
                sa.select(events.c.id, events.c.at).where(
                    events.c.entity == entity, events.c.record_id == record_id
                )
            ).all():
                conn.execute(
                    events.update()
                    .where(events.c.id == event.id)
                    .values(at=event.at - timedelta(seconds=seconds))
                )


class Clients:
    """``clients.boss``: a REST client acting as ``staff.boss`` (made on first use)."""

    def __init__(self, api_as, staff: SimpleNamespace):
        self._api_as = api_as
        self._staff = staff

    def __getattr__(self, name: str):
        client = self._api_as(getattr(self._staff, name))
        setattr(self, name, client)
        return client


def installed_template(directory, apps=PROCESS_APPS) -> Iterator[str | None]:
    """For a module-scoped fixture: on PostgreSQL, the name of a database with the scenario
    apps (the app folders in ``apps``) installed, dropped afterwards; None on SQLite."""
    if not PG_URL:
        yield None
        return
    url = _create_database(f"ff_template_{uuid.uuid4().hex[:12]}")
    try:
        app = create_app(
            {
                "DATABASE_URL": url,
                "METADATA_PATH": [str(apps)],
                "PLUGINS_PATH": [str(directory / "no-plugins")],
                "INSTANCE_PATH": str(directory / "instance"),
                "SECRET_KEY": "test-secret",
                "TESTING": True,
            }
        )
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("formflow.auth.passwords.METHOD", CHEAP_HASHING)
            install(app.extensions["formflow"], ADMIN_PASSWORD)
        app.extensions["formflow"].db.dispose()  # a template must have no connections
        yield sa.make_url(url).database
    finally:
        drop_postgres_database(url)


def database_copy(template: str | None, directory) -> Iterator[str]:
    """For ``database_url``: a copy of ``template`` on PostgreSQL, dropped afterwards; a
    fresh SQLite file in ``directory`` otherwise."""
    if template is None:
        yield f"sqlite:///{directory / 'formflow.db'}"
        return
    url = _create_database(f"ff_test_{uuid.uuid4().hex[:12]}", template)
    yield url
    drop_postgres_database(url)


def _create_database(name: str, template: str | None = None) -> str:
    server = sa.create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        like = f' TEMPLATE "{template}"' if template else ""
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{like}')
    server.dispose()
    return normalize_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def flow_staff(make_user) -> SimpleNamespace:
    """emp reports to boss; hr1, hr2 are HR managers; fin1..fin3 finance; dir1, dir2
    directors; bud is emp's backup; pat has nothing to do with any of it.  Nobody has a
    password (the tests act through the services and API tokens)."""
    make_user = functools.partial(make_user, password=None)
    boss = make_user("boss")
    return SimpleNamespace(
        boss=boss,
        emp=make_user("emp", manager="boss"),
        loner=make_user("loner"),  # has no manager
        hr1=make_user("hr1", roles=["hr_manager"]),
        hr2=make_user("hr2", roles=["hr_manager"]),
        fin1=make_user("fin1", roles=["finance"]),
        fin2=make_user("fin2", roles=["finance"]),
        fin3=make_user("fin3", roles=["finance"]),
        dir1=make_user("dir1", roles=["director"]),
        dir2=make_user("dir2", roles=["director"]),
        bud=make_user("bud"),
        pat=make_user("pat"),
    )


def desk_staff(runtime, make_user) -> SimpleNamespace:
    """Departments SALES (head sam) and OPS (head hank); rita (in SALES) asks; olga owns
    budgets; eve is an employee on record; nina is named by the process; cole and cleo
    are clerks; aud audits; b1..b3 sit on the board.  Nobody has a password."""
    make_user = functools.partial(make_user, password=None)
    people = SimpleNamespace(
        sam=make_user("sam"),
        hank=make_user("hank"),
        olga=make_user("olga"),
        eve=make_user("eve"),
        nina=make_user("nina"),
        aud=make_user("aud", roles=["auditor"]),
        cole=make_user("cole", roles=["clerk"]),
        cleo=make_user("cleo", roles=["clerk"]),
        b1=make_user("b1", roles=["board"]),
        b2=make_user("b2", roles=["board"]),
        b3=make_user("b3", roles=["board"]),
    )
    with runtime.db.write() as conn:
        create_department(conn, "SALES", "Sales", head="sam")
        create_department(conn, "OPS", "Operations", head="hank")
    people.rita = make_user("rita", department="SALES")
    return people


def run_together(count: int, action) -> list:
    """Run ``action(i)`` in ``count`` threads released at once; each result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        try:
            results[index] = action(index)
        except Exception as error:  # noqa: BLE001 - the test inspects what each caller got
            results[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def today_iso(runtime, user) -> str:
    """Today's date as ``today()`` gives it to ``user``."""
    context = runtime.internal_records.context(user)
    return context.current_time().astimezone(context.zone).date().isoformat()


def submitted_leave(flow, staff, days: int = 2) -> int:
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=days, reason="Trip")
    flow.act(staff.emp, LEAVE, leave["id"], "submit")
    return leave["id"]



def open_task_id(flow, entity, record_id, username) -> int:
    return next(t.id for t in flow.tasks(entity, record_id)
                if t.username == username and t.status == "open")



def reassignments(flow, entity, record_id) -> list[dict]:
    return [e.data for e in flow.events(entity, record_id) if e.action == "reassign"]
