"""In a browser, a business user with the designer role builds an app in the designer
(an entity with a text field and a select field, through the palette's and the canvas's
buttons), publishes it, and an end user then creates a record with it."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS, browser_support
from support.browser_support import expect, new_context, sign_in_page

chromium = browser_support.chromium
server = browser_support.server


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


def at_revision(page, revision: int) -> None:
    expect(page.locator("#designer")).to_have_attribute("data-revision", str(revision))


def test_a_designer_builds_and_publishes_an_app_an_end_user_uses(chromium, server, make_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    make_user("eve")
    context = new_context(chromium)
    page = context.new_page()
    sign_in_page(page, server, "dana")
    page.click("#nav-designer")
    page.fill("#app-name", "fleet")
    page.fill("#app-label-zh", "车队")
    page.fill("#app-label-en", "Fleet")
    page.click("#new-app button[type=submit]")
    page.fill("#entity-en-fleet", "Vehicle")
    page.click("#app-fleet button[type=submit]")
    page.wait_for_url(f"{server}/designer/fleet/vehicle")
    at_revision(page, 2)

    page.fill("#new-label", "Plate")
    page.click("[data-ff-palette] [data-type=text]")
    at_revision(page, 3)
    expect(page.locator(".ff-saved")).to_have_text("Saved ✓")
    page.locator("#p-required").check()
    at_revision(page, 4)
    page.fill("#new-label", "Colour")
    page.click("[data-ff-palette] [data-type=select]")
    at_revision(page, 5)
    page.fill("#p-options", "red | Red | 红 | red\nblue | Blue | 蓝 | blue")
    page.locator("#p-options").blur()
    at_revision(page, 6)
    page.click("[data-field=colour] button[value=up]")
    at_revision(page, 7)
    expect(page.locator("[data-ff-canvas] > [data-field]").first).to_have_attribute(
        "data-field", "colour")

    page.click("text=Publish")
    page.click("#publish-form button[type=submit]")
    expect(page.locator("[data-version='1']")).to_be_visible()
    context.close()

    context = new_context(chromium)
    page = context.new_page()
    sign_in_page(page, server, "eve")
    page.goto(f"{server}/fleet/vehicle/new")
    page.fill("[name=plate]", "沪A12345")
    page.select_option("[name=colour]", "blue")
    page.click("#record-form button[type=submit]")
    expect(page.locator("body")).to_contain_text("沪A12345")
    expect(page.locator("body")).to_contain_text("Blue")
    context.close()
