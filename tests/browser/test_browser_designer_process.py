"""In a browser, at desktop and at phone width, a business user with the designer role
makes an approval process for an entity and builds a two-step approval with ⊕, names a
step in the property panel, and sees the diagram follow."""

from __future__ import annotations

import os

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS, browser_support
from support.browser_support import DESKTOP, PHONE, expect, new_context, sign_in_page
from support.design_support import VEHICLE, apply, create_app, draft
from support.process_builder_support import add

chromium = browser_support.chromium
server = browser_support.server
SHOTS = os.environ.get("FORMFLOW_SCREENSHOTS")


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


def at_revision(page, revision: int) -> None:
    expect(page.locator("#process-builder")).to_have_attribute("data-revision", str(revision))


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_a_designer_builds_a_two_step_approval_with_plus(
    chromium, server, make_user, admin_api, width
):
    make_user("dana", roles=[DESIGNER_ROLE])
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    context = new_context(chromium, locale="zh-CN", width=width)
    page = context.new_page()
    sign_in_page(page, server, "dana")
    page.goto(f"{server}/designer/fleet/vehicle")
    page.click("[data-tab=new-process]")
    page.wait_for_url(f"{server}/designer/fleet/processes/vehicle_approval")
    at_revision(page, 3)

    add(page, "submit@draft>approved", "step")
    at_revision(page, 4)
    expect(page.locator(".ff-saved")).to_have_text("已保存 ✓")
    add(page, "approve@step_1>approved", "step")
    at_revision(page, 5)
    expect(page.locator(".ff-panel")).to_have_attribute("data-node", "step_2")  # the new one
    page.click(".ff-flow [data-node=step_1]")
    expect(page.locator(".ff-panel")).to_have_attribute("data-node", "step_1")
    page.click(".ff-flow [data-node=step_2]")
    expect(page.locator(".ff-panel")).to_have_attribute("data-node", "step_2")
    panel = page.locator("[data-part=label]")
    panel.locator("[name='label_zh-CN']").fill("财务审批")
    panel.locator("[name=label_en]").fill("Finance")
    panel.locator("button").click()
    at_revision(page, 6)
    expect(page.locator(".ff-flow [data-node=step_2]")).to_contain_text("财务审批")
    expect(page.locator("[data-ff-diagram]")).to_contain_text("财务审批")
    expect(page.locator(".ff-no-problems")).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/process-builder-{width}.png", full_page=True)
    page.click("[data-view=table]")
    expect(page.locator("[data-transition='approve@step_2>approved']")).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/process-table-{width}.png", full_page=True)
    context.close()

    states = draft(admin_api)["documents"]["processes/vehicle_approval.json"]["states"]
    assert [s["name"] for s in states] == ["draft", "step_1", "step_2", "approved", "rejected"]
