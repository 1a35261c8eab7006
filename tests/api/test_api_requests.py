"""What the REST API demands of a request before any record is touched: a valid token or
a session with its CSRF token, a JSON body of bounded size, a JSON content type."""

from __future__ import annotations

import json

import pytest

from formflow.auth import deactivate
from support import ADMIN_PASSWORD
from support.helpers import LAB, SAMPLES, add_user, module_app, problem, revoke_tokens

BODY_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("api-requests"), MAX_CONTENT_LENGTH=BODY_LIMIT) as app:
        yield app


@pytest.fixture(scope="module")
def record(app):
    _, api = add_user(app, "owner", roles=["manager"])
    return api.post(SAMPLES, json={"name": "Target"}).get_json()


def send(api, method: str, data, content_type: str | None = "application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    return api._call(method, SAMPLES, data=data, headers=headers)


# -- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer nonsense",
        "Bearer ff_" + "x" * 40,
        "Basic YWRtaW46YWRtaW4=",
        "bearer " + "y" * 5000,
    ],
)
def test_a_missing_or_invalid_token_is_401(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(f"/api/v1/{SAMPLES}", headers=headers)
    problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401(app, runtime):
    user, api = add_user(app, "revoked")
    assert api.get(SAMPLES).status_code != 401
    revoke_tokens(runtime, user)
    problem(api.get(SAMPLES), 401)


def test_the_token_of_a_deactivated_user_is_401(app, runtime):
    user, api = add_user(app, "leaver", roles=["manager"])
    with runtime.db.write() as conn:
        deactivate(conn, user.id)
    problem(api.get(SAMPLES), 401)


# -- the session cookie and CSRF ---------------------------------------------------------------


@pytest.fixture
def browser(app):
    """A test client signed in through the login form, and its CSRF token."""
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf_token"]
    response = client.post(
        "/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        return client, session["csrf_token"]


def test_a_session_may_read_without_a_csrf_token(browser, record):
    client, _ = browser
    assert client.get(f"/api/v1/{SAMPLES}/{record['id']}").status_code == 200


@pytest.mark.parametrize("sent", [None, "", "wrong-token"])
@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_a_session_change_without_the_csrf_token_is_403(browser, record, state, method, sent):
    client, _ = browser
    path = f"/api/v1/{SAMPLES}" + ("" if method == "POST" else f"/{record['id']}")
    headers = {} if sent is None else {"X-CSRF-Token": sent}
    before = state()
    problem(client.open(path, method=method, json={"name": "Forged"}, headers=headers), 403)
    assert state() == before


def test_a_session_change_with_the_csrf_token_is_accepted(browser, record):
    client, token = browser
    response = client.patch(
        f"/api/v1/{SAMPLES}/{record['id']}",
        json={"memo": "by session"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.get_json()["memo"] == "by session"


# -- the body ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "{",
        '{"name": }',
        "{'name': 'single quotes'}",
        '{"name": "x"} trailing',
        "",
        b"\xff\xfe{}",
        "[" * 20_000 + "]" * 20_000,
        '{"quantity": ' + "9" * 5000 + "}",
    ],
    ids=["open", "no-value", "single-quotes", "trailing", "empty", "not-utf8", "deep", "long-int"],
)
def test_malformed_json_is_400_and_writes_nothing(admin_api, state, data):
    before = state()
    problem(send(admin_api, "POST", data), 400)
    assert state() == before


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/jsonx",
    ],
)
def test_a_body_that_is_not_declared_json_is_415(admin_api, state, content_type):
    before = state()
    problem(send(admin_api, "POST", json.dumps({"name": "Typed"}), content_type), 415)
    assert state() == before


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
def test_json_with_parameters_or_a_json_suffix_is_accepted(admin_api, content_type):
    response = send(admin_api, "POST", json.dumps({"name": "Typed"}), content_type)
    assert response.status_code == 201


def test_a_body_over_the_size_bound_is_413_and_writes_nothing(admin_api, state):
    before = state()
    body = json.dumps({"name": "Big", "description": "x" * BODY_LIMIT})
    problem(send(admin_api, "POST", body), 413)
    assert state() == before


def test_the_default_size_bound_is_2_mb(make_app):
    app = make_app([LAB])
    _, api = add_user(app, "sizer", roles=["manager"])
    limit = 2 * 1024 * 1024
    padding = "x" * (limit - len(json.dumps({"name": ""})))
    problem(send(api, "POST", json.dumps({"name": padding})), 422)  # exactly 2 MB: read
    problem(send(api, "POST", json.dumps({"name": padding + "x"})), 413)


def test_a_method_the_api_does_not_have_is_405_problem(admin_api):
    problem(admin_api._call("PUT", SAMPLES, json={"name": "Put"}), 405)


def test_an_unknown_api_path_is_404_problem(admin_api):
    problem(admin_api.get("/api/v1/no/such/thing/here"), 404)
