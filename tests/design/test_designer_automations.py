"""Automations (智能助手) built in the designer: the design operations on
``app/automations/<name>``, the editor pages, and a published automation running."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from formflow.web.designer_process_ops import new_process
from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft, publish
from support.web_support import csrf

TRIP = {
    "label": {"en": "Trip", "zh-CN": "行程"},
    "fields": [{"name": "plate", "type": "text"}, {"name": "note", "type": "text"}],
    "permissions": [{"role": "user", "create": True, "read": "all", "update": "all"}],
}
LOG_TRIP = {
    "name": "log_trip",
    "label": {"en": "A new vehicle logs a trip"},
    "entity": "vehicle",
    "on": "create",
    "actions": [{"create": "trip", "values": {"plate": "plate"}}],
}
TELL = {
    "name": "tell",
    "entity": "vehicle",
    "on": "update",
    "fields": ["seats"],
    "actions": [{"notify": [{"role": "admin"}]}],
}


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def fleet(admin_api):
    create_app(admin_api)
    apply(
        admin_api,
        [
            {"op": "add", "path": "entities/vehicle", "value": VEHICLE},
            {"op": "add", "path": "entities/trip", "value": TRIP},
        ],
    )


@pytest.fixture
def page(fleet, make_user, as_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    return lambda lang="en": as_user("dana", lang)


def _automations(admin_api) -> list[dict]:
    return draft(admin_api)["documents"]["app.json"].get("automations", [])


def test_operations_add_set_order_and_remove_automations(fleet, admin_api):
    result = apply(
        admin_api,
        [
            {"op": "add", "path": "app/automations/log_trip", "value": LOG_TRIP},
            {"op": "add", "path": "app/automations/tell", "value": TELL, "after": ""},
            {"op": "set", "path": "app/automations/log_trip/when", "value": "seats != ''"},
        ],
    )
    assert result["problems"] == []
    assert [a["name"] for a in _automations(admin_api)] == ["tell", "log_trip"]
    assert _automations(admin_api)[1]["when"] == "seats != ''"
    apply(
        admin_api,
        [
            {"op": "order", "path": "app/automations/tell", "after": "log_trip"},
            {"op": "set", "path": "app/automations/tell/active", "value": False},
        ],
    )
    assert [(a["name"], a.get("active")) for a in _automations(admin_api)] == [
        ("log_trip", None),
        ("tell", False),
    ]
    apply(admin_api, [{"op": "remove", "path": "app/automations/log_trip"}])
    assert [a["name"] for a in _automations(admin_api)] == ["tell"]
    refused = apply(admin_api, [{"op": "remove", "path": "app/automations/log_trip"}], status=422)
    assert "app/automations/log_trip" in str(refused)


def test_a_broken_automation_is_a_problem_under_its_path_that_blocks_publishing(
    fleet, admin_api, page
):
    broken = {**LOG_TRIP, "actions": [{"create": "trip", "values": {"colour": "plate"}}]}
    result = apply(admin_api, [{"op": "add", "path": "app/automations/log_trip", "value": broken}])
    paths = [p["path"] for p in result["problems"]]
    assert any(p.startswith("app/automations/log_trip") for p in paths), paths
    assert "app/automations/log_trip" in str(publish(admin_api, status=422))
    listed = page("en").get("/designer/fleet/automations").get_data(as_text=True)
    assert 'class="text-danger ff-problems">Problems' in listed
    html = page("en").get("/designer/fleet/automations/log_trip").get_data(as_text=True)
    assert "ff-problems" in html and "app/automations/log_trip" in html


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["New automation", "when a Vehicle is created", "create a trip"]),
        ("zh-CN", ["新建智能助手", "当车辆被创建时", "新建一条 trip"]),
    ],
)
def test_the_automations_page_lists_them_in_words_and_creates_one(page, admin_api, lang, words):
    apply(admin_api, [{"op": "add", "path": "app/automations/log_trip", "value": LOG_TRIP}])
    client = page(lang)
    html = client.get("/designer/fleet/automations").get_data(as_text=True)
    for word in words:
        assert word in html
    response = client.post(
        "/designer/fleet/automations",
        data={
            "csrf_token": csrf(client),
            "revision": draft(admin_api)["revision"],
            "label_en": "Seats changed",
            "label_zh-CN": "座位变更",
            "entity": "vehicle",
            "on": "update",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/designer/fleet/automations/seats_changed")
    assert _automations(admin_api)[1] == {
        "name": "seats_changed",
        "label": {"en": "Seats changed", "zh-CN": "座位变更"},
        "entity": "vehicle",
        "on": "update",
        "actions": [{"notify": [{"role": "admin"}]}],
    }


def test_the_editor_changes_the_trigger_and_the_actions_moves_and_removes(page, admin_api):
    apply(
        admin_api,
        [
            {"op": "add", "path": "app/automations/tell", "value": TELL},
            {"op": "add", "path": "app/automations/log_trip", "value": LOG_TRIP},
        ],
    )
    client = page("zh-CN")
    html = client.get("/designer/fleet/automations/log_trip").get_data(as_text=True)
    assert "添加动作" in html and "执行条件" in html

    def post(**form):
        form = {"csrf_token": csrf(client), "revision": draft(admin_api)["revision"], **form}
        response = client.post("/designer/fleet/automations/log_trip", data=form)
        assert response.status_code == 302
        return response

    post(
        action="trigger",
        label_en="Seats logged",
        entity="vehicle",
        on="save",
        fields="seats, plate",
        when="seats != ''",
    )
    automation = _automations(admin_api)[1]
    assert automation == {
        "name": "log_trip",
        "label": {"en": "Seats logged"},
        "entity": "vehicle",
        "on": "save",
        "fields": ["seats", "plate"],
        "when": "seats != ''",
        "active": False,
        "actions": LOG_TRIP["actions"],
    }
    post(
        action="action",
        index="0",
        kind="create",
        target="trip",
        values="plate = plate\nnote = 'seats: ' + seats",
    )
    post(action="add_action", kind="notify", notify="role: admin\nfield: _created_by")
    post(action="add_action", kind="webhook", target="https://example.com/hook")
    assert _automations(admin_api)[1]["actions"] == [
        {"create": "trip", "values": {"plate": "plate", "note": "'seats: ' + seats"}},
        {"notify": [{"role": "admin"}, {"field": "_created_by"}]},
        {"webhook": "https://example.com/hook"},
    ]
    post(action="remove_action", index="1")
    assert [list(a)[0] for a in _automations(admin_api)[1]["actions"]] == ["create", "webhook"]
    post(action="move_up")
    assert [a["name"] for a in _automations(admin_api)] == ["log_trip", "tell"]
    post(action="move_down")
    assert [a["name"] for a in _automations(admin_api)] == ["tell", "log_trip"]
    response = post(action="remove")
    assert response.headers["Location"].endswith("/designer/fleet/automations")
    assert [a["name"] for a in _automations(admin_api)] == ["tell"]


def test_an_unreadable_values_line_is_refused_with_nothing_saved(page, admin_api):
    apply(admin_api, [{"op": "add", "path": "app/automations/log_trip", "value": LOG_TRIP}])
    client = page("en")
    before = draft(admin_api)["revision"]
    client.post(
        "/designer/fleet/automations/log_trip",
        data={
            "csrf_token": csrf(client),
            "revision": before,
            "action": "action",
            "index": "0",
            "kind": "create",
            "target": "trip",
            "values": "plate is plate",
        },
    )
    assert draft(admin_api)["revision"] == before
    html = client.get("/designer/fleet/automations/log_trip").get_data(as_text=True)
    assert "field = expression" in html and "plate is plate" in html


def test_a_stale_editor_form_changes_nothing_and_says_so(page, admin_api):
    apply(admin_api, [{"op": "add", "path": "app/automations/log_trip", "value": LOG_TRIP}])
    client = page("en")
    stale = draft(admin_api)["revision"] - 1
    client.post(
        "/designer/fleet/automations/log_trip",
        data={"csrf_token": csrf(client), "revision": stale, "action": "remove"},
    )
    assert [a["name"] for a in _automations(admin_api)] == ["log_trip"]
    html = client.get("/designer/fleet/automations/log_trip").get_data(as_text=True)
    assert "Someone else changed this draft meanwhile" in html


def test_the_editor_is_for_designers_only(fleet, admin_api, make_user, as_user):
    apply(admin_api, [{"op": "add", "path": "app/automations/log_trip", "value": LOG_TRIP}])
    make_user("eve")
    client = as_user("eve", "en")
    assert client.get("/designer/fleet/automations").status_code == 403
    assert client.get("/designer/fleet/automations/log_trip").status_code == 403
    response = client.post(
        "/designer/fleet/automations/log_trip",
        data={"csrf_token": csrf(client), "action": "remove"},
    )
    assert response.status_code == 403
    assert [a["name"] for a in _automations(admin_api)] == ["log_trip"]


def test_an_automation_built_in_the_designer_runs_once_published(page, admin_api):
    client = page("en")
    client.post(
        "/designer/fleet/automations",
        data={
            "csrf_token": csrf(client),
            "revision": draft(admin_api)["revision"],
            "label_en": "Log trip",
            "entity": "vehicle",
            "on": "create",
        },
    )
    client.post(
        "/designer/fleet/automations/log_trip",
        data={
            "csrf_token": csrf(client),
            "revision": draft(admin_api)["revision"],
            "action": "action",
            "index": "0",
            "kind": "create",
            "target": "trip",
            "values": "plate = plate\nnote = 'new vehicle'",
        },
    )
    publish(admin_api, note="automation")
    created = admin_api.post("fleet/vehicle", json={"plate": "京A123"})
    assert created.status_code == 201, created.get_json()
    trips = admin_api.get("fleet/trip").get_json()
    assert [(t["plate"], t["note"]) for t in trips["items"]] == [("京A123", "new vehicle")]


def test_an_automation_on_entering_a_state_runs_when_the_record_is_approved(page, admin_api):
    apply(admin_api, new_process("vehicle_approval", "vehicle", {"en": "Approval"}))
    apply(admin_api, [{"op": "add", "path": "app/automations/log_trip", "value": LOG_TRIP}])
    client = page("en")
    client.post(
        "/designer/fleet/automations/log_trip",
        data={
            "csrf_token": csrf(client),
            "revision": draft(admin_api)["revision"],
            "action": "trigger",
            "label_en": "Approved vehicles log a trip",
            "entity": "vehicle",
            "on": "enter",
            "state": "approved",
            "active": "1",
        },
    )
    assert _automations(admin_api)[0]["state"] == "approved"
    publish(admin_api, note="on approval")
    vehicle = admin_api.post("fleet/vehicle", json={"plate": "沪A1"}).get_json()
    assert admin_api.get("fleet/trip").get_json()["items"] == []
    submitted = admin_api.post(f"fleet/vehicle/{vehicle['id']}/actions/submit", json={})
    assert submitted.get_json()["_state"] == "approved"
    assert [t["plate"] for t in admin_api.get("fleet/trip").get_json()["items"]] == ["沪A1"]
