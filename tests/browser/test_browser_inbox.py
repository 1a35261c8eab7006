"""Deciding from the inbox in a real browser, in Chinese and English, on a desktop and
on a 390 px wide phone: the manager approves one request with a comment in its row,
then the rest at once with "Approve selected".

Headless Debian Chromium driven by Playwright, as in ``test_browser.py`` (skipped
without that browser, except under CI).
"""

from __future__ import annotations

import pytest

from formflow.auth.users import set_profile
from support import browser_support
from support.browser_support import expect, sign_in_page
from support.process_helpers import LEAVE, PROCESS_APPS, Flow

chromium = browser_support.chromium
server = browser_support.server

TEXTS = {
    "en-US": {"requested": "Requested by Emma", "done": "Done.", "batch": "Approved 2 of 2."},
    "zh-CN": {"requested": "发起人：Emma", "done": "已处理。", "batch": "已同意 2 条，共 2 条。"},
}


@pytest.fixture
def metadata_path():
    return [PROCESS_APPS]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_manager_approves_from_the_inbox(chromium, server, runtime, make_user, locale,
                                             width):
    make_user("boss")
    emp = make_user("emp", manager="boss")
    with runtime.db.write() as conn:
        set_profile(conn, emp.id, display_name="Emma", email=None, language=None)
    flow = Flow(runtime)
    leaves = []
    for days in (1, 2, 3):
        record = flow.create(emp, LEAVE, kind="annual", days=days, reason="Trip")
        flow.act(emp, LEAVE, record["id"], "submit")
        leaves.append(record["id"])
    context = chromium.new_context(locale=locale, viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    texts = TEXTS[locale]
    try:
        sign_in_page(page, server, "boss")
        page.goto(f"{server}/inbox")
        rows = page.locator("#inbox-list .ff-inbox-todo > li")
        expect(rows).to_have_count(3)
        first = rows.first
        expect(first).to_contain_text(texts["requested"])
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        first.locator(".ff-quick-comment").fill("OK")
        first.locator("[data-action=approve]").click()
        expect(page.locator("#inbox-notice")).to_have_text(texts["done"])
        expect(rows).to_have_count(2)

        for index in range(2):
            rows.nth(index).locator("input[type=checkbox]").check()
        page.click("#inbox-batch-approve")
        expect(page.locator("#inbox-notice")).to_have_text(texts["batch"])
        expect(page.locator("#inbox-list .ff-empty")).to_be_visible()
    finally:
        context.close()
    assert [flow.state(LEAVE, record_id) for record_id in leaves] == ["approved"] * 3
    assert "OK" in [e.comment for e in flow.events(LEAVE, leaves[2])]
