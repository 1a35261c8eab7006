"""``formflow demo`` as a user runs it: a real process that loads the demo company
(records in every app and state), prints the logins, serves until Ctrl-C, and on a
second run serves the data it finds.  The logins it prints cover every approval of the
shipped processes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner

from formflow import create_app
from formflow.auth import get_user_by_name
from formflow.automations.log import automation_runs
from formflow.cli import main
from formflow.demo import reset
from formflow.demo.company import DEPARTMENTS, USERS, create_company, logins
from formflow.install import install
from formflow.process.tables import notifications
from support import ROOT, SHIPPED_APPS
from support.server_support import free_port

#: The first run loads thousands of records; a slow, shared machine needs minutes.
LOAD_SECONDS = 600
#: A second run only opens the database it finds.
REUSE_SECONDS = 90


def demo_environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("FORMFLOW_")},
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "platform"), os.environ.get("PYTHONPATH")])
        ),
        "FORMFLOW_DATABASE_URL": database_url,
        "FORMFLOW_INSTANCE_PATH": str(tmp_path / "instance"),
        "FORMFLOW_SECRET_KEY": "demo-test-secret",
        "PYTHONUNBUFFERED": "1",
    }


def run_demo(environment: dict, port: int, log: Path, wait_seconds: float) -> tuple[str, float]:
    """Start ``formflow demo``, fetch /login from it, sign in as a demo user and open the
    home page, stop it with Ctrl-C; returns what it printed before serving and how long
    it took to serve."""
    started = time.monotonic()
    with open(log, "wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            [sys.executable, "-m", "formflow", "demo", "--port", str(port)],
            cwd=log.parent,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        page = _login_page(f"http://127.0.0.1:{port}", process, log, started + wait_seconds)
        served_after = time.monotonic() - started
        assert 'name="username"' in page
        assert_a_demo_user_signs_in(f"http://127.0.0.1:{port}")
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=30) == 0, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    printed = log.read_text()
    assert "Serving on" in printed, printed[-3000:]
    return printed.split("Serving on")[0], served_after


def _login_page(base: str, process: subprocess.Popen, log: Path, deadline: float) -> str:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"formflow demo exited:\n{log.read_text()[-3000:]}")
        try:
            response = requests.get(base + "/login", timeout=5)
            if response.status_code == 200:
                return response.text
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"formflow demo did not serve /login:\n{log.read_text()[-3000:]}")


def assert_a_demo_user_signs_in(base: str) -> None:
    """The first demo login after the admin's signs in through the login form with the
    printed password and gets the home page, greeted by name."""
    username, password, *_ = logins()[1]
    with requests.Session() as browser:
        form = browser.get(base + "/login", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        signed = browser.post(
            base + "/login",
            data={"username": username, "password": password, "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        assert signed.status_code == 302, signed.text[-2000:]
        home = browser.get(base + "/", timeout=120)
    assert (home.status_code, home.url) == (200, base + "/"), home.text[-2000:]
    display = next(display for name, display, *_ in USERS if name == username)
    assert display in home.text and 'action="/logout"' in home.text


@pytest.mark.slow
def test_demo_prints_the_logins_serves_until_ctrl_c_and_a_second_run_reuses_the_data(
    database_url, tmp_path
):
    environment = demo_environment(database_url, tmp_path)
    port = free_port()
    first, _ = run_demo(environment, port, tmp_path / "first.log", LOAD_SECONDS)
    assert "crm: 300 customer" in first and "Demo data loaded in" in first
    assert f"Sign in at http://127.0.0.1:{port}/login as:" in first
    for username, password, *_ in logins():
        assert any(line.split()[:2] == [username, password] for line in first.splitlines())
    assert_the_demo_company_is_there(database_url, tmp_path)

    second, seconds = run_demo(environment, free_port(), tmp_path / "second.log", REUSE_SECONDS)
    assert "The demo data is already loaded" in second and "formflow demo --reset" in second
    assert "crm:" not in second
    assert "luoyi" in second and seconds < REUSE_SECONDS


def assert_the_demo_company_is_there(database_url: str, tmp_path: Path) -> None:
    """Records in every app, products below their reorder level with their alerts, and a
    leave balance for every employee."""
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "check"),
                      "SECRET_KEY": "x"})
    runtime = app.extensions["formflow"]
    try:
        with runtime.db.read() as conn:
            admin = get_user_by_name(conn, "admin")
            alerts = conn.execute(sa.select(sa.func.count()).select_from(notifications).where(
                notifications.c.kind == "reorder")).scalar_one()
            automated = set(conn.execute(sa.select(
                automation_runs.c.automation, automation_runs.c.status)).all())
        records = runtime.records
        assert records.list(admin, "crm.customer", {}).total >= 50
        assert records.list(admin, "crm.opportunity", {}).total > 0
        low = records.list(admin, "inventory.product", {"needs_reorder": ["true"]})
        assert low.total > 0 and all(
            Decimal(p["on_hand"]) <= Decimal(p["reorder_level"]) for p in low.items)
        assert alerts > 0
        # The shipped automations ran on the live records, and none failed: a won deal
        # drafted its sales order, approved purchase orders their receipts.
        assert automated == {("inventory.draft_sales_order", "done"),
                             ("inventory.draft_receipt", "done"),
                             ("warehouse.announce_receipt", "done")}
        drafted = records.list(admin, "inventory.sales_order", {"opportunity__isnull": ["false"]})
        assert drafted.total == 1
        employees = records.list(admin, "hr.employee", {"per_page": ["200"]}).items
        assert employees and all(e["annual_leave_balance"] is not None for e in employees)
    finally:
        runtime.db.dispose()


# -- the logins cover every approval -------------------------------------------------------


def _states() -> list[dict]:
    """Every state of the shipped processes that is written out (not a bare name)."""
    processes = [json.loads(path.read_text()) for path in SHIPPED_APPS.glob("*/processes/*.json")]
    return [state for p in processes for state in p["states"] if isinstance(state, dict)]


def _roles(username: str) -> set[str]:
    return next(set(roles) for name, _, _, _, roles, _ in USERS if name == username)


def _mode(approval) -> str | None:
    """An approval is written as its mode ("all") or as an object holding it."""
    return approval.get("mode") if isinstance(approval, dict) else approval


PRINTED = {username for username, *_ in logins()}
PEOPLE = [username for username in PRINTED if username != "admin"]


def test_the_logins_hold_someone_for_every_role_that_approves():
    wanted = {
        assignee["role"]
        for state in _states()
        for assignee in state.get("assignees", [])
        if "role" in assignee
    }
    held = set().union(*(_roles(username) for username in PEOPLE))
    assert wanted <= held, wanted - held


def test_the_logins_hold_every_member_of_a_countersigning_role():
    countersigning = {
        assignee["role"]
        for state in _states()
        if _mode(state.get("approval")) == "all"
        for assignee in state["assignees"]
    }
    assert countersigning
    for role in countersigning:
        members = {name for name, _, _, _, roles, _ in USERS if role in roles}
        assert members <= PRINTED, members - PRINTED


def test_the_logins_hold_each_ones_manager_and_department_head():
    managers = {name: manager for name, _, _, manager, _, _ in USERS}
    departments = {name: department for name, _, department, _, _, _ in USERS}
    heads = {code: head for code, _, _, head in DEPARTMENTS}
    for username in PEOPLE:
        assert managers[username] in PRINTED | {None}, username
        assert heads[departments[username]] in PRINTED, username


# -- starting over -----------------------------------------------------------------------


def test_reset_drops_every_table_and_a_new_install_starts_afresh(runtime, make_user):
    make_user("alice")
    tables = sa.inspect(runtime.db.engine).get_table_names()
    assert reset(runtime) == len(tables) > 0
    assert sa.inspect(runtime.db.engine).get_table_names() == []
    install(runtime, "admin-password")
    with runtime.db.read() as conn:
        assert get_user_by_name(conn, "alice") is None
        assert get_user_by_name(conn, "admin") is not None


@pytest.fixture
def demo_cli(database_url, tmp_path, monkeypatch):
    """``formflow demo ARGS`` in this process, on the test database."""
    monkeypatch.setenv("FORMFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("FORMFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    return lambda *args, answer=None: CliRunner().invoke(main, ["demo", *args], input=answer)


def test_reset_asks_first_and_a_no_keeps_everything(runtime, demo_cli):
    tables = sa.inspect(runtime.db.engine).get_table_names()
    result = demo_cli("--reset", "--no-serve", answer="n\n")
    assert result.exit_code == 1 and "Drop every table in" in result.output
    assert sa.inspect(runtime.db.engine).get_table_names() == tables


def test_a_load_that_stopped_half_way_is_not_served_as_the_demo(runtime, demo_cli):
    create_company(runtime)  # the first step; the data and the sign-in never came
    result = demo_cli("--no-serve")
    assert result.exit_code == 1
    assert "did not finish; start over with: formflow demo --reset" in result.output
