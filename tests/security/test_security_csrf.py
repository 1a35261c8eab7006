"""Cross-site request forgery: every state-changing route of the app — found in its URL
map, core and plugin routes alike, not listed by hand — refuses a request that rides on
the session cookie without the session's CSRF token.  Pages answer 400 ("the form has
expired"); the API answers 403.  A Bearer-token call needs no CSRF token: a third-party
page cannot send the header.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from formflow.auth.tables import tokens
from support.app_helpers import SHIPPED_PLUGINS
from support.helpers import database_state, module_app
from support.security_support import SECURITY, World
from support.web_support import csrf

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
#: Placeholder values for the URL rules' arguments.
ARGUMENTS = {"app": "sec", "entity": "doc", "name": "memo", "path": "party",
             "day": "2030-01-01", "digest": "0" * 64, "filename": "x.txt"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    directory = tmp_path_factory.mktemp("security-csrf")
    with module_app(directory, metadata_path=(SECURITY,),
                    PLUGINS_PATH=[str(SHIPPED_PLUGINS)]) as app:
        yield app


@pytest.fixture(scope="module")
def world(app):
    world = World(app)
    world.add("boss", ["admin"], department=None)
    world.record("sec.doc", "boss")
    return world


def unsafe_routes(app) -> list[tuple[str, str]]:
    """(method, URL) of every rule that changes something, arguments filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods) & set(UNSAFE)):
            values = {arg: ARGUMENTS.get(arg, 1) for arg in rule.arguments}
            url = re.sub(r"<(?:([^:<>]+):)?([^<>]+)>",
                         lambda m, values=values: _argument(m.group(1), values[m.group(2)]),
                         rule.rule)
            found.append((method, url))
    return sorted(found)


def _argument(converter: str | None, value) -> str:
    """The value of a URL argument; one of an ``any(...)`` converter's own choices."""
    if converter and converter.startswith("any("):
        return converter[4:-1].split(",")[0].strip().strip("'\"")
    return str(value)


@pytest.fixture(scope="module")
def routes(app):
    return unsafe_routes(app)


@pytest.fixture
def state(world):
    def snapshot():
        found = database_state(world.runtime)
        with world.runtime.db.read() as conn:
            found["tokens"] = conn.execute(
                sa.select(tokens.c.id, tokens.c.revoked_at).order_by(tokens.c.id)).all()
        return found

    return snapshot


def test_the_route_list_covers_pages_api_and_plugins(routes):
    urls = {url for _, url in routes}
    assert {"/login", "/logout", "/sec/doc/new", "/sec/doc/1/edit", "/profile/tokens",
            "/api/v1/sec/doc", "/api/v1/sec/doc/1/actions/memo",
            "/api/v1/admin/webhooks"} <= urls
    assert len(routes) > 30


@pytest.mark.parametrize("token", [None, "forged", ""], ids=["missing", "forged", "empty"])
def test_every_page_form_refuses_a_post_without_the_token(app, world, state, routes, token):
    client = world.page("boss")
    before = state()
    pages = [(m, u) for m, u in routes if not u.startswith("/api/")]
    for method, url in pages:
        data = {"name": "X", "title": "X"} | ({} if token is None else {"csrf_token": token})
        response = client.open(url, method=method, data=data)
        assert response.status_code == 400, (method, url, response.status_code)
    assert state() == before
    assert client.get("/").status_code == 200  # still signed in: the refusals logged nobody out


def test_signing_in_needs_the_token_too(app, world):
    client = app.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "boss", "password": "tulip-sesame-42"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("header", [None, "forged"], ids=["missing", "forged"])
def test_every_api_change_on_the_session_cookie_needs_the_token(world, state, routes, header):
    client = world.page("boss")
    before = state()
    for method, url in (r for r in routes if r[1].startswith("/api/")):
        headers = {} if header is None else {"X-CSRF-Token": header}
        response = client.open(url, method=method, json={"title": "X"}, headers=headers)
        assert response.status_code == 403, (method, url, response.status_code)
        assert response.mimetype == "application/problem+json"
    assert state() == before


def test_the_api_accepts_the_session_with_its_token(world):
    client = world.page("boss")
    response = client.post("/api/v1/sec/doc", json={"title": "With token"},
                           headers={"X-CSRF-Token": csrf(client)})
    assert response.status_code == 201


def test_a_bearer_token_call_needs_no_csrf_token(world):
    response = world.api["boss"].post("sec/doc", json={"title": "By token"})
    assert response.status_code == 201
