"""The process builder's field permissions per step (表单权限): each field may be
changed, only read or hidden in a step, set with the usual ``set`` operations on
``processes/<p>/states/<s>``; the draft check refuses a hidden field a step's action
requires; renaming a field renames it where a step hides it."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft
from support.web_support import csrf

PAGE = "/designer/fleet/processes/vehicle_approval"
STEP = {"action": "set", "node": "step_1"}


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def page(admin_api, make_user, as_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    client = as_user("dana")
    client.post("/designer/fleet/processes", data={"csrf_token": csrf(client), "entity": "vehicle"})
    post(client, admin_api, action="step", edge="submit@draft>approved")
    return client


def post(client, api, **form) -> str:
    response = client.post(
        f"{PAGE}/ops",
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf(client), "revision": draft(api)["revision"], **form},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def step_1(api) -> dict:
    document = draft(api)["documents"]["processes/vehicle_approval.json"]
    return next(s for s in document["states"] if s["name"] == "step_1")


def errors(api) -> list[str]:
    return [p["message"] for p in draft(api)["problems"] if p["level"] == "error"]


def test_the_panel_sets_editable_read_only_and_hidden_per_field(page, admin_api):
    html = post(
        page,
        admin_api,
        **STEP,
        part="fields",
        access_plate="read",
        access_tel="editable",
        access_seats="hidden",
    )

    assert (step_1(admin_api).get("editable"), step_1(admin_api).get("hidden")) == (
        ["tel"],
        ["seats"],
    )
    assert errors(admin_api) == []
    assert 'data-field="seats" data-access="hidden"' in html
    assert 'data-field="tel" data-access="editable"' in html
    assert 'data-field="plate" data-access="read"' in html


def test_showing_every_field_again_removes_hidden(page, admin_api):
    post(page, admin_api, **STEP, part="fields", access_seats="hidden")
    assert step_1(admin_api)["hidden"] == ["seats"]

    post(page, admin_api, **STEP, part="fields", access_seats="read")

    assert "hidden" not in step_1(admin_api)


def test_the_panel_shows_the_choices_in_chinese(page, admin_api, as_user):
    post(page, admin_api, **STEP, part="fields", access_seats="hidden")

    html = as_user("dana", "zh-CN").get(f"{PAGE}?node=step_1").get_data(as_text=True)

    assert "只读" in html and "隐藏" in html and 'data-access="hidden"' in html


def test_a_hidden_field_the_step_requires_is_a_draft_problem(page, admin_api):
    post(page, admin_api, **STEP, part="fields", access_seats="hidden", required=["seats"])

    assert any("requires 'seats', which state 'step_1' hides" in m for m in errors(admin_api))


def test_renaming_a_field_renames_it_where_a_step_hides_it(page, admin_api):
    post(page, admin_api, **STEP, part="fields", access_seats="hidden")

    apply(
        admin_api, [{"op": "set", "path": "entities/vehicle/fields/seats/name", "value": "places"}]
    )

    assert step_1(admin_api)["hidden"] == ["places"]
    assert errors(admin_api) == []


def test_the_table_view_lists_hidden_fields_next_to_editable(page, admin_api, as_user):
    post(page, admin_api, **STEP, part="fields", access_tel="editable", access_seats="hidden")

    html = page.get(f"{PAGE}?view=table").get_data(as_text=True)

    row = html[html.index('data-access-of="step_1"') :]
    row = row[: row.index("</p>")]
    assert '<span data-access="editable">May change: <code>tel</code></span>' in row
    assert '<span data-access="hidden">Hidden: <code>seats</code></span>' in row
    assert "node=step_1" in row and 'data-access-of="approved"' not in html
    html = as_user("dana", "zh-CN").get(f"{PAGE}?view=table").get_data(as_text=True)
    assert "可修改: <code>tel</code>" in html and "隐藏: <code>seats</code>" in html


def test_a_computed_field_giving_a_hidden_one_away_is_a_draft_problem(page, admin_api):
    post(page, admin_api, **STEP, part="fields", access_seats="hidden")
    shout = {"type": "text", "compute": "upper(seats)"}

    apply(admin_api, [{"op": "add", "path": "entities/vehicle/fields/shout", "value": shout}])

    assert any(
        "state 'step_1' hides 'seats' but shows 'shout', which is computed from it" in m
        for m in errors(admin_api)
    ), errors(admin_api)
