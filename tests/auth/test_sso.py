"""Single sign-on with OpenID Connect, end to end over HTTP against a provider on
loopback: users matched or made from the claims, roles and department from claims,
local passwords turned off, refusals."""

from __future__ import annotations

import re
import threading

import pytest
import requests
from werkzeug.serving import make_server

from formflow.auth import get_user_by_name
from formflow.auth.departments import create_department
from formflow.auth.users import deactivate
from support.helpers import LAB
from support.oidc_provider import Provider

CLIENT_ID, CLIENT_SECRET = "formflow", "client-secret"
STAFF = {"sub": "u-1001", "preferred_username": "zhang.wei", "email": "zhang.wei@corp.example",
         "name": "张伟", "groups": ["sales-team"], "department": "SALES"}


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture(autouse=True)
def plain_http(monkeypatch):
    # The provider runs on loopback without TLS; a real one is reached over HTTPS.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def provider():
    with Provider(CLIENT_ID, CLIENT_SECRET) as running:
        yield running


def sso_app(make_app, provider, **settings):
    return make_app([LAB], OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=CLIENT_ID,
                    OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_ROLES_CLAIM="groups",
                    OIDC_ROLE_MAP='{"sales-team": "manager"}',
                    OIDC_DEPARTMENT_CLAIM="department", OIDC_LABEL="Corp ID", **settings)


@pytest.fixture
def served():
    servers = []

    def serve(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()


def user_named(app, name):
    runtime = app.extensions["formflow"]
    with runtime.db.read() as conn:
        return get_user_by_name(conn, name)


def add_sales(app):
    with app.extensions["formflow"].db.write() as conn:
        create_department(conn, "SALES", "Sales")


def test_a_first_sign_in_makes_the_user_from_the_claims(make_app, provider, served):
    app = sso_app(make_app, provider)
    add_sales(app)
    provider.person = STAFF
    url = served(app)
    browser = requests.Session()

    login = browser.get(f"{url}/login", headers={"Accept-Language": "en"})
    assert "Sign in with Corp ID" in login.text and 'id="password"' in login.text
    home = browser.get(f"{url}/login/sso?next=/lab/sample/")

    assert home.status_code == 200 and home.url == f"{url}/lab/sample/"
    user = user_named(app, "zhang.wei")
    assert (user.display_name, user.email) == ("张伟", "zhang.wei@corp.example")
    assert "manager" in user.roles
    runtime = app.extensions["formflow"]
    assert runtime.accounts.sign_in("zhang.wei", "") is None  # no password to sign in with
    assert user.department_id is not None
    assert browser.get(f"{url}/api/v1/lab/sample").status_code == 200  # the session works


def test_an_existing_user_is_matched_and_follows_the_roles_claim(make_app, provider, served,
                                                                 make_user):
    app = sso_app(make_app, provider)
    make_user("zhang.wei", roles=["manager"])
    provider.person = {**STAFF, "groups": [], "department": "NOWHERE"}
    browser = requests.Session()
    assert browser.get(f"{served(app)}/login/sso").status_code == 200
    user = user_named(app, "zhang.wei")
    assert "manager" not in user.roles  # the provider no longer says so
    assert user.department_id is None  # an unknown department code is left alone


def test_without_user_creation_an_unknown_person_is_refused(make_app, provider, served):
    app = sso_app(make_app, provider, OIDC_CREATE_USERS="0")
    provider.person = STAFF
    page = requests.get(f"{served(app)}/login/sso", headers={"Accept-Language": "en"},
                        timeout=30)
    assert "has no Formflow user" in page.text
    assert user_named(app, "zhang.wei") is None


def test_a_deactivated_user_is_refused(make_app, provider, served, make_user):
    app = sso_app(make_app, provider)
    user = make_user("zhang.wei")
    with app.extensions["formflow"].db.write() as conn:
        deactivate(conn, user.id)
    provider.person = STAFF
    browser = requests.Session()
    page = browser.get(f"{served(app)}/login/sso", headers={"Accept-Language": "zh-CN"})
    assert "您的用户已停用" in page.text
    assert browser.get(f"{served(app)}/api/v1/lab/sample").status_code == 401


def test_a_forged_token_is_refused(make_app, provider, served):
    app = sso_app(make_app, provider)
    provider.person = STAFF
    provider.signing_key = type(provider.key).generate_key(2048, parameters={"kid": "test-key"})
    page = requests.get(f"{served(app)}/login/sso", headers={"Accept-Language": "en"},
                        timeout=30)
    assert "did not work" in page.text
    assert user_named(app, "zhang.wei") is None


def test_local_passwords_can_be_turned_off(make_app, provider, served, make_user):
    app = sso_app(make_app, provider, LOCAL_PASSWORDS="0")
    make_user("mia")
    url = served(app)
    browser = requests.Session()
    login = browser.get(f"{url}/login", headers={"Accept-Language": "en"})
    assert 'id="password"' not in login.text and "Sign in with Corp ID" in login.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    csrf = token.group(1) if token else ""
    refused = browser.post(f"{url}/login", data={"username": "mia", "password": "x",
                                                 "csrf_token": csrf})
    assert refused.status_code in (400, 403)
    assert browser.get(f"{url}/api/v1/lab/sample").status_code == 401
