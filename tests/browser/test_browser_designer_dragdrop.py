"""In a browser, the form designer's drag and drop: a field type dragged from the palette
onto the canvas becomes a field where it was dropped, and a field dragged by its handle
moves; the same moves by keyboard (the palette's and the ↑ ↓ buttons) give the same
draft.  Each move is checked in the draft the design API reads."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS, browser_support
from support.browser_support import expect, new_context, sign_in_page
from support.design_support import VEHICLE, apply, create_app, draft

chromium = browser_support.chromium
server = browser_support.server


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def page(chromium, server, make_user, admin_api):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    make_user("dana", roles=[DESIGNER_ROLE])
    context = new_context(chromium)
    page = context.new_page()
    sign_in_page(page, server, "dana")
    page.goto(f"{server}/designer/fleet/vehicle")
    expect(page.locator("#designer")).to_have_attribute("data-ff-ready", "true")
    yield page
    context.close()


def names(api) -> list[str]:
    return [f["name"] for f in draft(api)["documents"]["entities/vehicle.json"]["fields"]]


def at_revision(page, revision: int) -> None:
    expect(page.locator("#designer")).to_have_attribute("data-revision", str(revision))
    expect(page.locator("#designer")).to_have_attribute("data-ff-ready", "true")


def test_a_palette_type_dragged_onto_the_canvas_and_a_field_dragged_by_its_handle(page, admin_api):
    page.fill("#new-label", "Mileage")
    page.locator("[data-ff-palette] [data-type=integer]").drag_to(
        page.locator("[data-ff-canvas] [data-field=tel]")
    )
    at_revision(page, 3)
    expect(page.locator(".ff-saved")).to_be_visible()
    fields = draft(admin_api)["documents"]["entities/vehicle.json"]["fields"]
    mileage = next(f for f in fields if f["name"] == "mileage")
    assert mileage["type"] == "integer"
    assert names(admin_api).index("mileage") < names(admin_api).index("seats")

    before = names(admin_api)
    page.locator("[data-field=seats] [data-ff-handle]").drag_to(
        page.locator("[data-ff-canvas] [data-field=plate]"), target_position={"x": 5, "y": 2}
    )
    at_revision(page, 4)
    after = names(admin_api)
    assert after[0] == "seats"
    assert sorted(after) == sorted(before)
    expect(page.locator("[data-ff-canvas] > [data-field]").first).to_have_attribute(
        "data-field", "seats"
    )


def test_the_keyboard_path_adds_and_moves_fields_without_a_mouse(page, admin_api):
    page.focus("#new-label")
    page.keyboard.type("Colour")
    page.focus("[data-ff-palette] [data-type=text]")
    page.keyboard.press("Enter")
    at_revision(page, 3)
    assert names(admin_api) == ["plate", "tel", "seats", "colour"]
    page.focus("[data-field=colour] button[value=up]")
    page.keyboard.press("Enter")
    at_revision(page, 4)
    assert names(admin_api) == ["plate", "tel", "colour", "seats"]
    page.focus("[data-field=plate] button[value=down]")
    page.keyboard.press("Enter")
    at_revision(page, 5)
    assert names(admin_api) == ["tel", "plate", "colour", "seats"]
    expect(page.locator("[data-ff-canvas] > [data-field]")).to_have_count(4)
