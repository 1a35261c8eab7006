"""The pages in a real browser: headless Debian Chromium driven by Playwright, serving
the app on 127.0.0.1 (see ``browser_support``)."""

from __future__ import annotations

import re

import pytest

from support import browser_support
from support.browser_support import expect, new_context, sign_in_page

# The browser and the server, shared with the other browser tests.
chromium = browser_support.chromium
server = browser_support.server

pytestmark = pytest.mark.slow


@pytest.fixture
def manager(make_user):
    return make_user("sam", roles=["sales_manager"])


@pytest.fixture
def new_page(chromium, server, manager):
    contexts = []

    def open_signed_in():
        context = new_context(chromium)
        contexts.append(context)
        page = context.new_page()
        sign_in_page(page, server, "sam")
        return page

    yield open_signed_in
    for context in contexts:
        context.close()


def test_sign_in_and_create_an_opportunity_seeing_its_total_before_saving(
    new_page, server, runtime, manager
):
    runtime.records.create(manager, "crm.customer", {"name": "Hooli"})
    page = new_page()
    expect(page.locator("nav.ff-navbar")).to_contain_text("CRM")
    page.goto(f"{server}/crm/opportunity/new")
    page.fill("#f-name", "Big deal")
    page.fill("#f-customer", "Hoo")
    page.locator("#opt-customer .ff-option", has_text="Hooli").click()
    expect(page.locator("#f-customer")).to_have_value("Hooli")
    page.click("button[value='add:lines']")
    page.fill("#f-lines-0-product", "Licence")
    page.fill("#f-lines-0-quantity", "3")
    page.fill("#f-lines-0-unit_price", "1250")
    page.locator("#f-lines-0-unit_price").blur()
    expect(page.locator("#out-lines-0-amount")).to_contain_text("3,750.00")
    expect(page.locator("#out-total")).to_contain_text("3,750.00")
    expect(page.locator("#f-lines-0-unit_price")).to_have_value("1,250")
    page.click("button[value='add:lines']")
    page.fill("#f-lines-1-product", "Support")
    page.fill("#f-lines-1-unit_price", "250")
    expect(page.locator("#out-total")).to_contain_text("4,000.00")
    page.click("button[value='remove:lines:1']")
    expect(page.locator("#out-total")).to_contain_text("3,750.00")
    page.click("button.btn-primary[type=submit]:has-text('Save')")
    expect(page.locator("h1")).to_have_text("Big deal")
    expect(page.locator("#record-body")).to_contain_text("3,750.00")
    expect(page.locator("#record-body")).to_contain_text("Hooli")


def test_a_validation_error_shows_beside_the_field_and_goes_when_fixed(new_page, server):
    page = new_page()
    page.goto(f"{server}/crm/customer/new")
    page.fill("#f-code", "x")
    page.locator("#f-code").blur()
    expect(page.locator("#fb-code")).not_to_be_empty()
    expect(page.locator("#f-code")).to_have_class(re.compile("is-invalid"))
    page.fill("#f-code", "ACME01")
    page.locator("#f-code").blur()
    expect(page.locator("#fb-code")).to_be_empty()
    page.click("button.btn-primary[type=submit]:has-text('Save')")  # the name is missing
    expect(page.locator("#fb-name")).to_contain_text("required")
    expect(page.locator("#f-code")).to_have_value("ACME01")
    page.fill("#f-name", "Acme")
    page.click("button.btn-primary[type=submit]:has-text('Save')")
    expect(page.locator("h1")).to_have_text("Acme")


def test_conditional_fields_follow_what_is_typed(new_page, server, runtime, manager):
    page = new_page()
    page.goto(f"{server}/crm/opportunity/new")
    expect(page.locator("#w-lost_reason")).to_be_hidden()
    page.select_option("#f-stage", "lost")
    expect(page.locator("#w-lost_reason")).to_be_visible()
    expect(page.locator("#w-lost_reason")).to_have_class(re.compile("is-required"))


def test_filter_and_sort_a_list(new_page, server, runtime, manager):
    for name, industry in (
        ("Beta Corp", "retail"),
        ("Alpha Ltd", "retail"),
        ("Gamma Inc", "finance"),
    ):
        runtime.records.create(manager, "crm.customer", {"name": name, "industry": industry})
    page = new_page()
    page.goto(f"{server}/crm/customer/")
    rows = page.locator("table.ff-list tbody tr")
    expect(rows).to_have_count(3)
    page.select_option("#filter-industry", "retail")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"industry=retail"))
    header = page.locator("th a.ff-sort", has_text="Name")
    header.click()  # the list is sorted by name already: this sorts the other way
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(rows.first).to_contain_text("Beta Corp")
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    header.click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(rows.first).to_contain_text("Alpha Ltd")
    page.fill("#filter-q", "alp")
    expect(rows).to_have_count(1)
    page.reload()  # the URL is the view: it survives a reload
    expect(rows).to_have_count(1)
    expect(page.locator("#filter-q")).to_have_value("alp")


def test_an_edit_over_another_session_change_shows_it_and_keeps_the_input(
    new_page, server, runtime, manager
):
    customer = runtime.records.create(
        manager, "crm.customer", {"name": "Initech", "phone": "+86 10 1111"}
    )
    mine, theirs = new_page(), new_page()
    mine.goto(f"{server}/crm/customer/{customer['id']}/edit")
    theirs.goto(f"{server}/crm/customer/{customer['id']}/edit")
    theirs.fill("#f-phone", "+86 10 2222")
    theirs.click("button.btn-primary[type=submit]:has-text('Save')")
    expect(theirs.locator("#record-body")).to_contain_text("2222")
    mine.fill("#f-name", "Initech Global")
    mine.click("button.btn-primary[type=submit]:has-text('Save')")
    expect(mine.locator(".ff-conflict")).to_contain_text("+86 10 2222")
    expect(mine.locator("#f-name")).to_have_value("Initech Global")
    mine.click("button.btn-primary[type=submit]:has-text('Save')")
    expect(mine.locator("h1")).to_have_text("Initech Global")
