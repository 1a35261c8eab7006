"""The insights pages in a real browser, in Chinese and English: a manager watches a
process (overdue task reminded from the page), compares two selections (box plot, steps,
verdicts) and opens a dashboard whose charts title their marks.

Headless Debian Chromium driven by Playwright, as in ``test_browser.py`` (skipped
without that browser, except under CI).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from formflow.fields.columns import utcnow
from formflow.process.tables import tasks
from support import TEST_APPS, browser_support
from support.browser_support import expect, new_context, sign_in_page
from support.process_helpers import LEAVE, PROCESS_APPS, Flow

chromium = browser_support.chromium
server = browser_support.server

pytestmark = pytest.mark.slow

WORDS = {
    "en": {"overdue": "Overdue tasks", "remind": "Remind", "reminded": "Reminded",
           "spread": "How cycle times spread", "verdict": "not enough data",
           "dashboard": "Sales"},
    "zh-CN": {"overdue": "超时待办", "remind": "催办", "reminded": "已提醒",
              "spread": "办理时长分布", "verdict": "数据不足", "dashboard": "销售"},
}


@pytest.fixture
def metadata_path():
    return [PROCESS_APPS, TEST_APPS / "dash"]


@pytest.fixture
def scene(runtime, make_user):
    """Two approved leaves and one waiting two hours past its deadline; two sales."""
    hrm = make_user("hrm", roles=["hr_manager", "boss"])
    boss = make_user("boss")
    emp = make_user("emp", manager="boss")
    flow = Flow(runtime)
    for decide in (True, True, False):
        record = flow.create(emp, LEAVE, kind="annual", days=2, reason="Trip")
        flow.act(emp, LEAVE, record["id"], "submit")
        if decide:
            flow.act(boss, LEAVE, record["id"], "approve")
    with runtime.db.write() as conn:
        conn.execute(sa.update(tasks).where(tasks.c.status == "open")
                     .values(due_at=utcnow() - timedelta(hours=2)))
    for item, kind, amount in (("Bread", "food", "10"), ("Ball", "toys", "30")):
        runtime.records.create(hrm, "shop.sale", {"item": item, "kind": kind,
                                                  "amount": amount, "sold_on": "2026-01-05"})


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_manager_watches_compares_and_reads_a_dashboard(chromium, server, scene, lang):
    words = WORDS[lang]
    context = new_context(chromium, locale=lang)
    page = context.new_page()
    try:
        sign_in_page(page, server, "hrm")
        page.goto(f"{server}/insights/flow/leave_flow")
        expect(page.locator("#h-overdue")).to_contain_text(words["overdue"])
        expect(page.locator("#overdue-total")).to_have_text("1")
        expect(page.locator("#heat-map svg")).to_be_visible()
        page.locator("#overdue button[type=submit]").first.click()
        expect(page.locator("body")).to_contain_text(words["reminded"])

        page.goto(f"{server}/insights/flow/leave_flow/compare?a=version:1&b=version:1")
        expect(page.locator("#h-spread")).to_have_text(words["spread"])
        expect(page.locator("#cycle-box-plot .ff-box")).to_have_count(2)
        expect(page.locator("#compare-steps [data-state=manager_review]")).to_be_visible()
        expect(page.locator("#difference")).to_contain_text(words["verdict"])

        page.goto(f"{server}/")
        page.click("[data-dashboard='shop.sales']")
        expect(page.locator("h1")).to_have_text(words["dashboard"])
        bars = page.locator("#chart-by_kind .ff-bar")
        expect(bars).to_have_count(2)
        expect(bars.first.locator("title")).to_contain_text("30")
        expect(page.locator("#numbers-by_kind tbody tr")).to_have_count(2)
    finally:
        context.close()
