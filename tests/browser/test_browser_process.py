"""An approval in a real browser: the manager signs in, opens the inbox, opens the
record, approves it with a comment in the action dialog and sees the state move.

Headless Debian Chromium driven by Playwright, as in ``test_browser.py`` (skipped
without that browser, except under CI).
"""

from __future__ import annotations

import pytest

from support import browser_support
from support.browser_support import expect, new_context, sign_in_page
from support.process_helpers import LEAVE, PROCESS_APPS, Flow

# The browser and the server, shared with the other browser tests.
chromium = browser_support.chromium
server = browser_support.server

pytestmark = pytest.mark.slow


@pytest.fixture
def metadata_path():
    return [PROCESS_APPS]


@pytest.fixture
def page(chromium):
    context = new_context(chromium)
    yield context.new_page()
    context.close()


def test_the_manager_approves_a_leave_from_the_inbox(page, server, runtime, make_user):
    make_user("boss")
    emp = make_user("emp", manager="boss")
    flow = Flow(runtime)
    record = flow.create(emp, LEAVE, kind="annual", days=2, reason="Trip")
    flow.act(emp, LEAVE, record["id"], "submit")

    sign_in_page(page, server, "boss")
    expect(page.locator("#nav-tasks")).to_contain_text("1")

    page.click("#nav-process a:has-text('Inbox')")
    row = page.locator("#inbox-list .ff-inbox-todo > li")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Manager review")
    row.locator("a").first.click()

    expect(page.locator("#process-state")).to_have_text("Manager review")
    expect(page.locator(".ff-node-current")).to_have_attribute("data-state", "manager_review")
    page.click("#process-actions [data-action=approve]")
    dialog = page.locator("#action-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#action-title")).to_have_text("Approve")
    dialog.locator("#f-comment").fill("Enjoy the trip")
    dialog.locator("#action-submit").click()

    expect(page.locator("#process-state")).to_have_text("Approved")
    expect(page.locator("#action-dialog")).not_to_be_visible()
    expect(page.locator(".ff-node-current")).to_have_attribute("data-state", "approved")
    expect(page.locator("#flashes")).to_contain_text("Approved.")
    expect(page.locator(".ff-timeline")).to_contain_text("Enjoy the trip")
    expect(page.locator("#nav-tasks")).to_have_count(0)
    assert flow.state(LEAVE, record["id"]) == "approved"


def test_a_refusal_shows_in_the_dialog_and_keeps_it_open(page, server, runtime, make_user):
    make_user("boss")
    emp = make_user("emp", manager="boss")
    flow = Flow(runtime)
    record = flow.create(emp, LEAVE, kind="annual", days=2, reason="Trip")
    flow.act(emp, LEAVE, record["id"], "submit")
    sign_in_page(page, server, "boss")
    page.goto(f"{server}/flow/leave/{record['id']}")
    page.click("#process-actions [data-action=reject]")
    page.locator("#action-submit").click()  # the comment is required
    expect(page.locator("#fb-comment")).to_contain_text("required")
    expect(page.locator("#action-dialog")).to_be_visible()
    page.locator("#action-dialog [data-ff-dialog-close]").first.click()
    expect(page.locator("#action-dialog")).not_to_be_visible()
    assert flow.state(LEAVE, record["id"]) == "manager_review"
