"""Stored cross-site scripting: hostile text saved through every kind of input — text,
textarea, URL, line items, a linked record's title, a file name, a user's display name,
a process comment — comes back escaped on the list, record, form, inbox, notification
and home pages; in a real browser, under the Content-Security-Policy, no script runs,
no dialog opens and the policy reports no violation of the app's own markup.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from support import PASSWORD
from support.helpers import module_app
from support.security_support import SECURITY, World
from support.web_support import HTMX, csrf

SCRIPT = "<script>alert('xss')</script>"
ATTRIBUTE = "\" onmouseover=\"alert('xss')\" x=\""
IMAGE = "<img src=x onerror=alert('xss')>"
PAYLOAD = f"{SCRIPT}{ATTRIBUTE}{IMAGE}"
LIVE = ("<script>alert", "onmouseover=\"alert", "<img src=x onerror")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("security-xss"), metadata_path=(SECURITY,)) as app:
        yield app


@pytest.fixture(scope="module")
def world(app):
    """Eve (display name: the payload) fills a document with the payload everywhere and
    submits it to Vic with the payload as comment; Vic gets the task and a notification."""
    world = World(app)
    world.add("eve", ["clerk"], department=None, display_name=PAYLOAD[:200])
    world.add("vic", ["reader"], department=None)
    eve = world.users["eve"]
    client = world.page("eve")
    upload = client.post(
        "/sec/doc/upload/attachment",
        data={"_upload_attachment": (io.BytesIO(b"hi"), f"{IMAGE}.txt"),
              "csrf_token": csrf(client)},
        content_type="multipart/form-data", headers=HTMX).get_data(as_text=True)
    key = upload.split('value="')[1].split('"')[0]
    runtime = world.runtime
    party = runtime.records.create(eve, "sec.party", {"name": PAYLOAD})
    world.doc = runtime.records.create(eve, "sec.doc", {
        "title": PAYLOAD, "body": PAYLOAD, "memo": PAYLOAD[:200], "kind": "odd",
        "party": party["id"], "approver": "vic", "attachment": key,
        "website": "https://example.com/?q=<script>",
        "lines": [{"item": PAYLOAD, "qty": 1}],
    })
    runtime.process.act(eve, "sec.doc", world.doc["id"], "submit", {"comment": PAYLOAD})
    return world


PAGES = ["/", "/inbox", "/inbox?tab=cc", "/notifications", "/sec/doc/", "/sec/doc/?q={q}",
         "/sec/doc/{id}", "/sec/doc/{id}/edit", "/sec/doc/{id}/actions/approve",
         "/sec/party/", "/sec/doc/pick/party?_q_party=%3C"]


def assert_escaped(html: str) -> None:
    for live in LIVE:
        assert live not in html, live


@pytest.mark.parametrize("reader", ["vic", "eve"])
@pytest.mark.parametrize("page", PAGES)
def test_stored_payloads_come_back_escaped(world, reader, page):
    from urllib.parse import quote

    # the edit page of a record in approval leads back to the record: follow it there
    response = world.page(reader).get(page.format(id=world.doc["id"], q=quote(SCRIPT)),
                                      follow_redirects=True)
    assert response.status_code in (200, 403), (page, response.status_code)
    assert_escaped(response.get_data(as_text=True))


def test_the_payload_is_shown_as_text_not_dropped(world):
    html = world.page("vic").get(f"/sec/doc/{world.doc['id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html
    assert "&lt;b&gt;Odd&lt;/b&gt;" in html or "<b>Odd</b>" not in html  # a select label


def test_a_hostile_file_name_is_stored_harmless(world):
    assert "<" not in world.doc["attachment"] and ">" not in world.doc["attachment"]


def test_the_api_returns_the_payload_as_json_data(world):
    response = world.api["vic"].get(f"sec/doc/{world.doc['id']}")
    assert response.mimetype == "application/json"
    assert response.get_json()["title"] == PAYLOAD


# -- in a browser -----------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--headless", "--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


def test_no_script_runs_and_the_policy_holds_in_a_browser(world, browser, server):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    dialogs, violations = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{server}/login")
    page.fill("#username", "vic")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{server}/")
    for path in PAGES[:-1]:
        page.goto(server + path.format(id=world.doc["id"], q="%3Cscript%3E"))
        page.hover("main")
        page.mouse.move(10, 10)
        page.wait_for_load_state("networkidle")
    page.goto(f"{server}/sec/doc/{world.doc['id']}")
    page.click("[data-action=approve]")  # htmx loads the action dialog under the policy
    page.wait_for_selector("#action-submit")
    context.close()
    assert dialogs == []
    assert violations == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:x"])
def test_a_url_field_refuses_script_schemes(world, url):
    response = world.api["eve"].post("sec/doc", json={"title": "Link", "website": url})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["website"]
