"""In a browser, a designer customises a shipped app and settles its customisations on
the overlays page: hides a shipped option in the form designer, accepts a conflict,
drops an orphan, resets an element to shipped and forks a process."""

from __future__ import annotations

import shutil

import pytest

from formflow.design.service import DESIGNER_ROLE, DesignService
from support import TEST_APPS, browser_support
from support.browser_support import expect, new_context, sign_in_page

chromium = browser_support.chromium
server = browser_support.server


@pytest.fixture
def metadata_path(tmp_path):
    folder = tmp_path / "apps" / "shop"
    shutil.copytree(TEST_APPS / "valid" / "shop", folder)
    return [str(folder)]


def upgraded(runtime, admin) -> None:
    """An overlay as an upgrade leaves it: a conflict and an orphan."""
    DesignService(runtime).replace_overlay(admin, "shop", [
        {"op": {"op": "set", "path": "entities/product/fields/sku/label", "value": "Article"},
         "was": {"value": "Old SKU"}},
        {"op": {"op": "hide", "path": "entities/product/fields/gone"},
         "was": {"value": {"name": "gone", "type": "text"}}},
    ])


def row(page, path: str):
    return page.locator("table.ff-overlays tbody tr", has=page.locator(
        "code.ff-overlay-path", has_text=path))


def test_a_designer_settles_the_customisations_of_a_shipped_app(
        chromium, server, make_user, runtime, admin):
    upgraded(runtime, admin)
    make_user("dana", roles=[DESIGNER_ROLE])
    context = new_context(chromium)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in_page(page, server, "dana")

    page.goto(f"{server}/designer/shop/product?field=category")
    revision = int(page.locator("#designer").get_attribute("data-revision"))
    page.fill("#p-options", "kitchen\noffice")
    page.locator("#p-options").blur()
    expect(page.locator("#designer")).to_have_attribute("data-revision", str(revision + 1))

    page.goto(f"{server}/designer/")
    page.click("#app-shop .ff-overlays-link")
    page.wait_for_url(f"{server}/designer/shop/overlays")
    sku = row(page, "entities/product/fields/sku/label")
    expect(sku).to_have_attribute("data-status", "conflict")
    expect(row(page, "entities/product/fields/gone")).to_have_attribute("data-status", "orphan")
    expect(row(page, "options/garden")).to_have_attribute("data-status", "applied")

    sku.locator("[data-action=accept]").click()
    expect(page.locator("#flashes")).to_contain_text("The shipped value is accepted")
    expect(row(page, "entities/product/fields/sku/label")).to_have_attribute(
        "data-status", "applied")

    row(page, "entities/product/fields/gone").locator("[data-action=drop]").click()
    expect(row(page, "entities/product/fields/gone")).to_have_count(0)

    page.fill("#reset-path", "entities/product/fields/category")
    page.click("#reset-form button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("reset to shipped")
    expect(row(page, "options/garden")).to_have_count(0)

    page.select_option("#fork-process", "order_flow")
    page.click("#fork-form button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("x_order_flow")
    expect(row(page, "processes/x_order_flow")).to_have_attribute("data-status", "applied")
    context.close()
