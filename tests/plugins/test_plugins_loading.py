"""Plugin discovery, manifests, per-app enabling, and what a failing plugin does."""

from __future__ import annotations

import logging
import sys
import textwrap

import pytest

from formflow import create_app
from formflow.cli import main
from formflow.plugins.manager import PluginLoadError
from support import TEST_APPS

APPS = TEST_APPS / "plugins"

QUALITY = '''
from formflow.i18n import Message
from formflow.plugins import hookimpl

MANIFEST = {"name": "quality", "version": "1.2", "description": "Price checks",
            "apps": ["shop"]}


@hookimpl
def record_validate(entity, record):
    if record.get("price") is not None and record["price"] > 1000:
        return {"price": [Message("max_value", {"max": 1000})]}
    return None
'''


def write_plugin(folder, name, source):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


@pytest.fixture
def plugins_dir(tmp_path):
    return tmp_path / "plugins"


@pytest.fixture
def shop(make_app, plugins_dir):
    write_plugin(plugins_dir, "quality", QUALITY)
    return make_app([APPS], PLUGINS_PATH=[str(plugins_dir)])


def _api(app, api_for):
    from formflow.auth import get_user_by_name

    runtime = app.extensions["formflow"]
    with runtime.db.read() as conn:
        return api_for(app, get_user_by_name(conn, "admin"))


@pytest.fixture
def api_for():
    from formflow.auth import create_token
    from support.api_client import ApiClient

    def factory(app, user):
        runtime = app.extensions["formflow"]
        with runtime.db.write() as conn:
            _, token = create_token(conn, user.id, "test")
        return ApiClient(app.test_client(), token)

    return factory


def test_a_plugin_in_the_plugins_folder_is_loaded_with_its_manifest(shop):
    plugins = {p.name: p for p in shop.extensions["formflow"].plugins.plugins}
    quality = plugins["quality"]
    assert quality.loaded and quality.version == "1.2" and quality.apps == ("shop",)
    assert quality.source.endswith("quality.py")
    assert plugins["process_engine"].builtin


def test_hooks_run_only_for_apps_that_enabled_the_plugin(shop, api_for):
    api = _api(shop, api_for)
    refused = api.post("shop/item", json={"name": "Gold", "price": "5000"})
    assert refused.status_code == 422
    assert "price" in refused.get_json()["errors"]
    assert api.post("other/item", json={"name": "Gold", "price": "5000"}).status_code == 201


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import no_such_module\nMANIFEST = {}\n", "ModuleNotFoundError"),
        ("MANIFEST = {'name': 'broken', 'version': '1'}\nx = (\n", "SyntaxError"),
        ("MANIFEST = {'name': 'Bad Name', 'version': '1'}\n", "bad MANIFEST"),
        ("MANIFEST = {'name': 'broken', 'version': '1', 'description': {'en': 1}}\n",
         "'description' must be a text or a map"),
        (
            "from formflow.plugins import hookimpl\n"
            "MANIFEST = {'name': 'broken', 'version': '1'}\n"
            "@hookimpl\ndef record_validte(record):\n    return None\n",
            "record_validte",
        ),
    ],
    ids=["import error", "syntax error", "bad manifest", "bad description", "unknown hook"],
)
def test_a_broken_plugin_stops_start_up_naming_the_plugin_and_file(
    tmp_path, plugins_dir, source, expected
):
    write_plugin(plugins_dir, "broken", source)
    with pytest.raises(PluginLoadError) as error:
        create_app({
            "METADATA_PATH": [str(APPS)], "PLUGINS_PATH": [str(plugins_dir)],
            "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "x",
        })
    message = str(error.value)
    assert "plugin broken" in message and "broken.py" in message and expected in message


def test_an_import_error_names_the_line(tmp_path, plugins_dir):
    write_plugin(plugins_dir, "broken", "MANIFEST = {'name': 'broken', 'version': '1'}\n1 / 0\n")
    with pytest.raises(PluginLoadError, match=r"broken\.py:2: ZeroDivisionError"):
        create_app({
            "METADATA_PATH": [str(APPS)], "PLUGINS_PATH": [str(plugins_dir)],
            "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "x",
        })


def test_without_strict_mode_a_broken_plugin_is_disabled_and_listed(make_app, plugins_dir):
    write_plugin(plugins_dir, "broken", "import no_such_module\n")
    write_plugin(plugins_dir, "quality", QUALITY)
    app = make_app([APPS], PLUGINS_PATH=[str(plugins_dir)], PLUGINS_STRICT="0")
    plugins = {p.name: p for p in app.extensions["formflow"].plugins.plugins}
    assert plugins["broken"].error and not plugins["broken"].loaded
    assert plugins["quality"].loaded
    listing = app.test_cli_runner().invoke(main, ["plugins"]).output
    assert "broken" in listing and "disabled" in listing and "quality" in listing


FAILING = '''
from formflow.plugins import hookimpl

MANIFEST = {"name": "quality", "version": "1"}


@hookimpl
def record_after_save(record):
    raise RuntimeError("ledger is down")
'''


def test_a_plugin_raising_after_save_leaves_nothing_written(make_app, plugins_dir, api_for, caplog):
    write_plugin(plugins_dir, "quality", FAILING)
    app = make_app([APPS], PLUGINS_PATH=[str(plugins_dir)])
    api = _api(app, api_for)
    with caplog.at_level(logging.ERROR, logger="formflow.plugins"):
        response = api.post("shop/item", json={"name": "Tea", "price": "3"})
    assert response.status_code == 500
    assert "quality" in response.get_json()["detail"]
    assert "ledger is down" in caplog.text and "quality" in caplog.text
    assert api.get("shop/item").get_json()["total"] == 0


def test_a_slow_plugin_is_logged_and_timed(make_app, plugins_dir, api_for, caplog, monkeypatch):
    write_plugin(plugins_dir, "quality", QUALITY)
    monkeypatch.setattr("formflow.plugins.manager.SLOW_SECONDS", 0.0)
    app = make_app([APPS], PLUGINS_PATH=[str(plugins_dir)])
    with caplog.at_level(logging.WARNING, logger="formflow.plugins"):
        _api(app, api_for).post("shop/item", json={"name": "Tea", "price": "3"})
    assert "plugin quality took" in caplog.text
    timings = app.extensions["formflow"].plugins.timings
    assert timings[("quality", "record_validate")][1] == 1


def test_an_installed_distribution_is_found_through_its_entry_point(
    make_app, tmp_path, monkeypatch, api_for
):
    site = tmp_path / "site"
    (site / "shopguard-1.0.dist-info").mkdir(parents=True)
    (site / "shopguard-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: shopguard\nVersion: 1.0\n"
    )
    (site / "shopguard-1.0.dist-info" / "entry_points.txt").write_text(
        "[formflow]\nquality = shopguard_plugin\n"
    )
    (site / "shopguard_plugin.py").write_text(QUALITY)
    monkeypatch.syspath_prepend(str(site))
    app = make_app([APPS])
    plugins = {p.name: p for p in app.extensions["formflow"].plugins.plugins}
    assert plugins["quality"].source == "entry point quality (shopguard)"
    response = _api(app, api_for).post("shop/item", json={"name": "Gold", "price": "5000"})
    assert response.status_code == 422
    sys.modules.pop("shopguard_plugin", None)


def test_a_guard_s_own_code_takes_the_hook_arguments_and_not_the_injected_ones():
    """pluggy 1.7 reads an implementation's arguments from its code object, earlier
    versions from its signature: both must see the hook's own arguments only."""
    from formflow.plugins import hookimpl
    from formflow.plugins.loading import LoadedPlugin
    from formflow.plugins.manager import PluginSet

    seen = []

    class Probe:
        @hookimpl
        def record_validate(self, entity, record, settings, runtime, strict=False):
            seen.append((entity, record, dict(settings), runtime, strict))

    plugins = PluginSet([LoadedPlugin(name="probe", source="test", module=Probe())])
    (impl,) = plugins.manager.hook.record_validate.get_hookimpls()
    code = impl.function.__code__
    assert code.co_varnames[: code.co_argcount] == ("entity", "record")
    assert impl.argnames == ("entity", "record")
    plugins.runtime = "the runtime"
    plugins.manager.hook.record_validate(conn=None, user=None, entity="e", record={"a": 1},
                                         current=None)
    assert seen == [("e", {"a": 1}, {}, "the runtime", False)]
