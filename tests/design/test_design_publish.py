"""Publishing site apps: the plan in words against the live tables, publish, versions,
restore, and what the runtime serves afterwards."""

from __future__ import annotations

import pytest

from support import TEST_APPS
from support.design_support import apply, create_app, draft, fleet, publish


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def api(admin_api):
    admin_api.headers["Accept-Language"] = "en"
    return admin_api


def add_vehicles(api, values: list[dict]) -> None:
    for value in values:
        response = api.post("fleet/vehicle", json=value)
        assert response.status_code == 201, response.get_json()


def test_a_published_entity_takes_records_through_the_records_api(api, runtime):
    fleet(api)
    response = api.post("fleet/vehicle", json={"plate": "沪A12345", "tel": "123"})
    assert response.status_code == 201, response.get_json()
    assert api.get("fleet/vehicle").get_json()["total"] == 1
    items = {i["name"]: i for i in api.get("design/apps").get_json()["items"]}
    assert items["fleet"]["version"] == 1


def test_the_plan_of_a_new_app_creates_its_tables(api):
    create_app(api)
    apply(api, [{"op": "add", "path": "entities/car",
                 "value": {"fields": [{"name": "plate", "type": "text"}]}}])
    plan = api.get("design/apps/fleet/plan").get_json()
    assert plan["problems"] == []
    assert plan["steps"][0] == {"text": "creates the table of entity car", "destructive": False,
                                "rows": 0}


def test_the_plan_says_a_rename_keeps_the_values(api):
    fleet(api)
    add_vehicles(api, [{"plate": "A1", "tel": "1"}, {"plate": "A2", "tel": "2"},
                       {"plate": "A3"}])
    apply(api, [{"op": "set", "path": "entities/vehicle/fields/tel/name", "value": "phone"}])
    field = draft(api)["documents"]["entities/vehicle.json"]["fields"][1]
    assert field == {"name": "phone", "type": "text", "renamed_from": "tel"}
    plan = api.get("design/apps/fleet/plan").get_json()
    assert plan == {"problems": [], "steps": [
        {"text": "renames tel → phone keeping 2 values", "destructive": False, "rows": 2}]}
    chinese = api.get("design/apps/fleet/plan", headers={"Accept-Language": "zh-CN"})
    assert chinese.get_json()["steps"][0]["text"] == "将 tel 改名为 phone，保留 2 个值"
    assert publish(api)["version"] == 2
    assert api.get("fleet/vehicle?sort=plate").get_json()["items"][0]["phone"] == "1"


def test_the_plan_names_the_rows_a_type_change_cannot_convert(api):
    fleet(api)
    add_vehicles(api, [{"plate": "A1", "seats": "5"}, {"plate": "A2", "seats": "abc"},
                       {"plate": "A3", "seats": "7"}])
    bad = api.get("fleet/vehicle?seats=abc").get_json()["items"][0]["id"]
    apply(api, [{"op": "set", "path": "entities/vehicle/fields/seats/type", "value": "integer"}])
    plan = api.get("design/apps/fleet/plan").get_json()
    assert plan["problems"] == [{"path": "entities/vehicle/fields/seats",
                                 "message": f"1 row cannot become integer: #{bad} 'abc'"}]
    response = api.post("design/apps/fleet/publish", json={})
    assert response.status_code == 422
    assert response.get_json()["problems"] == plan["problems"]
    assert api.get("fleet/vehicle?seats=abc").get_json()["total"] == 1


def test_a_type_change_every_row_allows_converts_them(api):
    fleet(api)
    add_vehicles(api, [{"plate": "A1", "seats": "5"}, {"plate": "A2"}])
    apply(api, [{"op": "set", "path": "entities/vehicle/fields/seats/type", "value": "integer"}])
    steps = api.get("design/apps/fleet/plan").get_json()["steps"]
    assert steps == [{"text": "converts column seats of vehicle (1 value)", "destructive": False,
                      "rows": 1}]
    publish(api)
    assert api.get("fleet/vehicle?plate=A1").get_json()["items"][0]["seats"] == 5


def test_removing_a_published_field_needs_confirming_and_then_drops_it(api):
    fleet(api)
    add_vehicles(api, [{"plate": "A1", "tel": "1"}])
    apply(api, [{"op": "remove", "path": "entities/vehicle/fields/tel"}])
    step = {"text": "drops column tel of vehicle, losing 1 value", "destructive": True,
            "rows": 1}
    assert api.get("design/apps/fleet/plan").get_json()["steps"] == [step]
    refused = publish(api, status=409)
    assert refused["steps"] == [step]
    assert "tel" in api.get("fleet/vehicle").get_json()["items"][0]
    assert publish(api, confirm_destructive=True)["version"] == 2
    assert "tel" not in api.get("fleet/vehicle").get_json()["items"][0]


def test_hiding_a_field_keeps_its_data(api):
    fleet(api)
    add_vehicles(api, [{"plate": "A1", "tel": "1"}])
    apply(api, [{"op": "hide", "path": "entities/vehicle/fields/tel"}])
    assert api.get("design/apps/fleet/plan").get_json()["steps"] == []
    publish(api)
    assert api.get("fleet/vehicle").get_json()["items"][0]["tel"] == "1"


def test_a_draft_with_problems_is_not_published(api):
    fleet(api)
    apply(api, [{"op": "set", "path": "entities/vehicle/fields/tel/visible_if", "value": "x =="}])
    plan = api.get("design/apps/fleet/plan").get_json()
    assert plan["problems"][0]["path"] == "entities/vehicle/fields/tel/visible_if"
    body = publish(api, status=422)
    assert body["problems"][0]["path"] == "entities/vehicle/fields/tel/visible_if"
    assert [v["version"] for v in api.get("design/apps/fleet/versions").get_json()["items"]] == [1]


def test_versions_list_author_and_note_and_restore_makes_the_draft_a_version(api):
    fleet(api)
    apply(api, [{"op": "set", "path": "app/label", "value": "Fleet 2"}])
    publish(api, note="renamed")
    versions = api.get("design/apps/fleet/versions").get_json()["items"]
    assert [(v["version"], v["author"], v["note"]) for v in versions] == [
        (2, "admin", "renamed"), (1, "admin", "first")]
    assert versions[0]["changes"] == ["app: changes label"]
    assert versions[1]["changes"] == ["adds app", "adds entity vehicle"]
    body = api.post("design/apps/fleet/versions/1/restore").get_json()
    assert body["documents"]["app.json"]["label"] == {"en": "Fleet"}
    assert draft(api)["documents"]["app.json"]["label"] == {"en": "Fleet"}
    assert api.post("design/apps/fleet/versions/9/restore").status_code == 404
    api.post("design/apps/fleet/draft/undo")
    assert draft(api)["documents"]["app.json"]["label"] == "Fleet 2"


def test_another_worker_loads_a_published_app(api, app, make_app):
    fleet(api)
    other = make_app([str(TEST_APPS / "valid" / "shop")])
    assert "fleet" in other.extensions["formflow"].model.apps
    assert other.extensions["formflow"].model.apps["fleet"].entities["vehicle"].field("plate")


def test_formflow_check_and_migrate_know_published_site_apps(api, runtime, monkeypatch,
                                                             tmp_path):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from formflow import create_app
    from formflow.cli import main
    from formflow.design import drafts

    made = []

    def make():
        made.append(create_app())
        return made[-1]

    fleet(api)
    monkeypatch.setenv("FORMFLOW_DATABASE_URL", runtime.settings["DATABASE_URL"])
    monkeypatch.setenv("FORMFLOW_METADATA_PATH", str(TEST_APPS / "valid" / "shop"))
    monkeypatch.setenv("FORMFLOW_PLUGINS_PATH", str(tmp_path / "no-plugins"))
    monkeypatch.setenv("FORMFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("FORMFLOW_SECRET_KEY", "x")

    def cli(*args):
        try:
            return CliRunner().invoke(main, list(args), catch_exceptions=False,
                                      obj=ScriptInfo(create_app=make))
        finally:
            for made_app in made:
                made_app.extensions["formflow"].db.dispose()

    assert cli("migrate", "--plan").output.strip() == "Nothing to change."
    # a published version broken by hand is what check reports
    with runtime.db.write() as conn:
        documents = drafts.read_version(conn, "fleet", 1)
        documents["entities/vehicle.json"]["fields"][0]["type"] = "texty"
        conn.execute(drafts.design_versions.update().values(documents=documents))
    result = cli("check")
    assert result.exit_code == 1
    assert "fleet/entities/vehicle.json: fields/0/type" in result.output
