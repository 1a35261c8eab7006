"""Sessions and credentials: sign-in throttling on every place a password is checked,
no session fixation, sessions that end when the password changes, and API tokens
revoked at once through the API.  (How passwords and tokens are stored is tested in
test_auth.py: scrypt at full cost in production, SHA-256 of the token.)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from formflow.auth import (
    activate,
    create_token,
    create_user,
    deactivate,
    list_tokens,
    password_stamp,
    revoke_token,
    set_password,
    user_for_session,
)
from formflow.auth.tables import tokens
from support import PASSWORD
from support.helpers import counting_queries
from support.web_support import csrf, sign_in

SESSION_COOKIE = "session"


@pytest.fixture
def alice(make_user):
    return make_user("alice", roles=["sales_manager"])


def cookie(client) -> str:
    return client.get_cookie(SESSION_COOKIE).value


def with_cookie(app, value: str):
    """A new client presenting a copied session cookie."""
    other = app.test_client()
    other.set_cookie(SESSION_COOKIE, value)
    return other


def signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


# -- throttling -------------------------------------------------------------------------------


def test_sign_in_is_throttled_per_user_and_address(client, alice):
    client.get("/login")
    for _ in range(5):
        client.post("/login", data={"username": "alice", "password": "wrong-one",
                                    "csrf_token": csrf(client)})
    response = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                           "csrf_token": csrf(client)})
    assert response.status_code == 429
    assert not signed_in(client)


def test_guessing_the_current_password_on_the_profile_page_is_throttled_too(client, alice):
    token = sign_in(client, "alice")
    for _ in range(5):
        client.post("/profile/password", data={
            "csrf_token": token, "current_password": "guess-guess",
            "new_password": "new-password-1", "confirm_password": "new-password-1"})
    response = client.post("/profile/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "new-password-1", "confirm_password": "new-password-1"})
    assert response.status_code == 422
    fresh = client.application.test_client()
    fresh.get("/login")
    answer = fresh.post("/login", data={"username": "alice", "password": PASSWORD,
                                        "csrf_token": csrf(fresh)})
    assert answer.status_code == 429  # the same count as the sign-in form


# -- fixation and reuse -----------------------------------------------------------------------


def test_a_session_planted_before_sign_in_is_not_signed_in_afterwards(app, client, alice):
    client.get("/login")
    planted = cookie(client)
    sign_in(client, "alice")
    assert cookie(client) != planted
    assert not signed_in(with_cookie(app, planted))
    assert signed_in(client)


def test_a_copied_session_ends_when_the_password_changes(app, client, alice):
    token = sign_in(client, "alice")
    stolen = with_cookie(app, cookie(client))
    assert signed_in(stolen)
    response = client.post("/profile/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "a-new-password", "confirm_password": "a-new-password"})
    assert response.status_code == 302
    assert signed_in(client)  # the user who changed it stays signed in
    assert not signed_in(stolen)
    assert stolen.get("/api/v1/meta").status_code == 401


def test_a_password_reset_by_an_admin_ends_every_session(app, runtime, client, alice):
    sign_in(client, "alice")
    with runtime.db.write() as conn:
        set_password(conn, alice.id, "reset-by-admin")
    assert not signed_in(client)
    assert client.get("/api/v1/meta").status_code == 401


def test_a_deactivated_user_loses_pages_and_api_at_once(runtime, client, alice, api_as):
    sign_in(client, "alice")
    api = api_as(alice)
    with runtime.db.write() as conn:
        deactivate(conn, alice.id)
    assert not signed_in(client)
    assert client.get("/api/v1/meta").status_code == 401
    assert api.get("meta").status_code == 401


# -- tokens -----------------------------------------------------------------------------------


def test_a_revoked_token_is_refused_on_the_next_call(runtime, alice, api_as):
    api = api_as(alice)
    assert api.get("meta").status_code == 200
    with runtime.db.write() as conn:
        token_id = conn.scalar(sa.select(sa.func.max(tokens.c.id)))
        revoke_token(conn, token_id, user_id=alice.id)
    response = api.get("meta")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_revoked_on_the_profile_page_is_refused_at_once(client, alice, api_as):
    api = api_as(alice)
    token = sign_in(client, "alice")
    page = client.get("/profile").get_data(as_text=True)
    assert api.get("meta").status_code == 200
    token_id = page.split("/profile/tokens/")[1].split("/")[0]
    client.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert api.get("meta").status_code == 401


# -- ending sessions on the server --------------------------------------------------------------


def test_a_copied_session_cookie_stops_working_after_sign_out(app, client, alice):
    token = sign_in(client, "alice")
    stolen = with_cookie(app, cookie(client))
    assert signed_in(stolen)
    client.post("/logout", data={"csrf_token": token})
    assert not signed_in(stolen)
    assert stolen.get("/api/v1/meta").status_code == 401


def test_signing_in_again_after_sign_out_works(client, alice):
    token = sign_in(client, "alice")
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "alice")
    assert signed_in(client)


def test_reactivating_a_user_revives_neither_sessions_nor_tokens(
    app, runtime, client, alice, api_as
):
    sign_in(client, "alice")
    kept = cookie(client)
    api = api_as(alice)
    with runtime.db.write() as conn:
        deactivate(conn, alice.id)
    with runtime.db.write() as conn:
        activate(conn, alice.id)
    assert not signed_in(with_cookie(app, kept))
    assert with_cookie(app, kept).get("/api/v1/meta").status_code == 401
    assert api.get("meta").status_code == 401
    with runtime.db.read() as conn:
        assert all(t.revoked for t in list_tokens(conn, alice.id))
    sign_in(client, "alice")  # the reactivated user signs in anew
    assert signed_in(client)


def test_deactivation_by_an_admin_in_the_admin_form_ends_the_users_sessions(
    app, runtime, client, alice, admin
):
    sign_in(client, "alice")
    kept = cookie(client)
    for active in (False, True):
        runtime.directory.update_user(admin, alice.id, {
            "display_name": "Alice", "roles": ["sales_manager"], "active": active})
    assert not signed_in(with_cookie(app, kept))


def test_a_signed_in_request_looks_the_user_up_in_one_query(runtime, alice):
    with runtime.db.read() as conn:
        stamp = password_stamp(conn, alice.id)
        with counting_queries(conn) as statements:
            assert user_for_session(conn, alice.id, stamp) == alice
    assert len(statements) == 1


# -- token lifetimes and passwords on the profile page ----------------------------------------


def test_a_token_made_on_the_profile_page_expires_after_the_days_chosen(client, runtime, alice):
    token = sign_in(client, "alice")
    page = client.post("/profile/tokens", data={"csrf_token": token, "name": "report",
                                                "days": "7"})
    assert page.status_code == 200
    with runtime.db.read() as conn:
        (made,) = list_tokens(conn, alice.id)
    assert made.expires_at is not None
    assert "report" in page.get_data(as_text=True)
    refused = client.post("/profile/tokens", data={"csrf_token": token, "name": "forever",
                                                   "days": "0"},
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert "1 to 90 days" in refused.get_data(as_text=True)


def test_changing_the_password_on_the_profile_page_revokes_the_users_tokens(
    client, alice, api_as
):
    api = api_as(alice)
    token = sign_in(client, "alice")
    response = client.post("/profile/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "a-new-password", "confirm_password": "a-new-password"})
    assert response.status_code == 302
    assert api.get("meta").status_code == 401


def test_tokens_survive_a_password_change_when_configured(make_app, metadata_path, make_user):
    app = make_app(metadata_path, PASSWORD_CHANGE_REVOKES_TOKENS="0")
    runtime = app.extensions["formflow"]
    with runtime.db.write() as conn:
        user = create_user(conn, "alice", PASSWORD)
        _, plaintext = create_token(conn, user.id, "script")
    client = app.test_client()
    token = sign_in(client, "alice")
    client.post("/profile/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "a-new-password", "confirm_password": "a-new-password"})
    answer = client.get("/api/v1/meta", headers={"Authorization": f"Bearer {plaintext}"})
    assert answer.status_code == 200


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "most common"), ("zh-CN", "最常见的密码"),
])
def test_a_common_new_password_is_refused_on_the_profile_page(client, alice, lang, text):
    token = sign_in(client, "alice")
    response = client.post("/profile/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "iloveyou1", "confirm_password": "iloveyou1"},
        headers={"Accept-Language": lang})
    assert response.status_code == 422
    assert text in response.get_data(as_text=True)
