"""``formflow overlays export|import``, ``formflow check`` and ``formflow migrate
--plan`` on a shipped app a site customised."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from formflow.cli import main
from support import TEST_APPS

OVERLAY = {"app": "shop", "items": [
    {"op": {"op": "add", "path": "entities/product/fields/x_colour",
            "value": {"type": "text"}}, "was": {}},
    {"op": {"op": "set", "path": "entities/product/fields/sku/label", "value": "Article"},
     "was": {}},
]}


@pytest.fixture
def shop(tmp_path):
    folder = tmp_path / "apps" / "shop"
    shutil.copytree(TEST_APPS / "valid" / "shop", folder)
    return folder


@pytest.fixture
def cli(database_url, tmp_path, monkeypatch, shop):
    monkeypatch.setenv("FORMFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("FORMFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("FORMFLOW_SECRET_KEY", "cli-secret")
    monkeypatch.setenv("FORMFLOW_METADATA_PATH", str(shop))
    monkeypatch.setenv("FORMFLOW_PLUGINS_PATH", str(tmp_path / "no-plugins"))
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    assert invoke("init", "--admin-password", "s3cret-pass").exit_code == 0
    return invoke


def test_check_refuses_site_names_in_shipped_files(cli, shop, tmp_path):
    shop = shutil.copytree(shop, tmp_path / "upgrade" / "shop")
    path = shop / "entities" / "product.json"
    product = json.loads(path.read_text())
    product["fields"].append({"name": "x_extra", "type": "text"})
    path.write_text(json.dumps(product))
    result = cli("check", str(shop))
    assert result.exit_code == 1
    assert "shop/entities/product.json: fields/9/name: 'x_extra': names starting with 'x_' " \
           "are kept for a site's additions" in result.output


def test_an_overlay_goes_through_a_file_and_migrate_plan_lists_it(cli, shop, tmp_path):
    source = tmp_path / "overlay.json"
    source.write_text(json.dumps(OVERLAY))
    imported = cli("overlays", "import", str(source), "--publish")
    assert imported.exit_code == 0, imported.output
    assert "overlay shop: add entities/product/fields/x_colour: applied" in imported.output
    assert "Published as overlay version 1." in imported.output
    exported = cli("overlays", "export", "shop", "out.json")
    assert exported.exit_code == 0, exported.output
    assert json.loads((tmp_path / "out.json").read_text()) == OVERLAY
    assert cli("check").exit_code == 0
    path = shop / "entities" / "product.json"
    product = json.loads(path.read_text())
    product["fields"][1]["label"] = "SKU code"
    path.write_text(json.dumps(product))
    plan = cli("migrate", "--plan")
    assert plan.exit_code == 0, plan.output
    assert "overlay shop: add entities/product/fields/x_colour: applied" in plan.output
    assert "overlay shop: set entities/product/fields/sku/label: conflict" in plan.output
    checked = cli("check")
    assert checked.exit_code == 0 and "sku/label: conflict" in checked.output


def test_an_overlay_file_a_site_may_not_make_is_refused(cli, tmp_path):
    source = tmp_path / "overlay.json"
    source.write_text(json.dumps({"app": "shop", "items": "nothing"}))
    result = cli("overlays", "import", str(source))
    assert result.exit_code == 1
    assert "An overlay is a list of items" in result.output
    assert cli("overlays", "import", str(tmp_path / "overlay.json")).exit_code == 1
    assert "No shipped app named crm" in cli("overlays", "export", "crm").output
