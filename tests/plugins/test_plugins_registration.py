"""The registration hooks (field types, expression functions, record actions, pages,
menu links, notification kinds, jobs, tables, template folders, startup), plugin
settings, and what a failing job does."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from formflow import create_app
from formflow.cli import main
from formflow.fields.columns import utcnow
from formflow.metadata.problems import MetadataError
from formflow.plugins.jobs import plugin_jobs
from formflow.plugins.manager import PluginLoadError
from support.plugin_support import HOOK_APPS, MEMOS, TYPE_APPS, write_plugin
from support.process_helpers import run_together
from support.web_support import sign_in

HEADER = '''
import sqlalchemy as sa
from flask import Blueprint, jsonify
from formflow.errors import ServiceError
from formflow.fields.base import FieldValueError
from formflow.fields.text import TextType
from formflow.plugins import Job, RecordAction, hookimpl, message

MANIFEST = {"name": "probe", "version": "1", "settings": {"limit": 3, "label": "x",
            "strict": False, "tags": ["a"]}}
CALLS = []
'''
TYPES = HEADER + '''
class SerialCode(TextType):
    name = "serial_code"

    def coerce(self, field, value):
        if not value.startswith("SN-"):
            raise FieldValueError(message({"en": "Serials start with SN-.",
                                           "zh-CN": "序列号以 SN- 开头。"}))
        return value


@hookimpl
def register_field_types():
    return [SerialCode()]


@hookimpl
def register_expression_functions():
    return {"twice": lambda value: None if value is None else value * 2}
'''


def config(tmp_path, plugins, apps=(HOOK_APPS,), **extra):
    return {"METADATA_PATH": [str(a) for a in apps], "PLUGINS_PATH": [str(plugins)],
            "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "x", **extra}


# -- field types and expression functions --------------------------------------------------


def test_hook_register_field_types(plugin_env):
    env = plugin_env(TYPES, apps=[TYPE_APPS])
    api = env.api("ann")
    refused = api.post("gizmo/gizmo", json={"serial": "X-1"}, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"serial": ["Serials start with SN-."]}
    assert api.post("gizmo/gizmo", json={"serial": "SN-1"}).status_code == 201
    assert env.runtime.field_types["serial_code"].name == "serial_code"


def test_metadata_using_an_unregistered_type_does_not_load(tmp_path):
    with pytest.raises(MetadataError, match="unknown field type 'serial_code'"):
        create_app(config(tmp_path, tmp_path / "none", apps=[TYPE_APPS]))


def test_a_field_type_may_not_replace_a_built_in_one(tmp_path):
    folder = write_plugin(tmp_path / "plugins", "probe", TYPES.replace(
        'name = "serial_code"', 'name = "text"'))
    with pytest.raises(PluginLoadError, match="plugin probe: field type 'text' already exists"):
        create_app(config(tmp_path, folder))


def test_hook_register_expression_functions(plugin_env):
    env = plugin_env(TYPES, apps=[TYPE_APPS])
    record = env.api("ann").post("gizmo/gizmo", json={"serial": "SN-2", "amount": 21}).get_json()
    assert record["double"] == 42
    assert "twice" in env.runtime.internal_records.context(env.user("ann")).functions


def test_an_expression_function_may_not_replace_a_built_in_one(tmp_path):
    folder = write_plugin(tmp_path / "plugins", "probe", TYPES.replace('"twice"', '"sum"'))
    with pytest.raises(PluginLoadError, match="expression function 'sum' already exists"):
        create_app(config(tmp_path, folder, apps=[HOOK_APPS]))


# -- record actions ----------------------------------------------------------------------------

ACTIONS = HEADER + '''
def stamp(conn, user, entity, record, params, runtime):
    CALLS.append((user.username, record["id"], params))
    if params.get("fail"):
        runtime.internal_records.change_in(conn, user, entity, record, {"note": "half done"})
        raise RuntimeError("stamp pad dry")
    saved = runtime.internal_records.change_in(conn, user, entity, record, {"note": "stamped"})
    return {"version": saved["_version"]}


@hookimpl
def register_record_actions():
    return [RecordAction("stamp", {"en": "Stamp", "zh-CN": "盖章"}, stamp,
                         entities=["memo"], roles=["reviewer"], confirm="Stamp it?")]
'''


def test_hook_register_record_actions(plugin_env):
    env = plugin_env(ACTIONS)
    owner, reviewer = env.api("ann"), env.api("rita", ["reviewer"])
    record_id = owner.post(MEMOS, json={"title": "Plan"}).get_json()["id"]
    path = f"{MEMOS}/{record_id}/plugin-actions"
    assert owner.get(path).get_json()["items"] == []
    listed = reviewer.get(path, headers={"Accept-Language": "zh-CN"}).get_json()["items"]
    assert listed == [{"name": "stamp", "label": "盖章", "plugin": "probe",
                       "confirm": "Stamp it?"}]
    assert owner.post(f"{path}/stamp").status_code == 403
    done = reviewer.post(f"{path}/stamp", json={"by": "rita"})
    assert done.status_code == 200
    assert done.get_json()["result"] == {"version": 2}
    assert done.get_json()["record"]["note"] == "stamped"
    assert env.calls == [("rita", record_id, {"by": "rita"})]
    assert reviewer.post(f"{path}/unknown").status_code == 404
    assert reviewer.post(f"{MEMOS}/999/plugin-actions/stamp").status_code == 404


def test_a_failing_record_action_keeps_nothing_and_names_the_plugin(plugin_env, caplog):
    env = plugin_env(ACTIONS)
    reviewer = env.api("rita", ["reviewer"])
    record_id = env.api("ann").post(MEMOS, json={"title": "Plan"}).get_json()["id"]
    with caplog.at_level(logging.ERROR, logger="formflow.plugins"):
        failed = reviewer.post(f"{MEMOS}/{record_id}/plugin-actions/stamp", json={"fail": True},
                               headers={"Accept-Language": "en"})
    assert failed.status_code == 500 and "probe" in failed.get_json()["detail"]
    assert "stamp pad dry" in caplog.text
    record = reviewer.get(f"{MEMOS}/{record_id}").get_json()
    assert record["note"] is None and record["_version"] == 1


# -- pages and templates -----------------------------------------------------------------------

PAGES = HEADER + '''
hello = Blueprint("hello", __name__, url_prefix="/plugins/probe")


@hello.get("/hello")
def greet():
    from flask import url_for
    return jsonify(greeting="hello", url=url_for("plugin_probe.greet"))


@hookimpl
def register_pages():
    return hello
'''


def test_hook_register_pages(plugin_env):
    env = plugin_env(PAGES)
    response = env.app.test_client().get("/plugins/probe/hello")
    assert response.get_json() == {"greeting": "hello", "url": "/plugins/probe/hello"}
    assert "plugin_probe" in env.app.blueprints


def test_several_blueprints_of_a_plugin_are_named_after_each(plugin_env):
    source = PAGES.replace("return hello", 'return [hello, Blueprint("extra", __name__)]')
    env = plugin_env(source.replace("plugin_probe.greet", "plugin_probe_hello.greet"))
    assert {"plugin_probe_hello", "plugin_probe_extra"} <= set(env.app.blueprints)
    assert env.app.test_client().get("/plugins/probe/hello").status_code == 200


MENU = PAGES.replace("from formflow.plugins import", "from formflow.plugins import MenuLink,") + '''

@hello.get("/<app>/board")
def board(app):
    return f"board of {app}"


def reviewers_only(user, app, settings):
    CALLS.append((user.username, app, settings["limit"]))
    return "reviewer" in user.roles


@hookimpl
def register_menu_links():
    return [MenuLink("board", {"en": "Review board", "zh-CN": "审核看板"}, "plugin_probe.board",
                     visible=reviewers_only)]
'''


def test_hook_register_menu_links(plugin_env):
    env = plugin_env(MENU)
    env.user("ann")
    env.user("rita", ["reviewer"])
    client = env.app.test_client()
    sign_in(client, "rita")
    home = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert home.count('href="/plugins/probe/memo/board"') == 2  # navbar and home page
    assert "审核看板" in home
    assert ("rita", "memo", 3) in env.calls
    assert client.get("/plugins/probe/memo/board").get_data(as_text=True) == "board of memo"
    other = env.app.test_client()
    sign_in(other, "ann")
    assert "/plugins/probe/memo/board" not in other.get("/").get_data(as_text=True)


ADMIN = PAGES.replace("from formflow.plugins import",
                      "from formflow.plugins import MenuLink,") + '''

@hello.get("/admin")
def desk():
    return "the probe's desk"


@hookimpl
def register_admin_links():
    return [MenuLink("desk", {"en": "Probe desk", "zh-CN": "探针台"}, "plugin_probe.desk")]


@hookimpl
def register_admin_log_actions():
    return ["probe.adjust", "user.create"]
'''


def test_hook_register_admin_links(plugin_env):
    env = plugin_env(ADMIN)
    env.user("root", ["admin"])
    client = env.app.test_client()
    sign_in(client, "root")
    page = client.get("/admin/users", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="/plugins/probe/admin"' in page and "探针台" in page
    bare = plugin_env(PAGES)  # no admin link registered: no tab
    bare.user("root", ["admin"])
    other = bare.app.test_client()
    sign_in(other, "root")
    assert 'href="/plugins/probe/admin"' not in other.get("/admin/users").get_data(as_text=True)


def test_hook_register_admin_log_actions(plugin_env):
    env = plugin_env(ADMIN)
    actions = env.runtime.admin_log.actions
    assert actions[-1] == "probe.adjust" and actions.count("user.create") == 1
    env.user("root", ["admin"])
    client = env.app.test_client()
    sign_in(client, "root")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert 'value="probe.adjust"' in page


KINDS = HEADER + '''
@hookimpl
def register_notification_kinds():
    return {"stamped": {"en": ("Stamped", "{entity} “{title}” was stamped."),
                        "zh-CN": ("已盖章", "{entity}“{title}”已盖章。")}}


@hookimpl
def record_after_save(conn, user, entity, record, current, runtime):
    if current is not None:
        runtime.notifications.send(conn, [user.id, user.id], "stamped", entity.qualified_name,
                                   record["id"])
'''


def test_hook_register_notification_kinds(plugin_env, tmp_path):
    env = plugin_env(KINDS)
    ann = env.api("ann")
    record_id = ann.post(MEMOS, json={"title": "Plan"}).get_json()["id"]
    assert ann.get("notifications").get_json()["items"] == []
    ann.patch(f"{MEMOS}/{record_id}", json={"note": "ok"})
    items = ann.get("notifications", headers={"Accept-Language": "en"}).get_json()["items"]
    assert [(i["kind"], i["subject"], i["text"]) for i in items] == [
        ("stamped", "Stamped: Plan", "Memo “Plan” was stamped.")]  # once per person
    items = ann.get("notifications", headers={"Accept-Language": "zh-CN"}).get_json()["items"]
    assert items[0]["text"] == "备忘“Plan”已盖章。"
    with env.runtime.db.write() as conn, pytest.raises(ValueError, match="unknown notification"):
        env.runtime.notifications.send(conn, [1], "stampd", "memo.memo", record_id)

    for kinds, problem in (
        ({"task": {"en": ("a", "b"), "zh-CN": ("a", "b")}}, "'task' is already taken"),
        ({"Stamped": {"en": ("a", "b"), "zh-CN": ("a", "b")}}, "must be lower_snake_case"),
        ({"stamped": {"en": ("a", "b")}}, "needs \\(subject, sentence\\) for zh-CN and en"),
    ):
        folder = write_plugin(tmp_path / "bad_kinds", "probe", HEADER + f'''
@hookimpl
def register_notification_kinds():
    return {kinds!r}
''')
        with pytest.raises(PluginLoadError, match=f"plugin probe: notification kind.*{problem}"):
            create_app(config(tmp_path, folder))


def test_hook_template_folders(plugin_env, tmp_path):
    templates = tmp_path / "probe_templates"
    (templates / "records").mkdir(parents=True)
    (templates / "records" / "list-memo-memo.html").write_text(
        '{% extends "records/list.html" %}{% block title %}Memos by probe{% endblock %}')
    env = plugin_env(HEADER + f'''
@hookimpl
def template_folders():
    return [{str(templates)!r}]
''')
    env.user("ann")
    client = env.app.test_client()
    sign_in(client, "ann")
    assert "<title>Memos by probe</title>" in client.get("/memo/memo/").get_data(as_text=True)
    assert "Memos by probe" not in client.get("/").get_data(as_text=True)


def test_a_missing_template_folder_stops_start_up(tmp_path):
    folder = write_plugin(tmp_path / "plugins", "probe", HEADER + '''
@hookimpl
def template_folders():
    return ["/no/such/folder"]
''')
    with pytest.raises(PluginLoadError, match="template folder '/no/such/folder' does not exist"):
        create_app(config(tmp_path, folder))


# -- startup -------------------------------------------------------------------------------------


def test_hook_startup(plugin_env, tmp_path):
    env = plugin_env(HEADER + '''
@hookimpl
def startup(app, runtime):
    CALLS.append((app.name, sorted(runtime.model.apps), "plugin_probe" in app.blueprints))
''')
    assert env.calls == [("formflow", ["memo"], False)]
    folder = write_plugin(tmp_path / "broken", "probe", HEADER + '''
@hookimpl
def startup(app):
    raise ValueError("the licence key is missing")
''')
    with pytest.raises(PluginLoadError, match="plugin probe: startup failed.*licence key"):
        create_app(config(tmp_path, folder))


# -- tables --------------------------------------------------------------------------------------

TABLES = HEADER + '''
metadata = sa.MetaData()
notes = sa.Table("probe_notes", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("record_id", sa.Integer, nullable=False))


@hookimpl
def register_tables():
    return [notes]


@hookimpl
def record_after_save(conn, record):
    conn.execute(notes.insert().values(record_id=record["id"]))
'''


def test_hook_register_tables(plugin_env):
    env = plugin_env(TABLES)
    record_id = env.api("ann").post(MEMOS, json={"title": "Plan"}).get_json()["id"]
    with env.runtime.db.read() as conn:
        assert conn.execute(sa.text("SELECT record_id FROM probe_notes")).scalars().all() == [
            record_id]
    plan = env.app.test_cli_runner().invoke(main, ["migrate", "--plan"])
    assert "Nothing to change." in plan.output


def test_a_plugin_table_is_named_after_its_plugin(tmp_path):
    folder = write_plugin(tmp_path / "plugins", "probe", TABLES.replace('"probe_notes"', '"notes"'))
    with pytest.raises(PluginLoadError, match="table 'notes' must be a Table named probe_"):
        create_app(config(tmp_path, folder))


# -- jobs ------------------------------------------------------------------------------------------

JOBS = HEADER + '''
import time


def count(conn, now, settings):
    conn.execute(runs.insert().values(at=now.isoformat()))
    if settings["strict"]:
        raise RuntimeError("job exploded")
    return 1


def slow(db, now):
    CALLS.append(now)
    time.sleep(0.3)


metadata = sa.MetaData()
runs = sa.Table("probe_runs", metadata, sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("at", sa.String(40)))


@hookimpl
def register_tables():
    return [runs]


@hookimpl
def register_jobs():
    return [Job("count", count, interval="5m"), Job("slow", slow, interval=60)]
'''


def _runs(runtime) -> int:
    with runtime.db.read() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM probe_runs")).scalar()


def test_hook_register_jobs(plugin_env):
    env = plugin_env(JOBS)
    output = env.app.test_cli_runner().invoke(main, ["tick"]).output
    assert "Plugin jobs run: 2 (probe.count, probe.slow); items handled: 1" in output
    now = utcnow()
    assert env.runtime.jobs.run_due(now).run == []  # not due again yet
    assert env.runtime.jobs.run_due(now + timedelta(minutes=2)).run == ["probe.slow"]
    assert env.runtime.jobs.run_due(now + timedelta(minutes=6)).run == ["probe.count",
                                                                         "probe.slow"]
    assert _runs(env.runtime) == 2


def test_a_job_runs_once_however_many_ticks_run_at_once(plugin_env, make_app, tmp_path):
    env = plugin_env(JOBS)
    others = [make_app([HOOK_APPS], PLUGINS_PATH=[str(tmp_path / "plugins")]) for _ in range(2)]
    runtimes = [env.runtime] + [a.extensions["formflow"] for a in others]
    now = utcnow()
    reports = run_together(3, lambda i: runtimes[i].jobs.run_due(now))
    assert sum(r.run.count("probe.slow") for r in reports) == 1
    assert sum(r.run.count("probe.count") for r in reports) == 1


def test_a_failing_job_is_rolled_back_logged_and_retried_when_due(plugin_env, caplog):
    env = plugin_env(JOBS, PLUGIN_PROBE_STRICT="yes")
    now = utcnow()
    with caplog.at_level(logging.ERROR, logger="formflow.plugins"):
        report = env.runtime.jobs.run_due(now)
    assert report.failed == ["probe.count"] and report.run == ["probe.slow"]
    assert "plugin probe failed in job count" in caplog.text and "job exploded" in caplog.text
    assert _runs(env.runtime) == 0  # its transaction was rolled back
    with env.runtime.db.read() as conn:
        row = conn.execute(sa.select(plugin_jobs).where(plugin_jobs.c.name == "probe.count")).one()
    assert row.failures == 1 and "job exploded" in row.last_error and row.locked_until is None
    assert env.runtime.jobs.run_due(now + timedelta(minutes=5)).failed == ["probe.count"]


def test_jobs_are_listed_with_their_plugin_for_admins(plugin_env):
    env = plugin_env(JOBS)
    env.runtime.jobs.run_due()
    admin = env.api("admin")
    items = {p["name"]: p for p in admin.get("/api/v1/admin/plugins").get_json()["items"]}
    probe = items["probe"]
    assert probe["loaded"] and probe["apps"] == ["memo"] and probe["version"] == "1"
    assert [j["name"] for j in probe["jobs"]] == ["probe.count", "probe.slow"]
    assert probe["jobs"][0]["runs"] == 1 and probe["jobs"][0]["interval"] == 300
    assert items["process_engine"]["builtin"]
    assert env.api("ann").get("/api/v1/admin/plugins").status_code == 403


# -- settings and injected arguments -------------------------------------------------------------


def test_settings_come_from_the_manifest_overridden_by_config(plugin_env, monkeypatch):
    monkeypatch.setenv("FORMFLOW_PLUGIN_PROBE_LIMIT", "7")
    monkeypatch.setenv("FORMFLOW_PLUGIN_PROBE_TAGS", "b, c")
    env = plugin_env(HEADER + '''
@hookimpl
def record_validate(settings):
    CALLS.append(dict(settings))
''', PLUGIN_PROBE_STRICT="true", PLUGIN_PROBE_LABEL="from config")
    expected = {"limit": 7, "label": "from config", "strict": True, "tags": ["b", "c"]}
    assert dict(env.runtime.plugins.settings("probe")) == expected
    env.api("ann").post(MEMOS, json={"title": "Plan"})
    assert env.calls == [expected]


def test_a_setting_that_does_not_fit_its_default_stops_start_up(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMFLOW_PLUGIN_PROBE_LIMIT", "many")
    folder = write_plugin(tmp_path / "plugins", "probe", HEADER)
    with pytest.raises(PluginLoadError, match="FORMFLOW_PLUGIN_PROBE_LIMIT = 'many' is not a "
                                              "valid int"):
        create_app(config(tmp_path, folder))


def test_job_time_is_recorded(plugin_env):
    env = plugin_env(JOBS)
    started = time.perf_counter()
    env.runtime.jobs.run_due()
    assert time.perf_counter() - started >= 0.3
    assert env.runtime.plugins.timings[("probe", "job slow")][1] == 1
