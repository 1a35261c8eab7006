"""The admin users page and a plugin action button in a real browser (headless Debian
Chromium driven by Playwright; see ``browser_support``)."""

from __future__ import annotations

import pytest

from formflow.auth import get_user_by_name
from support import ADMIN_PASSWORD, PASSWORD, browser_support
from support.browser_support import expect, new_context, sign_in_page
from support.plugin_support import HOOK_APPS, MEMOS, write_plugin

# The browser and the server, shared with the other browser tests.
chromium = browser_support.chromium
server = browser_support.server

pytestmark = pytest.mark.slow


PROBE = '''
from formflow.plugins import RecordAction, hookimpl

MANIFEST = {"name": "probe", "version": "1"}


def stamp(conn, user, entity, record, runtime):
    runtime.internal_records.change_in(conn, user, entity, record, {"note": "stamped"})
    return {"message": {"en": "Stamped.", "zh-CN": "已盖章。"}}


@hookimpl
def register_record_actions():
    return [RecordAction("stamp", {"en": "Stamp", "zh-CN": "盖章"}, stamp,
                         confirm={"en": "Stamp it?", "zh-CN": "确定盖章？"})]
'''


@pytest.fixture
def app(make_app, tmp_path):
    folder = write_plugin(tmp_path / "plugins", "probe", PROBE)
    return make_app([HOOK_APPS], PLUGINS_PATH=[str(folder)])


@pytest.fixture
def page(chromium, server):
    context = new_context(chromium)
    page = context.new_page()
    sign_in_page(page, server, "admin", ADMIN_PASSWORD)
    yield page
    context.close()


def test_an_admin_finds_and_creates_users(page, server, runtime, make_user):
    make_user("ann")
    make_user("bob")
    page.click("#nav-admin")
    page.click(".ff-admin-tabs [data-section=users]")
    rows = page.locator("table.ff-admin-users tbody tr")
    expect(rows).to_have_count(3)
    page.fill("#user-q", "an")  # typing searches as you go
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ann")
    page.click("#new-user")
    page.fill("#f-username", "zoe")
    page.fill("#f-password", PASSWORD)
    page.fill("#f-email", "zoe-at-example")
    page.check("#f-roles-reviewer")
    page.click("#user-form button[type=submit]")
    expect(page.locator("#fb-email")).to_contain_text("valid e-mail")
    expect(page.locator("#f-roles-reviewer")).to_be_checked()
    page.fill("#f-password", PASSWORD)  # a password is never sent back
    page.fill("#f-email", "zoe@example.com")
    page.click("#user-form button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("Created user zoe.")
    expect(page.locator("tr[data-user=zoe]")).to_contain_text("reviewer")
    with runtime.db.read() as conn:
        assert get_user_by_name(conn, "zoe").email == "zoe@example.com"


def test_a_plugin_action_button_runs_after_confirming(page, server, runtime, make_user):
    ann = make_user("ann")
    memo = runtime.records.create(ann, "memo.memo", {"title": "Plan"})
    page.goto(f"{server}/{MEMOS}/{memo['id']}")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.click("#record-actions [data-action=stamp]")
    expect(page.locator("#flashes")).to_contain_text("Stamped.")
    expect(page.locator("#record-body")).to_contain_text("stamped")
    assert questions == ["Stamp it?"]
    assert runtime.records.get(ann, "memo.memo", memo["id"])["note"] == "stamped"
