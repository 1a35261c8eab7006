"""The ``formflow`` command's start-up: a data command gets the runtime without the REST
API and the pages; the commands that serve or show them get the whole app."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from formflow import create_app
from formflow.cli import command_app, main
from support import ROOT


@pytest.fixture
def cli(database_url, tmp_path, monkeypatch):
    """Run ``formflow ARGS``; returns the output and the app the command ran with."""
    monkeypatch.setenv("FORMFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("FORMFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("FORMFLOW_SECRET_KEY", "cli-secret")

    def invoke(*args):
        info = ScriptInfo(create_app=command_app)
        result = CliRunner().invoke(main, list(args), obj=info, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output, info.load_app()

    return invoke


def test_a_data_command_runs_without_the_api_and_the_pages(cli):
    output, app = cli("plugins")
    assert "stock_ledger" in output
    assert "web" not in app.blueprints and "api" not in app.blueprints
    endpoints = {rule.endpoint.split(".")[0] for rule in app.url_map.iter_rules()}
    assert not endpoints & {"web", "api"}
    assert "plugin_stock_ledger" in app.blueprints  # plugin blueprints are kept
    assert app.extensions["formflow"].model.apps  # the runtime is all there


def test_the_routes_command_lists_the_api_and_the_pages(cli):
    output, app = cli("routes")
    assert {"web", "api", "plugin_stock_ledger"} <= set(app.blueprints)
    assert "/api/v1/" in output and "web.login" in output


def test_create_app_without_pages(tmp_path):
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}", "SECRET_KEY": "x",
              "INSTANCE_PATH": str(tmp_path / "i")}
    light = create_app(config, pages=False)
    full = create_app(config)
    assert "web" in full.blueprints and "web" not in light.blueprints
    assert full.test_client().get("/healthz").status_code == 200
    assert light.test_client().get("/healthz").status_code == 200  # operations stay
    assert light.test_client().get("/login").status_code == 404


def test_a_data_command_imports_no_page_and_no_route(tmp_path):
    """Not the command, nor its app, nor the plugins (whose pages use the API's helpers)."""
    code = f"""import sys
from formflow.cli import main
from formflow.app import create_app
create_app({{"DATABASE_URL": "sqlite:///{tmp_path / 'f.db'}", "SECRET_KEY": "x",
            "INSTANCE_PATH": "{tmp_path / 'i'}"}}, pages=False)
print(sorted(m for m in sys.modules if m.startswith(("formflow.api", "formflow.web.records"))))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "platform")}
    result = subprocess.run(  # noqa: S603 - our own fixed command line
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_data_command_builds_and_imports_only_the_services_it_uses(tmp_path):
    """A data command's runtime builds a service (and imports its module) when the
    command first asks for it; the whole app builds every service at start."""
    code = f"""import sys
from formflow.app import create_app
config = {{"DATABASE_URL": "sqlite:///{tmp_path / 'f.db'}", "SECRET_KEY": "x",
          "INSTANCE_PATH": "{tmp_path / 'i'}"}}
runtime = create_app(config, pages=False).extensions["formflow"]
print(sorted(m for m in sys.modules if m.startswith(("formflow.insights.service",
      "formflow.process.inbox", "formflow.io.exporting", "formflow.auth.directory",
      "formflow.process.sla", "formflow.design.overlay_apply"))))
print(sorted(name for name in ("insights", "inbox", "exporter", "directory", "importer")
             if name in vars(runtime)))
runtime.exporter
print("formflow.io.exporting" in sys.modules, "exporter" in vars(runtime))
full = create_app(config).extensions["formflow"]
print(all(name in vars(full) for name in ("insights", "inbox", "exporter", "directory")))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "platform")}
    result = subprocess.run(  # noqa: S603 - our own fixed command line
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:4] == ["[]", "[]", "True True", "True"]


def test_a_data_command_knows_every_system_table(tmp_path):
    """Services built on first use still have their tables in a data command's schema
    (what ``formflow init`` creates and ``migrate`` checks)."""
    code = f"""from formflow.app import create_app
config = {{"DATABASE_URL": "sqlite:///{tmp_path / 'f.db'}", "SECRET_KEY": "x",
          "INSTANCE_PATH": "{tmp_path / 'i'}"}}
light = set(create_app(config, pages=False).extensions["formflow"].schema.metadata.tables)
full = set(create_app(config).extensions["formflow"].schema.metadata.tables)
print(sorted(full ^ light), "ff_insight_cases" in light)
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "platform")}
    result = subprocess.run(  # noqa: S603 - our own fixed command line
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[] True"
