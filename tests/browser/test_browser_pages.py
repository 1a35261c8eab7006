"""The main pages in a real browser, in Chinese and English, on a desktop and a phone:
no page pans sideways on a 390 px phone, the to-do list is one tap from home, and
axe-core finds no serious or critical accessibility problem.

axe-core is a test-only asset (``tests/vendor/axe-core``); the pages' content security
policy would refuse an injected script, so these contexts bypass it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import browser_support
from support.app_fixtures import app, database_url, template  # noqa: F401 (fixtures)
from support.browser_support import DESKTOP, PHONE, expect, new_context, sign_in_page

chromium = browser_support.chromium
server = browser_support.server

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
SCREENS = [
    pytest.param("en-US", DESKTOP, id="en-desktop"),
    pytest.param("zh-CN", DESKTOP, id="zh-desktop"),
    pytest.param("en-US", PHONE, id="en-phone"),
    pytest.param("zh-CN", PHONE, id="zh-phone"),
]


@pytest.fixture
def pages(runtime, make_user):
    """A sales manager who is also an admin, with a lead of their sales rep waiting for
    them: the URLs of the main pages."""
    make_user("sam", roles=["sales_manager", "admin"])
    rep = make_user("rita", roles=["sales_rep"], manager="sam")
    lead = runtime.records.create(rep, "crm.lead", {
        "company": "Hooli", "contact_name": "Gavin", "phone": "13800000000",
    })
    runtime.process.act(rep, "crm.lead", lead["id"], "submit", {"values": {
        "need": "A CRM for 50 people", "budget": "12000"}})
    return {
        "home": "/",
        "list": "/crm/lead/",
        "form": "/crm/quotation/new",
        "record": f"/crm/lead/{lead['id']}",
        "inbox": "/inbox",
        "admin": "/admin",
    }


def signed_in(chromium, server, locale, width):
    context = new_context(chromium, locale, width, bypass_csp=True)
    page = context.new_page()
    sign_in_page(page, server, "sam")
    return context, page


def serious_violations(page) -> list[str]:
    page.add_script_tag(content=AXE)
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => v.id + ": " + v.nodes.slice(0, 4).map(
                n => n.target.join(" ") + " (" + (n.any[0] || {message: ""}).message + ")"
            ).join(" | "));
    }""")
    return found


@pytest.mark.parametrize(("locale", "width"), SCREENS)
def test_the_main_pages_have_no_serious_accessibility_problem_and_never_pan_sideways(
    chromium, server, pages, locale, width
):
    context, page = signed_in(chromium, server, locale, width)
    problems = {}
    for name, path in pages.items():
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
        found = serious_violations(page)
        if found:
            problems[name] = found
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.setdefault(name, []).append(f"pans sideways by {overflow}px")
    context.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


@pytest.mark.parametrize(("locale", "width"), SCREENS[2:])
def test_on_a_phone_the_to_do_list_is_one_tap_from_home(chromium, server, pages, locale, width):
    context, page = signed_in(chromium, server, locale, width)
    todo = page.locator("#home-todo")
    expect(todo).to_be_visible()
    expect(todo).to_contain_text("1")
    todo.tap()
    page.wait_for_url(f"{server}/inbox")
    expect(page.locator("#inbox-list")).to_contain_text("Hooli")
    context.close()


@pytest.mark.parametrize(("locale", "width"), SCREENS[2:])
def test_on_a_phone_the_process_diagram_scrolls_inside_its_box(
    chromium, server, pages, locale, width
):
    context, page = signed_in(chromium, server, locale, width)
    page.goto(f"{server}{pages['record']}")
    diagram = page.locator(".ff-diagram")
    expect(diagram).to_be_visible()
    box = diagram.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    drawn = page.evaluate("""() => {
        const svg = document.querySelector('.ff-diagram svg');
        return [svg.getBoundingClientRect().width, Number(svg.getAttribute('width'))];
    }""")
    assert abs(drawn[0] - drawn[1]) < 1  # not shrunk to unreadable: it scrolls instead
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    context.close()
