"""In a browser at desktop width, a designer adds a condition branch whose guard they
make with the condition builder (field, operator, value), a step where the branches
meet again and a parallel group, then publishes the app."""

from __future__ import annotations

import os

from formflow.design.service import DESIGNER_ROLE
from support import browser_support
from support.browser_support import expect, new_context, rebuilt, sign_in_page
from support.design_support import VEHICLE, apply, create_app, draft
from support.process_builder_support import add

chromium = browser_support.chromium
server = browser_support.server
SHOTS = os.environ.get("FORMFLOW_SCREENSHOTS")


def at_revision(page, revision: int) -> None:
    expect(page.locator("#process-builder")).to_have_attribute("data-revision", str(revision))


def test_a_designer_guards_a_branch_with_the_builder_and_adds_a_step_after_the_join(
    chromium, server, make_user, admin_api
):
    make_user("dana", roles=[DESIGNER_ROLE])
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    context = new_context(chromium)
    page = context.new_page()
    sign_in_page(page, server, "dana")
    page.goto(f"{server}/designer/fleet/vehicle")
    page.click("[data-tab=new-process]")
    page.wait_for_url(f"{server}/designer/fleet/processes/vehicle_approval")
    add(page, "submit@draft>approved", "step")
    at_revision(page, 4)

    add(page, "approve@step_1>approved", "branch")
    at_revision(page, 5)
    builder = page.locator("[data-cond='guard-approve@step_1.step_2']")
    with rebuilt(page):
        builder.locator("[data-cond-add]").click()
    with rebuilt(page):
        builder.locator("[name=row_field]").select_option("seats")
    builder.locator("[name=row_value]").fill("9")
    builder.locator("[data-cond-save]").click()
    at_revision(page, 6)
    expect(page.locator("[data-branch='approve@step_1>step_2'] code")).to_have_text("seats == '9'")

    page.locator(".ff-add[data-add-at=after] button").click()
    at_revision(page, 7)
    add(page, "approve@step_3>approved", "parallel")
    at_revision(page, 8)
    expect(page.locator("[data-join=parallel_1]")).to_be_visible()
    expect(page.locator(".ff-no-problems")).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/process-groups-desktop.png", full_page=True)

    page.goto(f"{server}/designer/fleet/publish")
    page.click("#publish-form button[type=submit]")
    expect(page.locator("[data-version='1']")).to_be_visible()
    context.close()

    document = draft(admin_api)["documents"]["processes/vehicle_approval.json"]
    approvals = {
        (t["from"], t["to"], t.get("when"))
        for t in document["transitions"]
        if t["name"] == "approve"
    }
    assert {
        ("step_1", "step_2", "seats == '9'"),
        ("step_1", "step_3", None),
        ("step_2", "step_3", None),
        ("step_3", "parallel_1", None),
    } <= approvals
