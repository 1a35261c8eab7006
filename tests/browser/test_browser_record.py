"""The daily work of requesters and approvers in a real browser, in Chinese and English, on
a desktop and on a 390 px phone: the outcome of a request (notice and banner), an Edit
button that says why not, files attached to a comment, printing a record, and form errors
beside the fields and line-item cells they concern.

Headless Debian Chromium driven by Playwright (see ``browser_support``).
"""

from __future__ import annotations

import re

import pytest

from support import browser_support
from support.browser_support import DESKTOP, PHONE, expect, new_context, sign_in_page
from support.helpers import LAB
from support.process_helpers import LEAVE, PROCESS_APPS, Flow

chromium = browser_support.chromium
server = browser_support.server

EVERY_VIEW = [("zh-CN", DESKTOP), ("zh-CN", PHONE), ("en", DESKTOP), ("en", PHONE)]
WORDS = {
    "zh-CN": {"sent_back": "已退回：请补充行程单", "comment": "请补充行程单",
              "in_approval": "审批中，撤回后可修改。", "edit": "编辑"},
    "en": {"sent_back": "Sent back: Please add the itinerary",
           "comment": "Please add the itinerary",
           "in_approval": "In approval — withdraw it to edit.", "edit": "Edit"},
}


@pytest.fixture
def metadata_path():
    return [PROCESS_APPS, LAB]


@pytest.fixture
def staff(make_user):
    return {"boss": make_user("boss"), "emp": make_user("emp", manager="boss"),
            "mia": make_user("mia", roles=["manager"])}


@pytest.fixture
def open_page(chromium, server):
    contexts = []

    def factory(user: str, lang: str, width: int):
        context = new_context(chromium, locale=lang, width=width)
        contexts.append(context)
        page = context.new_page()
        sign_in_page(page, server, user)
        return page

    yield factory
    for context in contexts:
        context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize(("lang", "width"), EVERY_VIEW)
def test_the_requester_sees_the_outcome_and_why_edit_is_off(open_page, server, runtime, staff,
                                                            lang, width):
    words = WORDS[lang]
    flow = Flow(runtime)
    sent_back = flow.create(staff["emp"], LEAVE, kind="annual", days=2, reason="Trip")["id"]
    flow.act(staff["emp"], LEAVE, sent_back, "submit")
    flow.act(staff["boss"], LEAVE, sent_back, "send_back", comment=words["comment"])
    waiting = flow.create(staff["emp"], LEAVE, kind="sick", days=1, reason="Flu")["id"]
    flow.act(staff["emp"], LEAVE, waiting, "submit")

    page = open_page("emp", lang, width)
    page.goto(f"{server}/notifications")
    notice = page.locator(".ff-notice[data-kind=sent_back]")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(words["comment"])
    expect(notice).to_contain_text("boss")
    notice.locator("a").first.click()

    expect(page.locator("#record-outcome")).to_contain_text(words["sent_back"])
    expect(page.locator("#edit-record")).to_be_enabled()  # back in draft: editable again
    assert fits_the_screen(page)

    page.goto(f"{server}/flow/leave/{waiting}")
    expect(page.locator("#record-outcome")).to_have_count(0)
    expect(page.locator("#edit-record")).to_be_disabled()
    expect(page.locator("#edit-record")).to_have_text(words["edit"])
    expect(page.locator("#edit-reason")).to_have_text(words["in_approval"])
    assert fits_the_screen(page)


@pytest.mark.parametrize(("lang", "width"), EVERY_VIEW)
def test_a_record_prints_without_navigation_or_buttons(open_page, server, runtime, staff, lang,
                                                       width):
    flow = Flow(runtime)
    record_id = flow.create(staff["emp"], LEAVE, kind="annual", days=2, reason="Trip")["id"]
    flow.act(staff["emp"], LEAVE, record_id, "submit")
    flow.act(staff["boss"], LEAVE, record_id, "approve", comment="Enjoy")
    page = open_page("emp", lang, width)
    page.goto(f"{server}/flow/leave/{record_id}")
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.click("#print-record")
    assert page.evaluate("window.printed") == 1
    expect(page.locator("#print-header")).to_be_hidden()

    page.emulate_media(media="print")
    expect(page.locator("#print-header")).to_be_visible()
    expect(page.locator("#print-header")).to_contain_text("LV-0001")
    for hidden in ("nav.ff-navbar", "#print-record", "#process-actions", ".ff-diagram",
                   "ol.breadcrumb"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".ff-timeline")).to_contain_text("Enjoy")
    expect(page.locator(".ff-timeline time").first).to_be_visible()


@pytest.mark.parametrize(("lang", "width"), EVERY_VIEW)
def test_an_approver_attaches_a_file_to_the_send_back(open_page, server, runtime, staff, lang,
                                                      width):
    words = WORDS[lang]
    flow = Flow(runtime)
    record_id = flow.create(staff["emp"], LEAVE, kind="annual", days=2, reason="Trip")["id"]
    flow.act(staff["emp"], LEAVE, record_id, "submit")

    page = open_page("boss", lang, width)
    page.goto(f"{server}/flow/leave/{record_id}")
    page.click("#process-actions [data-action=send_back]")
    dialog = page.locator("#action-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#f-comment").fill(words["comment"])
    dialog.locator("#f-attachments").set_input_files(
        [{"name": "itinerary.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 trip"}])
    dialog.locator("#action-submit").click()
    expect(page.locator("#action-dialog")).not_to_be_visible()
    link = page.locator(".ff-timeline .ff-attachments a", has_text="itinerary.pdf")
    expect(link).to_have_count(1)

    requester = open_page("emp", lang, width)
    requester.goto(f"{server}/flow/leave/{record_id}")
    expect(requester.locator("#record-outcome")).to_contain_text(words["sent_back"])
    href = requester.locator(".ff-attachments a").get_attribute("href")
    assert requester.request.get(f"{server}{href}").body() == b"%PDF-1.4 trip"


@pytest.mark.parametrize(("lang", "width"), EVERY_VIEW)
def test_errors_mark_the_fields_of_a_rule_and_the_line_item_cell(open_page, server, lang,
                                                                 width, staff):
    rule = {"zh-CN": "折扣超过 50% 时必须是特殊样品。",
            "en": "A discount over 50 % needs a special sample."}[lang]
    page = open_page("mia", lang, width)
    page.goto(f"{server}/lab/sample/new")
    page.fill("#f-name", "Cheap")
    page.fill("#f-discount", "80")
    page.click("button[value='add:lines']")
    page.fill("#f-lines-0-item", "Bolt")
    page.fill("#f-lines-0-qty", "0")
    page.fill("#f-lines-0-unit_price", "1")
    page.locator("#f-lines-0-unit_price").blur()
    page.click(".ff-form-actions button[type=submit]")

    expect(page.locator("#fb-discount")).to_have_text(rule)
    expect(page.locator("#fb-kind")).to_have_text(rule)
    expect(page.locator("#w-lines-0-qty")).to_have_class(re.compile("ff-cell-invalid"))
    expect(page.locator("#row-lines-0")).to_have_class(re.compile("ff-row-invalid"))
    expect(page.locator("#w-lines-0-item")).not_to_have_class(re.compile("ff-cell-invalid"))
    outline = page.locator("#w-lines-0-qty").evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"

    page.fill("#f-lines-0-qty", "2")  # fixed: the live preview clears the marks
    page.locator("#f-lines-0-qty").blur()
    expect(page.locator("#w-lines-0-qty")).not_to_have_class(re.compile("ff-cell-invalid"))
    expect(page.locator("#row-lines-0")).not_to_have_class(re.compile("ff-row-invalid"))
