"""Crafted requests: the page to open after signing in stays on this site, a text log
line cannot be forged from a requested path, and hostile text or query strings get a
4xx saying what is wrong, never a 500."""

from __future__ import annotations

import logging
import sys

import pytest

from formflow.ops.request_log import TextFormatter
from formflow.records.query import MAX_FILTERS, MAX_IN_VALUES
from support import ADMIN_PASSWORD
from support.helpers import SAMPLES, add_user, database_state, module_app, problem
from support.web_support import csrf, sign_in


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("security-requests")) as app:
        yield app


@pytest.fixture(scope="module")
def api(app):
    return add_user(app, "typist", roles=["manager"])[1]


@pytest.fixture
def runtime(app):
    return app.extensions["formflow"]


# -- the page to open after signing in ---------------------------------------------------

#: Each of these would send the browser to another site, or break the Location header.
ELSEWHERE = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\nSet-Cookie: taken=1",
    "/\\evil.example",
    "\\\\evil.example",
    "/%09/evil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%0d%0aSet-Cookie:%20taken=1",
    "https://evil.example/",
    "javascript:alert(1)",
    " //evil.example",
    "/\u202e/evil.example",
    "evil.example",
]


def post_sign_in(client, next_page: str):
    client.get("/login")
    form = {"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": csrf(client)}
    return client.post("/login", data={**form, "next": next_page},
                       headers={"Accept-Language": "en"})


@pytest.mark.parametrize("next_page", ELSEWHERE)
def test_signing_in_with_a_next_page_elsewhere_is_400_and_goes_nowhere(app, next_page):
    client = app.test_client()
    response = post_sign_in(client, next_page)
    assert response.status_code == 400 and "Location" not in response.headers
    assert "not an address on this site" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302  # not signed in


@pytest.mark.parametrize("next_page", ["/profile", "/lab/sample/?q=a%2Fb&sort=-name", "/"])
def test_signing_in_goes_to_a_next_page_on_this_site(app, next_page):
    response = post_sign_in(app.test_client(), next_page)
    assert response.status_code == 302 and response.location == next_page


@pytest.mark.parametrize("next_page", ELSEWHERE)
def test_the_sign_in_page_drops_a_next_page_elsewhere(app, next_page):
    page = app.test_client().get("/login", query_string={"next": next_page})
    assert page.status_code == 200
    assert 'name="next" value=""' in page.get_data(as_text=True)


@pytest.mark.parametrize("next_page", ELSEWHERE)
def test_switching_language_never_leaves_the_site(app, next_page):
    client = app.test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    response = client.post(
        "/language", data={"lang": "en", "next": next_page, "csrf_token": csrf(client)}
    )
    assert response.status_code == 302 and response.location == "/"


# -- log lines ---------------------------------------------------------------------------


def test_a_newline_in_a_requested_path_cannot_forge_a_text_log_line(make_app, capsys):
    client = make_app([], LOG_FORMAT="text").test_client()
    capsys.readouterr()
    forged = "/x%0a2026-01-01 00:00:00,000 INFO formflow.requests: GET /admin 200 1.0 ms%0d%1b[2J"
    client.get(forged)
    lines = [line for line in capsys.readouterr().err.splitlines() if "formflow.requests" in line]
    assert len(lines) == 1
    assert "GET /x\\n2026-01-01" in lines[0] and "\\r\\x1b[2J" in lines[0]


def test_a_traceback_in_a_text_log_keeps_every_line_indented():
    try:
        raise ValueError("bad value\n2026-01-01 00:00:00,000 INFO forged: line\r")
    except ValueError:
        record = logging.LogRecord("formflow", logging.ERROR, __file__, 1, "failed", None,
                                   sys.exc_info())
    first, *rest = TextFormatter().format(record).split("\n")
    assert first.endswith("ERROR formflow: failed")
    assert rest and all(line.startswith("    ") for line in rest)
    assert "\\r" in rest[-1]


# -- text that is not Unicode ------------------------------------------------------------

#: JSON bodies sent as is: an unpaired surrogate escape, and where it is reported.
LONE_SURROGATES = [
    ('{"name": "\\ud800"}', "name"),
    ('{"name": "ok \\udfff end"}', "name"),
    ('{"name": "Valid", "\\ud800": "x"}', "\ufffd"),
    ('{"name": "Valid", "lines": [{"item": "\\udc00", "qty": 1}]}', "lines[0].item"),
    ('{"name": "Valid", "tags": ["red", "\\ud83d"]}', "tags[1]"),
]


@pytest.mark.parametrize(("body", "where"), LONE_SURROGATES)
def test_an_unpaired_surrogate_in_json_is_400_naming_where(api, runtime, body, where):
    before = database_state(runtime)
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    detail = problem(api.post(SAMPLES, data=body, headers=headers), 400)["detail"]
    assert "not valid Unicode" in detail and f"at {where}." in detail
    assert database_state(runtime) == before


def test_an_unpaired_surrogate_in_an_update_is_400(api, runtime):
    record = api.post(SAMPLES, json={"name": "Kept"}).get_json()
    headers = {"Content-Type": "application/json"}
    problem(api.patch(f"{SAMPLES}/{record['id']}", data='{"name": "\\ud800"}', headers=headers),
            400)
    assert api.get(f"{SAMPLES}/{record['id']}").get_json()["name"] == "Kept"


def test_a_surrogate_pair_is_one_character_and_is_stored(api):
    response = api.post(SAMPLES, data='{"name": "smile \\ud83d\\ude00"}',
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 201 and response.get_json()["name"] == "smile 😀"


# -- too many filter terms ---------------------------------------------------------------

#: More filter terms than a list takes, within the query string limits (a thousand terms
#: are refused sooner, by the cap on query parameters: tests/security/test_input_limits.py).
MANY_FILTERS = {
    "repeated": "&".join(["quantity=1"] * (MAX_FILTERS + 10)),
    "different": "&".join(
        f"{name}__{op}={n}"
        for n in range(10)
        for name in ("quantity", "price")
        for op in ("ne", "gte", "lte")
    ),
}


@pytest.mark.parametrize("query", MANY_FILTERS.values(), ids=MANY_FILTERS.keys())
def test_too_many_filter_terms_is_400_saying_how_many_are_allowed(api, query):
    response = api.get(f"{SAMPLES}?{query}", headers={"Accept-Language": "en"})
    assert f"Use at most {MAX_FILTERS} filter conditions" in problem(response, 400)["detail"]


def test_a_thousand_filter_terms_are_refused_before_any_query(api):
    query = "&".join(["quantity=1"] * 1000)  # a 500 on SQLite once (too many terms)
    response = api.get(f"{SAMPLES}?{query}", headers={"Accept-Language": "en"})
    assert "query string" in problem(response, 413)["detail"]


def test_the_most_filter_terms_allowed_still_answer(api):
    query = "&".join(f"quantity__ne={n}" for n in range(MAX_FILTERS))
    assert api.get(f"{SAMPLES}?{query}").status_code == 200


def test_too_many_values_in_one_in_filter_is_400_counting_them(api):
    values = ",".join(str(n) for n in range(MAX_IN_VALUES + 1))
    response = api.get(f"{SAMPLES}?quantity__in={values}", headers={"Accept-Language": "en"})
    detail = problem(response, 400)["detail"]
    assert f"List at most {MAX_IN_VALUES} values; this list has {MAX_IN_VALUES + 1}." in detail


def test_too_many_filter_terms_on_the_list_page_is_400(app):
    client = app.test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    response = client.get(f"/lab/sample/?{MANY_FILTERS['repeated']}",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert f"Use at most {MAX_FILTERS} filter conditions" in response.get_data(as_text=True)
