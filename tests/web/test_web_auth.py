"""Sign in and out, the sign-in wall, CSRF on every form, the session cookie."""

from __future__ import annotations

import pytest

from support import ADMIN_PASSWORD, PASSWORD
from support.web_support import HTMX, csrf, sign_in


def test_the_sign_in_page_has_username_and_password_inputs(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page and 'name="csrf_token"' in page


def test_signing_in_goes_to_the_page_asked_for(client, admin):
    client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "admin",
            "password": ADMIN_PASSWORD,
            "csrf_token": csrf(client),
            "next": "/profile",
        },
    )
    assert response.status_code == 302 and response.location == "/profile"


def test_signing_in_never_goes_to_another_site(client, admin):
    client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "admin",
            "password": ADMIN_PASSWORD,
            "csrf_token": csrf(client),
            "next": "//evil.example",
        },
    )
    assert response.status_code == 400 and response.location is None


def test_a_wrong_password_is_refused(client, make_user):
    make_user("alice")
    client.get("/login")
    response = client.post(
        "/login", data={"username": "alice", "password": "wrong-one", "csrf_token": csrf(client)}
    )
    assert response.status_code == 401
    assert 'value="alice"' in response.get_data(as_text=True)


def test_repeated_failures_are_rate_limited(client, make_user):
    make_user("alice")
    client.get("/login")
    for _ in range(5):
        client.post(
            "/login", data={"username": "alice", "password": "nope", "csrf_token": csrf(client)}
        )
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf(client)}
    )
    assert response.status_code == 429


def test_the_session_cookie_is_httponly_and_samesite(client, make_user):
    make_user("alice")
    client.get("/login")
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf(client)}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_signing_in_starts_a_new_session(client, make_user):
    make_user("alice")
    client.get("/login")
    before = csrf(client)
    sign_in(client, "alice")
    assert csrf(client) != before


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/profile",
        "/crm/customer/",
        "/crm/customer/new",
        "/crm/customer/1",
        "/crm/customer/1/edit",
        "/crm/customer/trash",
    ],
)
def test_pages_need_a_signed_in_user(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_an_htmx_request_without_a_session_is_sent_to_sign_in(client):
    response = client.get("/crm/customer/", headers=HTMX)
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/login")


def test_signing_out_ends_the_session(client, make_user):
    make_user("alice")
    token = sign_in(client, "alice")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_an_inactive_user_is_signed_out(client, runtime, make_user):
    from formflow.auth import deactivate

    alice = make_user("alice")
    sign_in(client, "alice")
    with runtime.db.write() as conn:
        deactivate(conn, alice.id)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/logout",
        "/language",
        "/profile/password",
        "/profile/tokens",
        "/crm/customer/new",
        "/crm/customer/preview",
    ],
)
def test_a_form_post_without_the_csrf_token_is_refused(client, make_user, path):
    make_user("alice", roles=["sales_manager"])
    sign_in(client, "alice")
    response = client.post(path, data={"username": "alice", "password": PASSWORD, "name": "X"})
    assert response.status_code == 400


def test_a_form_post_with_a_wrong_csrf_token_is_refused(client, make_user):
    make_user("alice", roles=["sales_manager"])
    sign_in(client, "alice")
    response = client.post("/crm/customer/new", data={"name": "X", "csrf_token": "forged"})
    assert response.status_code == 400


def test_htmx_sends_the_token_in_a_header(client, make_user):
    make_user("alice", roles=["sales_manager"])
    token = sign_in(client, "alice")
    page = client.get("/").get_data(as_text=True)
    assert "hx-headers" in page and token in page
    response = client.post(
        "/crm/customer/preview", data={"name": "X"}, headers={**HTMX, "X-CSRF-Token": token}
    )
    assert response.status_code == 200
