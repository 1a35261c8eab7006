"""The ``formflow`` command: init, check, migrate, user, token (demo: test_cli_demo.py)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest
from click.testing import CliRunner

from formflow.auth import authenticate, get_user_by_name, user_for_token
from formflow.cli import main
from support import SHIPPED_APPS


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


def _runtime(database_url, tmp_path, **config):
    from formflow import create_app

    return create_app(
        {"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "i2"), "SECRET_KEY": "x",
         **config}
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
    from support.process_helpers import PROCESS_APPS

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



def _write_order_app(apps, amount_formula: str) -> None:
    entities = apps / "shop" / "entities"
    entities.mkdir(parents=True, exist_ok=True)
    (apps / "shop" / "app.json").write_text(json.dumps({"name": "shop", "menu": ["order"]}))
    fields = [
        {"name": "discount", "type": "money"},
        {"name": "net", "type": "money", "compute": "total - coalesce(discount, 0)"},
        {"name": "lines", "type": "table", "fields": [
            {"name": "qty", "type": "integer"},
            {"name": "price", "type": "money"},
            {"name": "amount", "type": "money", "compute": amount_formula},
        ]},
        {"name": "total", "type": "money", "compute": "sum(lines.amount)"},
        {"name": "note", "type": "text"},
    ]
    (entities / "order.json").write_text(json.dumps({
        "name": "order", "fields": fields,
        "permissions": [{"role": "user", "create": True, "read": "all", "delete": "all"}],
    }))


def test_migrate_recomputes_stored_values_when_a_formula_changes(
    cli, database_url, tmp_path, monkeypatch
):
    apps = tmp_path / "apps"
    _write_order_app(apps, "qty * price")
    monkeypatch.setenv("FORMFLOW_METADATA_PATH", str(apps))
    assert cli("init", "--admin-password", "s3cret-pass").exit_code == 0
    runtime = _runtime(database_url, tmp_path, METADATA_PATH=[str(apps)])
    with runtime.db.read() as conn:
        admin = get_user_by_name(conn, "admin")
    lines = [{"qty": 2, "price": "5"}, {"qty": 1, "price": "3"}]
    ids = [runtime.records.create(admin, "shop.order", {"discount": "1", "lines": lines})["id"]
           for _ in range(3)]
    runtime.records.delete(admin, "shop.order", ids[2])  # restorable: recomputed too

    def stored():
        with runtime.db.read() as conn:
            records = [runtime.internal_records.load(conn, "shop.order", i, include_deleted=True)
                       for i in ids]
        return [(r["total"], r["net"]) for r in records], [
            line["amount"] for r in records for line in r["lines"]]

    assert stored() == ([(Decimal(13), Decimal(12))] * 3, [Decimal(10), Decimal(3)] * 3)

    _write_order_app(apps, "qty * price * 2")
    expected = ("shop__order: recompute fields lines.amount, total, net of entity shop.order: "
                "3 records")
    plan = cli("migrate", "--plan")
    assert plan.exit_code == 0 and expected in plan.output, plan.output
    assert stored()[0] == [(Decimal(13), Decimal(12))] * 3  # a plan writes nothing

    monkeypatch.setattr("formflow.records.recompute.BATCH", 2)  # more than one batch
    applied = cli("migrate")
    assert applied.exit_code == 0 and expected in applied.output, applied.output
    assert stored() == ([(Decimal(26), Decimal(25))] * 3, [Decimal(20), Decimal(6)] * 3)
    assert "Nothing to change" in cli("migrate", "--plan").output


def test_user_create_with_roles_and_a_bad_role_is_refused(cli, database_url, tmp_path):
    assert cli("init", "--admin-password", "s3cret-pass").exit_code == 0
    result = cli("user", "create", "mei", "--password", "tulip-sesame-42", "--role", "sales_rep")
    assert result.exit_code == 0, result.output
    with _runtime(database_url, tmp_path).db.read() as conn:
        assert "sales_rep" in get_user_by_name(conn, "mei").roles
    refused = cli("user", "create", "bo", "--password", "tulip-sesame-42", "--role", "pilot")
    assert refused.exit_code != 0
    assert "pilot" in refused.output


def test_token_create_prints_a_working_token_alone_on_the_last_line(cli, database_url, tmp_path):
    assert cli("init", "--admin-password", "s3cret-pass").exit_code == 0
    result = cli("token", "create", "admin")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    with _runtime(database_url, tmp_path).db.read() as conn:
        assert user_for_token(conn, token).username == "admin"


def test_token_create_takes_a_lifetime_in_days(cli, database_url, tmp_path):
    assert cli("init", "--admin-password", "s3cret-pass").exit_code == 0
    result = cli("token", "create", "admin", "--days", "7")
    assert result.exit_code == 0, result.output
    assert "Expires: " in result.output
    token = result.output.strip().splitlines()[-1]
    with _runtime(database_url, tmp_path).db.read() as conn:
        assert user_for_token(conn, token).username == "admin"
    refused = cli("token", "create", "admin", "--days", "500")
    assert refused.exit_code != 0
    assert "1 to 90 days" in refused.output


def test_user_create_refuses_a_common_password(cli):
    assert cli("init", "--admin-password", "s3cret-pass").exit_code == 0
    refused = cli("user", "create", "mei", "--password", "password1")
    assert refused.exit_code != 0
    assert "most common" in refused.output

