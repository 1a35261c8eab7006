"""Record titles speak the reader's words: a user's display name (never the user name),
option labels in the reader's language (never codes) and local dates and times (never
ISO timestamps), on the list, the record page and its breadcrumbs, and in the stored
title the inbox and notifications show."""

from __future__ import annotations

import pytest

from formflow.auth import create_user
from support import PASSWORD, TEST_APPS
from support.web_support import sign_in

VISIT = "desk.visit"


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "titles")]


@pytest.fixture
def guest(make_user):
    return make_user("gus")


@pytest.fixture
def visit(runtime, guest):
    with runtime.db.write() as conn:
        create_user(conn, "hlee", PASSWORD, display_name="Hana Lee")
    return runtime.records.create(guest, VISIT, {
        "kind": "client", "host": "hlee", "arrives": "2026-03-01T01:30:00Z",
    })


def test_the_stored_title_shows_the_display_name_a_label_and_the_local_minute(visit):
    assert visit["_title"] == "Client · Hana Lee · 2026-03-01 09:30"  # Asia/Shanghai time


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Client · Hana Lee · Mar 1, 2026 9:30"),
    ("zh-CN", "客户 · Hana Lee · 2026年3月1日 09:30"),
])
def test_the_list_and_record_page_show_the_title_in_the_readers_language(
    client, visit, lang, expected
):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    sign_in(client, "gus")
    listed = client.get("/desk/visit/").get_data(as_text=True)
    page = client.get(f"/desk/visit/{visit['id']}").get_data(as_text=True)
    for html in (listed, page):
        assert expected in html.replace("\u202f", " ")
        assert "hlee" not in html.split("</nav>", 1)[1]  # never the user name
        assert "2026-03-01T" not in html
    assert page.count(expected) >= 2  # the heading and the breadcrumb


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Client · Hana Lee · Mar 1, 2026 9:30"),
    ("zh-CN", "客户 · Hana Lee · 2026年3月1日 09:30"),
])
def test_the_inbox_shows_the_title_in_the_readers_language(
    client, runtime, guest, visit, lang, expected
):
    runtime.process.act(guest, VISIT, visit["id"], "submit", {})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    sign_in(client, "hlee")
    html = client.get("/inbox").get_data(as_text=True).replace("\u202f", " ")
    assert expected in html


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Client · Hana Lee · Mar 1, 2026 9:30"),
    ("zh-CN", "客户 · Hana Lee · 2026年3月1日 09:30"),
])
def test_notifications_show_the_title_in_the_readers_language(
    client, runtime, guest, visit, lang, expected
):
    runtime.process.act(guest, VISIT, visit["id"], "submit", {})  # hlee gets a task notice
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    sign_in(client, "hlee")
    html = client.get("/notifications").get_data(as_text=True).replace("\u202f", " ")
    assert expected in html
    assert "2026-03-01 09:30" not in html  # not the stored title

