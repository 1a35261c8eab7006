"""Escaping of user data on every page, CSRF, and pages of an entity one may not read."""

from __future__ import annotations

import pytest

from support.helpers import LAB, PARTNER, SAMPLE
from support.web_support import HTMX, csrf, sign_in

PAYLOADS = ['<script>alert("x")</script>', '" onmouseover="alert(1)" x="']
TEXT_FIELDS = ("name", "description", "special_reason", "approval_note", "memo", "secret")


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture(params=PAYLOADS, ids=["script", "attribute"])
def hostile(request, runtime, manager):
    payload = request.param
    partner = runtime.records.create(manager, PARTNER, {"name": payload[:60]})
    record = runtime.records.create(
        manager,
        SAMPLE,
        {
            **{name: payload for name in TEXT_FIELDS},
            "name": payload[:60],
            "kind": "special",
            "partner": partner["id"],
            "lines": [{"item": payload, "qty": 1, "unit_price": "1"}],
        },
    )
    return payload, record


def assert_escaped(html: str, payload: str) -> None:
    assert payload not in html
    assert "<script>alert" not in html
    assert 'onmouseover="alert' not in html


@pytest.mark.parametrize(
    "page",
    [
        "/lab/sample/",
        "/lab/sample/?q={q}",
        "/lab/sample/{id}",
        "/lab/sample/{id}/edit",
        "/lab/partner/",
        "/",
    ],
)
def test_hostile_text_is_escaped(client, hostile, page):
    payload, record = hostile
    sign_in(client, "mia")
    from urllib.parse import quote

    html = client.get(page.format(id=record["id"], q=quote(payload))).get_data(as_text=True)
    assert_escaped(html, payload)
    if "{id}" in page:
        assert "&lt;script&gt;" in html or "&#34; onmouseover=&#34;" in html


def test_hostile_text_is_escaped_in_the_preview_and_after_an_error(client, hostile):
    payload, record = hostile
    token = sign_in(client, "mia")
    data = {
        "csrf_token": token,
        "name": payload[:60],
        "description": payload,
        "code": "bad",
        "lines": "",
        "lines-0-item": payload,
        "lines-0-qty": "x",
        "lines-0-unit_price": "1",
        "_touched": "name,code",
    }
    for url, headers in (("/lab/sample/new", {}), ("/lab/sample/preview", HTMX)):
        assert_escaped(client.post(url, data=data, headers=headers).get_data(as_text=True), payload)
    html = client.get(f"/lab/sample/pick/partner?_q_partner={payload[:5]}").get_data(as_text=True)
    assert_escaped(html, payload)


@pytest.fixture
def outsider(client, make_user):
    make_user("olga", roles=["outsider"])
    sign_in(client, "olga")
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/lab/sample/"),
        ("GET", "/lab/sample/trash"),
        ("GET", "/lab/sample/export.csv"),
        ("GET", "/lab/sample/new"),
        ("GET", "/lab/sample/{id}"),
        ("GET", "/lab/sample/{id}/edit"),
        ("GET", "/lab/sample/{id}/files/attachment"),
        ("GET", "/lab/sample/pick/partner"),
        ("POST", "/lab/sample/new"),
        ("POST", "/lab/sample/preview"),
        ("POST", "/lab/sample/{id}/edit"),
        ("POST", "/lab/sample/{id}/preview"),
        ("POST", "/lab/sample/{id}/delete"),
        ("POST", "/lab/sample/{id}/restore"),
        ("POST", "/lab/sample/upload/attachment"),
    ],
)
def test_a_user_without_read_permission_gets_nothing(outsider, runtime, manager, method, path):
    runtime.records.remember_upload(manager, "a" * 64 + "/x.txt")
    record = runtime.records.create(
        manager, SAMPLE, {"name": "Hidden", "attachment": "a" * 64 + "/x.txt"}
    )
    url = path.format(id=record["id"])
    if method == "GET":
        response = outsider.get(url)
    else:
        response = outsider.post(url, data={"csrf_token": csrf(outsider), "name": "X"})
    assert response.status_code in (403, 404), (url, response.status_code)
    assert "Hidden" not in response.get_data(as_text=True)


def test_a_user_without_read_permission_sees_no_menu_entry(outsider):
    html = outsider.get("/").get_data(as_text=True)
    assert "/lab/sample/" not in html and "/lab/partner/" in html


def test_a_clerk_sees_only_their_own_records(client, runtime, manager, make_user):
    other = runtime.records.create(manager, SAMPLE, {"name": "Not yours"})
    make_user("carl", roles=["clerk"])
    sign_in(client, "carl")
    assert "Not yours" not in client.get("/lab/sample/").get_data(as_text=True)
    assert client.get(f"/lab/sample/{other['id']}").status_code == 404
    assert client.get(f"/lab/sample/{other['id']}/edit").status_code == 404
