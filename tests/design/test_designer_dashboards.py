"""Dashboards built in the designer: the design operations on ``dashboards/<d>`` and the
editor pages, through publishing to the dashboard its readers see."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft, publish
from support.web_support import csrf

SEATS = {"name": "by_seats", "type": "bar", "entity": "vehicle", "group_by": "_created_by",
         "label": {"en": "By seats", "zh-CN": "按座位数"}}
FLEET = {"label": {"en": "Fleet", "zh-CN": "车队"},
         "widgets": [{"name": "records", "type": "number", "entity": "vehicle"}]}


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def fleet(admin_api):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])


@pytest.fixture
def page(fleet, make_user, as_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    return lambda lang="en": as_user("dana", lang)


def _dashboard(admin_api, name: str = "fleet_board") -> dict:
    return draft(admin_api)["documents"][f"dashboards/{name}.json"]


def test_operations_add_change_order_and_remove_widgets(fleet, admin_api):
    apply(admin_api, [{"op": "add", "path": "dashboards/fleet_board", "value": FLEET},
                      {"op": "add", "path": "dashboards/fleet_board/widgets/by_seats",
                       "value": SEATS, "after": ""},
                      {"op": "set", "path": "dashboards/fleet_board/widgets/records/label",
                       "value": {"en": "Vehicles"}}])
    board = _dashboard(admin_api)
    assert [w["name"] for w in board["widgets"]] == ["by_seats", "records"]
    assert board["widgets"][1]["label"] == {"en": "Vehicles"}
    assert board["name"] == "fleet_board"
    apply(admin_api, [{"op": "order", "path": "dashboards/fleet_board/widgets/by_seats",
                       "after": "records"},
                      {"op": "remove", "path": "dashboards/fleet_board/widgets/records"}])
    assert [w["name"] for w in _dashboard(admin_api)["widgets"]] == ["by_seats"]


def test_a_widget_on_a_missing_field_is_a_problem_that_blocks_publishing(fleet, admin_api):
    broken = {**FLEET, "widgets": [{**SEATS, "group_by": "colour"}]}
    result = apply(admin_api, [{"op": "add", "path": "dashboards/fleet_board",
                                "value": broken}])
    paths = [p["path"] for p in result["problems"]]
    assert any(p.startswith("dashboards/fleet_board/widgets/by_seats") for p in paths), paths
    refused = publish(admin_api, status=422)
    assert "dashboards/fleet_board" in str(refused)


def test_a_published_dashboard_is_shown_and_exported(fleet, admin_api, as_user, make_user):
    apply(admin_api, [{"op": "add", "path": "dashboards/fleet_board",
                       "value": {**FLEET, "widgets": [FLEET["widgets"][0], SEATS]}}])
    publish(admin_api, note="board")
    for plate in ("P1", "P2", "P3"):
        assert admin_api.post("fleet/vehicle", json={"plate": plate}).status_code == 201
    make_user("viewer")
    html = as_user("viewer", "zh-CN").get("/dashboards/fleet/fleet_board").get_data(
        as_text=True)
    assert "车队" in html and "按座位数" in html
    card = re.search(r'data-widget="records".*?data-value>([^<]*)<', html, re.S)
    assert card and card.group(1).strip() == "3"
    archive = admin_api.get("design/apps/fleet/export")
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert "fleet/dashboards/fleet_board.json" in names


@pytest.mark.parametrize(("lang", "words"), [("en", ["New dashboard", "Counts the records of"]),
                                            ("zh-CN", ["新建仪表盘", "统计哪类记录"])])
def test_the_dashboards_page_creates_one_with_a_count_of_an_entity(page, admin_api, lang,
                                                                   words):
    client = page(lang)
    html = client.get("/designer/fleet/dashboards").get_data(as_text=True)
    for word in words:
        assert word in html
    response = client.post("/designer/fleet/dashboards", data={
        "csrf_token": csrf(client), "revision": draft(admin_api)["revision"],
        "label_en": "Fleet board", "label_zh-CN": "车队看板", "entity": "vehicle"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/designer/fleet/dashboards/fleet_board")
    board = _dashboard(admin_api)
    assert board["label"] == {"en": "Fleet board", "zh-CN": "车队看板"}
    assert board["widgets"] == [{"name": "records", "type": "number", "entity": "vehicle",
                                 "label": {"en": "Records", "zh-CN": "记录数"}}]


def test_the_editor_adds_edits_moves_and_removes_widgets(page, admin_api):
    apply(admin_api, [{"op": "add", "path": "dashboards/fleet_board", "value": FLEET}])
    client = page("zh-CN")
    html = client.get("/designer/fleet/dashboards/fleet_board").get_data(as_text=True)
    assert "添加组件" in html and "数字卡片" in html

    def post(**form):
        form = {"csrf_token": csrf(client), "revision": draft(admin_api)["revision"], **form}
        response = client.post("/designer/fleet/dashboards/fleet_board", data=form)
        assert response.status_code == 302
        return response

    post(action="add_widget", **{"label_en": "By seats", "label_zh-CN": "按座位数"},
         type="bar", entity="vehicle", group_by="_created_by")
    assert _dashboard(admin_api)["widgets"][1] == SEATS
    post(action="widget", widget="by_seats", type="table", entity="vehicle",
         columns=["plate", "seats"], sort="-seats", limit="5", label_en="Biggest")
    assert _dashboard(admin_api)["widgets"][1] == {
        "name": "by_seats", "type": "table", "entity": "vehicle", "label": {"en": "Biggest"},
        "sort": "-seats", "columns": ["plate", "seats"], "limit": 5}
    post(action="move_up", widget="by_seats")
    assert [w["name"] for w in _dashboard(admin_api)["widgets"]] == ["by_seats", "records"]
    post(action="move_down", widget="by_seats")
    assert [w["name"] for w in _dashboard(admin_api)["widgets"]] == ["records", "by_seats"]
    post(action="settings", **{"label_zh-CN": "车队", "description_en": "All vehicles"},
         filters=["seats"])
    board = _dashboard(admin_api)
    assert (board["label"], board["description"], board["filters"]) == (
        {"zh-CN": "车队"}, {"en": "All vehicles"}, ["seats"])
    post(action="remove_widget", widget="records")
    assert [w["name"] for w in _dashboard(admin_api)["widgets"]] == ["by_seats"]
    response = post(action="remove")
    assert response.headers["Location"].endswith("/designer/fleet/dashboards")
    assert "dashboards/fleet_board.json" not in draft(admin_api)["documents"]


def test_a_stale_editor_form_changes_nothing_and_says_so(page, admin_api):
    apply(admin_api, [{"op": "add", "path": "dashboards/fleet_board", "value": FLEET}])
    client = page("en")
    stale = draft(admin_api)["revision"] - 1
    client.post("/designer/fleet/dashboards/fleet_board", data={
        "csrf_token": csrf(client), "revision": stale, "action": "remove_widget",
        "widget": "records"})
    assert [w["name"] for w in _dashboard(admin_api)["widgets"]] == ["records"]
    html = client.get("/designer/fleet/dashboards/fleet_board").get_data(as_text=True)
    assert "Someone else changed this draft meanwhile" in html


def test_the_editor_is_for_designers_only(fleet, admin_api, make_user, as_user):
    apply(admin_api, [{"op": "add", "path": "dashboards/fleet_board", "value": FLEET}])
    make_user("eve")
    client = as_user("eve", "en")
    assert client.get("/designer/fleet/dashboards/fleet_board").status_code == 403
    response = client.post("/designer/fleet/dashboards/fleet_board", data={
        "csrf_token": csrf(client), "action": "remove_widget", "widget": "records"})
    assert response.status_code == 403
    assert [w["name"] for w in _dashboard(admin_api)["widgets"]] == ["records"]
