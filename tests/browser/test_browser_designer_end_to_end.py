"""From nothing to an approved record, in a browser only, in English and in Chinese.

A business user holding the designer role (not an administrator) creates a site app and
an entity, adds a select field, a field shown only for one of its options (a condition
built with the condition builder) and a line-item table of two columns, builds a
two-step approval with ⊕ (the requester's manager, then a role), and publishes.  An
end user then fills a record with two lines and submits it; the manager approves, the
role holder approves, and the record ends approved.

With ``FORMFLOW_SCREENSHOTS=<folder>`` each step is also saved there as
``designer-<step>-<en|zh-CN>.png`` for the configurator's guide.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS, browser_support
from support.browser_support import expect, new_context, sign_in_page
from support.helpers import add_departments

chromium = browser_support.chromium
server = browser_support.server
SHOTS = os.environ.get("FORMFLOW_SCREENSHOTS")

pytestmark = pytest.mark.slow

#: What the designer types, in the page's language; the field names they lead to.
WORDS = {
    "en-US": {
        "kind": "Kind",
        "destination": "Destination",
        "items": "Items",
        "description": "Description",
        "amount": "Amount",
        "options": "travel | Travel | 差旅 | blue\nother | Other | 其他 | gray",
        "names": {
            "kind": "kind",
            "destination": "destination",
            "items": "items",
            "description": "description",
            "amount": "amount",
        },
    },
    "zh-CN": {
        "kind": "类型",
        "destination": "目的地",
        "items": "费用明细",
        "description": "说明",
        "amount": "金额",
        "options": "travel | Travel | 差旅 | blue\nother | Other | 其他 | gray",
        "names": {
            "kind": "f_1",
            "destination": "f_2",
            "items": "f_3",
            "description": "f_1",
            "amount": "f_2",
        },
    },
}


@pytest.fixture
def metadata_path():
    # the shop app brings the role "clerk" the second step goes to
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def people(runtime, make_user):
    """Demo-like staff: a designer, an employee in SALES whose manager is in HQ, and a
    clerk."""
    add_departments(runtime)
    make_user("dana", roles=[DESIGNER_ROLE], department="HQ")
    make_user("boss", department="HQ")
    make_user("emp", department="SALES", manager="boss")
    make_user("carl", roles=["clerk"], department="HQ")


class Steps:
    """One browser page of the walk-through, saving a screenshot of a step on demand."""

    def __init__(self, page, locale: str):
        self.page = page
        self.lang = "en" if locale == "en-US" else locale

    def shot(self, name: str) -> None:
        if SHOTS:
            self.page.screenshot(path=f"{SHOTS}/designer-{name}-{self.lang}.png")

    def at_revision(self, revision: int, where: str = "#designer") -> None:
        expect(self.page.locator(where)).to_have_attribute("data-revision", str(revision))

    @contextmanager
    def rebuilt(self):
        """Waits until htmx has swapped in and set up the answer to a step."""
        self.page.evaluate(
            "document.body.dataset.ffSettled = 'no'; document.body.addEventListener("
            "'htmx:afterSettle', () => { document.body.dataset.ffSettled = 'yes'; },"
            " {once: true})"
        )
        yield
        expect(self.page.locator("body")).to_have_attribute("data-ff-settled", "yes")

    def add_field(self, label: str, kind: str, revision: int) -> None:
        self.page.fill("#new-label", label)
        self.page.click(f"[data-ff-palette] [data-type={kind}]")
        self.at_revision(revision)


def inside(page, part, whole) -> None:
    """``part`` is drawn within ``whole`` (a condition row within its panel)."""
    expect(part).to_be_visible()
    a, b = part.bounding_box(), whole.bounding_box()
    assert a and b and b["x"] <= a["x"] and a["x"] + a["width"] <= b["x"] + b["width"] + 1
    assert b["y"] <= a["y"] and a["y"] + a["height"] <= b["y"] + b["height"] + 1


def build_the_app(page, server: str, steps: Steps, words: dict) -> None:
    """As the designer: the app, its entity, fields, condition, table, process; publish."""
    names = words["names"]
    page.click("#nav-designer")
    page.fill("#app-name", "expenses")
    page.fill("#app-label-zh", "费用报销")
    page.fill("#app-label-en", "Expenses")
    page.click("#new-app button[type=submit]")
    page.fill("#entity-zh-expenses", "报销单")
    page.fill("#entity-en-expenses", "Claim")
    steps.shot("apps")
    page.click("#app-expenses button[type=submit]")
    page.wait_for_url(f"{server}/designer/expenses/claim")
    steps.at_revision(2)

    steps.add_field(words["kind"], "select", 3)
    page.fill("#p-options", words["options"])
    page.locator("#p-options").blur()
    steps.at_revision(4)
    steps.add_field(words["destination"], "text", 5)
    builder = page.locator("#cond-visible_if")
    with steps.rebuilt():
        builder.locator("[data-cond-add]").click()
    row = builder.locator("[data-row='0']")
    expect(row.locator("select[name=row_field]")).to_have_value(names["kind"])
    row.locator("select[name=row_value]").select_option("travel")
    inside(page, row, builder)
    steps.shot("condition")
    builder.locator("[data-cond-save]").click()
    steps.at_revision(6)

    steps.add_field(words["items"], "table", 7)
    page.click(f"[data-field={names['items']}] a[href*='table=']")
    page.wait_for_url(f"**/designer/expenses/claim?table={names['items']}")
    steps.add_field(words["description"], "text", 8)
    steps.add_field(words["amount"], "decimal", 9)
    steps.shot("table")
    page.click("a[href$='/designer/expenses/claim']")
    page.wait_for_url(f"{server}/designer/expenses/claim")
    expect(page.locator("[data-ff-canvas] > [data-field]")).to_have_count(3)
    steps.shot("form")

    page.click("[data-tab=new-process]")
    page.wait_for_url(f"{server}/designer/expenses/processes/claim_approval")
    where = "#process-builder"
    steps.at_revision(10, where)
    for edge, node, revision in (
        ("submit@draft>approved", "step_1", 11),
        ("approve@step_1>approved", "step_2", 12),
    ):
        point = page.locator(f".ff-add[data-edge='{edge}']")
        point.locator("summary").click()
        point.locator("[data-add=step]").click()
        steps.at_revision(revision, where)
        expect(page.locator(".ff-panel")).to_have_attribute("data-node", node)
    for node, title, kind, who, revision in (
        ("step_1", ("主管审批", "Manager"), "manager_of", "_created_by", 13),
        ("step_2", ("财务复核", "Finance check"), "role", "clerk", 15),
    ):
        page.click(f".ff-flow [data-node={node}]")
        expect(page.locator(".ff-panel")).to_have_attribute("data-node", node)
        label = page.locator("[data-part=label]")
        label.locator("[name='label_zh-CN']").fill(title[0])
        label.locator("[name=label_en]").fill(title[1])
        label.locator("button").click()
        steps.at_revision(revision, where)
        approvers = page.locator("[data-part=assignees]")
        approvers.locator("select[name=kind_0]").select_option(kind)
        approvers.locator("input[name=value_0]").fill(who)
        approvers.locator("button").click()
        steps.at_revision(revision + 1, where)
    expect(page.locator(".ff-no-problems")).to_be_visible()
    steps.shot("process")

    page.goto(f"{server}/designer/expenses/publish")
    steps.shot("publish")
    page.click("#publish-form button[type=submit]")
    expect(page.locator("[data-version='1']")).to_be_visible()


def fill_a_claim(page, server: str, steps: Steps, words: dict) -> None:
    """As the employee: a travel claim with two lines, saved and submitted."""
    names = words["names"]
    items = names["items"]
    page.goto(f"{server}/expenses/claim/new")
    destination = page.locator(f"[name={names['destination']}]")
    page.select_option(f"[name={names['kind']}]", "other")
    expect(destination).to_be_hidden()
    page.select_option(f"[name={names['kind']}]", "travel")
    expect(destination).to_be_visible()
    destination.fill("上海 Shanghai")
    for i, (text, amount) in enumerate((("Train", "320.50"), ("Hotel", "880"))):
        page.click(f"button[value='add:{items}']")
        page.fill(f"#f-{items}-{i}-{names['description']}", text)
        page.fill(f"#f-{items}-{i}-{names['amount']}", amount)
    steps.shot("record-new")
    page.click("#record-form button.btn-primary[type=submit]")
    expect(page.locator("#process-state")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Hotel")
    page.click("#process-actions [data-action=submit]")
    dialog = page.locator("#action-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#action-submit").click()
    expect(page.locator(".ff-node-current")).to_have_attribute("data-state", "step_1")


def approve(chromium, server: str, locale: str, who: str, after: str) -> None:
    """``who`` opens the claim from their inbox and approves it; it moves to ``after``."""
    context = new_context(chromium, locale=locale)
    page = context.new_page()
    sign_in_page(page, server, who)
    page.goto(f"{server}/inbox")  # the claim waits in their inbox
    row = page.locator("#inbox-list .ff-inbox-todo > li")
    expect(row).to_have_count(1)
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r"/expenses/claim/\d+$"))  # loaded: htmx set up its buttons
    expect(page.locator("body")).to_contain_text("Hotel")
    page.click("#process-actions [data-action=approve]")
    dialog = page.locator("#action-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#action-submit").click()
    expect(page.locator(".ff-node-current")).to_have_attribute("data-state", after)
    if after == "approved":
        Steps(page, locale).shot("approved")
    context.close()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_designer_builds_an_app_from_nothing_that_ends_in_an_approved_record(
    chromium, server, runtime, people, locale
):
    words = WORDS[locale]
    context = new_context(chromium, locale=locale)
    page = context.new_page()
    sign_in_page(page, server, "dana")
    build_the_app(page, server, Steps(page, locale), words)
    context.close()

    context = new_context(chromium, locale=locale)
    page = context.new_page()
    sign_in_page(page, server, "emp")
    fill_a_claim(page, server, Steps(page, locale), words)
    context.close()

    approve(chromium, server, locale, "boss", "step_2")
    approve(chromium, server, locale, "carl", "approved")
