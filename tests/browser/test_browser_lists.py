"""A list page in a real browser, in Chinese and English, on a desktop and a phone:
states as labelled badges and a state filter of ticks, the column chooser, the totals
row and a saved view."""

from __future__ import annotations

import re

import pytest

from support import browser_support
from support.browser_support import DESKTOP, PHONE, expect, new_context, sign_in_page
from support.process_helpers import LEAVE, PROCESS_APPS, Flow

chromium = browser_support.chromium
server = browser_support.server

SCREENS = [
    pytest.param("en-US", DESKTOP, id="en-desktop"),
    pytest.param("zh-CN", DESKTOP, id="zh-desktop"),
    pytest.param("en-US", PHONE, id="en-phone"),
    pytest.param("zh-CN", PHONE, id="zh-phone"),
]
WORDS = {
    "en-US": {"draft": "Draft", "days": "Days", "columns": "Columns", "views": "Views",
              "save": "Save view", "total": "Total"},
    "zh-CN": {"draft": "草稿", "days": "Days", "columns": "显示列", "views": "视图",
              "save": "保存视图", "total": "合计"},
}


@pytest.fixture
def metadata_path():
    return [PROCESS_APPS]


@pytest.fixture
def leaves(runtime, make_user):
    make_user("boss", roles=["hr_manager"])
    ann = make_user("ann", manager="boss")
    flow = Flow(runtime)
    for days in (2, 3, 5):
        flow.create(ann, LEAVE, kind="annual", days=days, reason="Trip")
    waiting = flow.create(ann, LEAVE, kind="sick", days=7, reason="Flu")
    flow.act(ann, LEAVE, waiting["id"], "submit")


@pytest.mark.parametrize(("locale", "width"), SCREENS)
def test_filter_by_state_choose_columns_see_totals_and_save_a_view(
    chromium, server, leaves, locale, width
):
    words = WORDS[locale]
    context = new_context(chromium, locale, width)
    page = context.new_page()
    sign_in_page(page, server, "ann")
    page.goto(f"{server}/flow/leave/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#results .ff-state-badge", has_text=words["draft"])).to_have_count(3)
    expect(page.locator(".ff-totals")).to_contain_text("17")  # 2 + 3 + 5 + 7 days

    page.locator("label[for='filter-state-draft']").click()
    expect(page).to_have_url(re.compile(r"_state__in=draft"))
    expect(rows).to_have_count(3)
    expect(page.locator(".ff-totals")).to_contain_text("10")

    page.locator("#list-columns > summary").click()
    page.locator("label[for='column-days']").click()
    expect(page.locator("#results thead")).not_to_contain_text(words["days"])
    expect(page.locator(".ff-totals")).to_have_count(0)
    page.locator("#list-columns > summary").click()

    page.locator("#list-views > summary").click()
    page.fill("#view-name", "Drafts")
    page.locator(".ff-save-view button[type=submit]").click()
    page.goto(f"{server}/flow/leave/")
    expect(rows).to_have_count(4)
    page.locator("#list-views > summary").click()
    page.locator("#list-views a", has_text="Drafts").click()
    expect(rows).to_have_count(3)
    expect(page.locator("#filter-state-draft")).to_be_checked()
    expect(page.locator("#results thead")).not_to_contain_text(words["days"])
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    context.close()
