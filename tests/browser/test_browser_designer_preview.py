"""In a browser: the designer's preview shows the draft's real form in a frame, at phone
width (390 px) when asked; a second designer on the same app is named as also editing,
and renaming a published field on the page is planned as a rename keeping its values."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS, browser_support
from support.browser_support import expect, new_context, sign_in_page
from support.design_support import VEHICLE, apply, create_app, publish

chromium = browser_support.chromium
server = browser_support.server


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def fleet(admin_api, make_user):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    make_user("dana", roles=[DESIGNER_ROLE])
    make_user("zoe", roles=[DESIGNER_ROLE])
    return admin_api


def test_the_preview_shows_the_drafts_form_at_phone_width(chromium, server, fleet):
    context = new_context(chromium)
    page = context.new_page()
    sign_in_page(page, server, "dana")
    page.goto(f"{server}/designer/fleet/vehicle")
    page.click("#open-preview")
    page.check("#preview-phone")
    page.click("#preview-form button[type=submit]")
    frame = page.locator("#preview-frame")
    expect(frame).to_have_class("ff-preview-frame ff-preview-phone")
    assert frame.bounding_box()["width"] == pytest.approx(390, abs=2)
    inner = page.frame_locator("#preview-frame")
    expect(inner.locator("[name=plate]")).to_have_value("Plate 1")
    page.select_option("#preview-view", "record")
    page.click("#preview-form button[type=submit]")
    expect(page.frame_locator("#preview-frame").locator("#record-body")).to_contain_text("Plate 1")
    context.close()


def test_a_second_designer_is_named_and_a_published_rename_keeps_values(chromium, server, fleet):
    publish(fleet)
    fleet.post("fleet/vehicle", json={"plate": "A1", "tel": "1"})
    other = new_context(chromium)
    zoe = other.new_page()
    sign_in_page(zoe, server, "zoe")
    zoe.goto(f"{server}/designer/fleet/vehicle")
    context = new_context(chromium)
    page = context.new_page()
    sign_in_page(page, server, "dana")
    page.goto(f"{server}/designer/fleet/vehicle?field=tel")
    expect(page.locator("#ff-editors")).to_contain_text("zoe")
    expect(page.locator("#ff-editors")).to_contain_text("also editing")
    page.fill("#p-name", "phone")
    page.locator("#p-name").blur()
    expect(page.locator(".ff-rename-hint")).to_contain_text("Published as tel")
    page.click("text=Publish")
    expect(page.locator(".ff-plan")).to_contain_text("renames tel → phone keeping 1 value")
    context.close()
    other.close()
