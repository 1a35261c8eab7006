"""The frame of every page: menus follow permissions, home page, language, errors."""

from __future__ import annotations

from support.web_support import HTMX, sign_in


def test_the_menu_shows_only_entities_the_user_may_read(client, make_user):
    make_user("alice")  # role "user" reads its own opportunities, customers, contacts
    sign_in(client, "alice")
    page = client.get("/").get_data(as_text=True)
    assert "/crm/opportunity/" in page


def test_a_user_without_any_grant_sees_no_menu_entry(make_app, tmp_path):
    from support.helpers import LAB

    app = make_app([LAB])
    runtime = app.extensions["formflow"]
    from formflow.auth import create_user

    with runtime.db.write() as conn:
        create_user(
            conn, "olga", "tulip-sesame-42", roles=["outsider"], known_roles=runtime.model.roles
        )
    client = app.test_client()
    sign_in(client, "olga")
    page = client.get("/").get_data(as_text=True)
    assert "/lab/sample/" not in page  # outsiders may not read samples
    assert "/lab/partner/" in page  # every user reads partners


def test_the_home_page_lists_my_recent_records(client, runtime, make_user):
    alice = make_user("alice", roles=["sales_manager"])
    runtime.records.create(alice, "crm.customer", {"name": "Hooli"})
    sign_in(client, "alice")
    page = client.get("/").get_data(as_text=True)
    assert "Hooli" in page


def test_the_language_follows_the_browser(client, make_user):
    make_user("alice")
    sign_in(client, "alice")
    assert "首页" in client.get("/crm/customer/", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert "Home" in client.get("/crm/customer/", headers={"Accept-Language": "en-US"}).get_data(
        as_text=True
    )


def test_the_language_switch_overrides_the_browser(client, make_user):
    make_user("alice")
    token = sign_in(client, "alice")
    response = client.post(
        "/language", data={"lang": "en", "csrf_token": token, "next": "/profile"}
    )
    assert response.location == "/profile"
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "My recent records" in page


def test_the_language_switch_works_before_signing_in(client):
    client.get("/login")
    from support.web_support import csrf

    client.post("/language", data={"lang": "zh-CN", "csrf_token": csrf(client)})
    assert "登录" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_metadata_labels_follow_the_language(client, make_user):
    make_user("alice", roles=["sales_manager"])
    sign_in(client, "alice")
    assert "客户" in client.get("/crm/customer/", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    english = client.get("/crm/customer/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<h1 class="h3 mb-0">Customer</h1>' in english


def test_breadcrumbs_lead_back_to_the_list(client, runtime, make_user):
    alice = make_user("alice", roles=["sales_manager"])
    record = runtime.records.create(alice, "crm.customer", {"name": "Hooli"})
    sign_in(client, "alice")
    page = client.get(f"/crm/customer/{record['id']}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert 'aria-label="Breadcrumb"' in page and 'href="/crm/customer/"' in page


def test_an_unknown_entity_is_a_404_page(client, make_user):
    make_user("alice")
    sign_in(client, "alice")
    response = client.get("/crm/nothing/")
    assert response.status_code == 404 and "<html" in response.get_data(as_text=True)


def test_an_error_asked_by_htmx_is_a_fragment(client, make_user):
    make_user("alice")
    sign_in(client, "alice")
    response = client.get("/crm/nothing/", headers=HTMX)
    assert response.status_code == 404 and "<html" not in response.get_data(as_text=True)


def test_assets_are_served_locally(client):
    page = client.get("/login").get_data(as_text=True)
    assert "vendor/bootstrap/css/bootstrap.min.css" in page and "vendor/htmx/htmx.min.js" in page
    assert "http://" not in page and "https://" not in page
    for path in (
        "/static/vendor/bootstrap/css/bootstrap.min.css",
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "/static/formflow.js",
        "/static/formflow.css",
        "/static/vendor/bootstrap/LICENSE",
        "/static/vendor/htmx/LICENSE",
    ):
        assert client.get(path).status_code == 200, path
