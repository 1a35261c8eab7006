"""Line items in a real browser, in Chinese and English, on a desktop and a phone: the
product picker of a row searches as the user types, its choices are not clipped by the
table, and choosing a product fills the row's unit price and unit."""

from __future__ import annotations

import pytest

from support import browser_support
from support.app_fixtures import app, database_url, template  # noqa: F401 (fixtures)
from support.browser_support import DESKTOP, PHONE, expect, new_context, sign_in_page

chromium = browser_support.chromium
server = browser_support.server

SCREENS = [
    pytest.param("en-US", DESKTOP, id="en-desktop"),
    pytest.param("zh-CN", DESKTOP, id="zh-desktop"),
    pytest.param("en-US", PHONE, id="en-phone"),
    pytest.param("zh-CN", PHONE, id="zh-phone"),
]


@pytest.fixture
def seller(make_user):
    return make_user("sally", roles=["sales_manager", "sales_rep"])


@pytest.fixture
def products(runtime, make_user):
    keeper = make_user("paul", roles=["admin"])
    for name, sku, unit, price in (
        ("Bolt M8", "BOLT-M8", "box", "2.50"),
        ("Nut M8", "NUT-M8", "pcs", "0.90"),
        ("Washer", "WASH-8", "pcs", "0.10"),
    ):
        runtime.records.create(keeper, "inventory.product", {
            "name": name, "sku": sku, "category": "spare_parts", "unit": unit, "price": price,
        })


@pytest.mark.parametrize(("locale", "width"), SCREENS)
def test_choosing_a_product_in_a_row_filters_and_fills_unit_price_and_unit(
    chromium, server, seller, products, locale, width
):
    context = new_context(chromium, locale, width)
    page = context.new_page()
    sign_in_page(page, server, "sally")
    page.goto(f"{server}/inventory/sales_order/new")
    page.click("button[value='add:lines']")
    page.locator("#f-lines-0-product").click()
    page.locator("#f-lines-0-product").press_sequentially("Nut")
    options = page.locator("#opt-lines-0-product .ff-option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Nut M8")
    # the choices are drawn over the page, not cut off by the table around them
    page.locator("#opt-lines-0-product .ff-option").last.scroll_into_view_if_needed()
    box = page.locator("#opt-lines-0-product").bounding_box()
    assert box is not None and box["height"] > 20
    assert page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('#opt-lines-0-product') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    options.first.click()
    expect(page.locator("#f-lines-0-unit_price")).to_have_value("0.90")
    expect(page.locator("#out-lines-0-unit")).to_have_text("个" if locale == "zh-CN" else "piece")
    context.close()
