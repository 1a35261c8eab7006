"""In a browser, a designer builds a field's visibility condition of two rows joined
by 或 (or), saves it, reloads the page and finds the same rows again; in text mode the
expression is checked as it is typed."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS, browser_support
from support.browser_support import expect, new_context, rebuilt, sign_in_page
from support.design_support import apply, create_app, draft

chromium = browser_support.chromium
server = browser_support.server

LEAVE = {
    "label": {"en": "Leave", "zh-CN": "请假"},
    "fields": [
        {
            "name": "kind",
            "type": "select",
            "label": {"en": "Kind", "zh-CN": "类型"},
            "options": [
                {"value": "annual", "label": {"en": "Annual", "zh-CN": "年假"}},
                {"value": "sick", "label": {"en": "Sick", "zh-CN": "病假"}},
            ],
        },
        {"name": "days", "type": "integer", "label": {"en": "Days", "zh-CN": "天数"}},
        {"name": "reason", "type": "text", "label": {"en": "Reason", "zh-CN": "事由"}},
    ],
    "permissions": [{"role": "user", "create": True, "read": "all", "update": "all"}],
}


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


def test_a_designer_builds_a_condition_of_two_rows_joined_by_or(
    chromium, server, make_user, admin_api
):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/leave", "value": LEAVE}])
    make_user("dana", roles=[DESIGNER_ROLE])
    context = new_context(chromium, locale="zh-CN")
    page = context.new_page()
    sign_in_page(page, server, "dana")
    page.goto(f"{server}/designer/fleet/leave?field=reason")
    builder = page.locator("#cond-visible_if")
    with rebuilt(page):
        builder.locator("[data-cond-add]").click()
    first = builder.locator("[data-row='0']")
    expect(first.locator("select[name=row_field]")).to_have_value("kind")
    first.locator("select[name=row_value]").select_option("sick")
    with rebuilt(page):
        builder.locator("[data-cond-add]").click()
    second = builder.locator("[data-row='1']")
    with rebuilt(page):
        second.locator("select[name=row_field]").select_option("days")
    with rebuilt(page):
        second.locator("select[name=row_op]").select_option("gt")
    second.locator("input[name=row_value]").fill("3")
    expect(first.locator("select[name=row_value]")).to_have_value("sick")
    builder.get_by_label("满足任一条件（或）").check()
    builder.locator("[data-cond-save]").click()
    expect(page.locator(".ff-saved")).to_have_text("已保存 ✓")
    expect(page.locator("#designer")).to_have_attribute("data-revision", "3")
    reason = draft(admin_api)["documents"]["entities/leave.json"]["fields"][2]
    assert reason["visible_if"] == "kind == 'sick' or days > 3"

    page.reload()
    builder = page.locator("#cond-visible_if")
    expect(builder).to_have_attribute("data-mode", "visual")
    expect(builder.locator("[data-row]")).to_have_count(2)
    expect(builder.get_by_label("满足任一条件（或）")).to_be_checked()
    expect(builder.locator("[data-row='1'] select[name=row_field]")).to_have_value("days")
    expect(builder.locator("[data-row='1'] select[name=row_op]")).to_have_value("gt")
    expect(builder.locator("[data-row='1'] input[name=row_value]")).to_have_value("3")
    expect(builder.locator(".ff-join")).to_have_text("或")

    builder.locator("[data-cond-mode]").click()
    text = page.locator("#cond-visible_if-text")
    expect(text).to_have_value("kind == 'sick' or days > 3")
    expect(page.locator("#cond-visible_if .ff-check-ok")).to_be_visible()
    text.fill("kind == 'sick' or dayz > 3")
    expect(page.locator("#cond-visible_if .ff-check-error")).to_contain_text(
        "未知字段 dayz，是否应为 days？"
    )
    text.fill("kind == 'sick' or da")
    text.press("End")
    text.dispatch_event("input")
    expect(page.locator("#cond-visible_if-names option").first).to_have_attribute(
        "value", "kind == 'sick' or days"
    )
    context.close()
