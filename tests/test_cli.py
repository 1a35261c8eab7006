"""The ``formflow`` command: init, check, migrate, user, token, demo."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from conftest import SHIPPED_APPS
from formflow.auth import authenticate, get_user_by_name, user_for_token
from formflow.cli import main
from formflow.process.tables import notifications


@pytest.fixture
def cli(database_url, tmp_path, monkeypatch):
    """Run ``formflow`` as a user would: settings from FORMFLOW_* variables."""
    monkeypatch.setenv("FORMFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("FORMFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("FORMFLOW_SECRET_KEY", "cli-secret")
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def _runtime(database_url, tmp_path):
    from formflow import create_app

    return create_app(
        {"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "i2"), "SECRET_KEY": "x"}
    ).extensions["formflow"]


def test_help_explains_every_command(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("init", "check", "migrate", "demo", "user", "token", "run"):
        assert command in result.output


def test_init_creates_tables_and_an_admin_who_can_sign_in(cli, database_url, tmp_path):
    result = cli("init", "--admin-password", "s3cret-pass")
    assert result.exit_code == 0, result.output
    runtime = _runtime(database_url, tmp_path)
    with runtime.db.write() as conn:
        assert authenticate(conn, "admin", "s3cret-pass") is not None
    assert cli("init").exit_code == 0  # a second init changes nothing and keeps the admin


def test_init_without_password_prints_a_generated_one(cli):
    result = cli("init")
    assert result.exit_code == 0
    assert "Sign in as admin with password:" in result.output


def test_check_passes_on_the_shipped_apps(cli):
    result = cli("check")
    assert result.exit_code == 0, result.output
    assert "Metadata is valid" in result.output


def test_check_warns_about_unlabelled_states_but_passes(cli):
    from process_helpers import PROCESS_APPS

    result = cli("check", str(PROCESS_APPS / "flow"))
    assert result.exit_code == 0, result.output
    assert (
        "flow/processes/leave_flow.json: states/1/label: warning: state 'manager_review' "
        "has no label" in result.output
    )
    assert "warning(s)" in result.output


def test_check_prints_every_problem_with_file_and_path_and_fails(cli, tmp_path):
    app = tmp_path / "apps" / "shop"
    (app / "entities").mkdir(parents=True)
    (app / "app.json").write_text(json.dumps({"name": "shop", "menu": ["order", "ghost"]}))
    (app / "entities" / "item.json").write_text(
        json.dumps(
            {
                "name": "item",
                "fields": [{"name": "price", "type": "money", "lable": "Price"}],
            }
        )
    )
    (app / "entities" / "order.json").write_text(
        json.dumps(
            {
                "name": "order",
                "fields": [
                    {"name": "price", "type": "money"},
                    {"name": "total", "type": "money", "compute": "prise * 2"},
                ],
            }
        )
    )
    result = cli("check", str(tmp_path / "apps"))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.startswith("shop/entities/item.json: fields/0: ") and "lable" in line for line in lines
    )
    assert any(
        line.startswith("shop/entities/order.json: fields/1/compute: ") and "prise" in line
        for line in lines
    )
    assert any(line.startswith("shop/app.json: menu/1: ") and "ghost" in line for line in lines)


def test_migrate_plan_prints_changes_without_applying_them(cli, tmp_path, monkeypatch):
    assert cli("init", "--admin-password", "s3cret-pass").exit_code == 0
    apps = tmp_path / "apps"
    shutil.copytree(SHIPPED_APPS / "crm", apps / "crm")
    document = json.loads((apps / "crm/entities/customer.json").read_text())
    document["fields"].append({"name": "wechat", "type": "text", "max_length": 60})
    (apps / "crm/entities/customer.json").write_text(json.dumps(document))
    monkeypatch.setenv("FORMFLOW_METADATA_PATH", str(apps))
    plan = cli("migrate", "--plan")
    assert plan.exit_code == 0, plan.output
    assert "wechat" in plan.output
    assert "wechat" in cli("migrate", "--plan").output  # nothing was applied
    applied = cli("migrate")
    assert applied.exit_code == 0 and "wechat" in applied.output
    assert "Nothing to change" in cli("migrate", "--plan").output


def test_user_create_with_roles_and_a_bad_role_is_refused(cli, database_url, tmp_path):
    assert cli("init", "--admin-password", "s3cret-pass").exit_code == 0
    result = cli("user", "create", "mei", "--password", "password123", "--role", "sales_rep")
    assert result.exit_code == 0, result.output
    with _runtime(database_url, tmp_path).db.read() as conn:
        assert "sales_rep" in get_user_by_name(conn, "mei").roles
    refused = cli("user", "create", "bo", "--password", "password123", "--role", "pilot")
    assert refused.exit_code != 0
    assert "pilot" in refused.output


def test_token_create_prints_a_working_token_alone_on_the_last_line(cli, database_url, tmp_path):
    assert cli("init", "--admin-password", "s3cret-pass").exit_code == 0
    result = cli("token", "create", "admin")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    with _runtime(database_url, tmp_path).db.read() as conn:
        assert user_for_token(conn, token).username == "admin"


def test_demo_loads_users_and_records_once(cli, database_url, tmp_path):
    first = cli("demo", "--no-serve")
    assert first.exit_code == 0, first.output
    assert "admin" in first.output and "lihua" in first.output
    runtime = _runtime(database_url, tmp_path)
    admin_user = _admin(runtime)
    customers = runtime.records.list(admin_user, "crm.customer", {}).total
    assert customers >= 50
    assert runtime.records.list(admin_user, "crm.opportunity", {}).total > 0
    low = runtime.records.list(admin_user, "inventory.product", {"needs_reorder": ["true"]})
    assert low.total > 0 and all(
        Decimal(p["on_hand"]) <= Decimal(p["reorder_level"]) for p in low.items)
    with runtime.db.read() as conn:
        alerts = conn.execute(sa.select(sa.func.count()).select_from(notifications).where(
            notifications.c.kind == "reorder")).scalar_one()
    assert alerts > 0
    employees = runtime.records.list(admin_user, "hr.employee", {"per_page": ["200"]}).items
    assert employees and all(e["annual_leave_balance"] is not None for e in employees)
    assert cli("demo", "--no-serve").exit_code == 0
    assert runtime.records.list(admin_user, "crm.customer", {}).total == customers


def _admin(runtime):
    with runtime.db.read() as conn:
        return get_user_by_name(conn, "admin")
