"""The admin area (``/admin``): users, departments, roles and plugins.  Every page and
action: admins allowed, everyone else refused, no write without the CSRF token, and
invalid input shown beside its field in the user's language with nothing written."""

from __future__ import annotations

import re

import pytest

from formflow.auth import create_department, get_user_by_name, list_departments
from support import ADMIN_PASSWORD, PASSWORD, ROOT, TEST_APPS
from support.helpers import LAB, user
from support.plugin_support import HOOK_APPS, write_plugin
from support.web_support import HTMX, csrf, sign_in, text_of


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture
def admin_client(client, people):
    sign_in(client, "admin", ADMIN_PASSWORD)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def clerk_client(app, people):
    other = app.test_client()
    sign_in(other, "carl")
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return other


def department_id(runtime, code):
    with runtime.db.read() as conn:
        return next(d.id for d in list_departments(conn) if d.code == code)


def feedback(html: str, name: str) -> str:
    return text_of(html, f"fb-{name}")


# -- who may open what ----------------------------------------------------------------------

PAGES = [
    "/admin",
    "/admin/users",
    "/admin/users?q=mi",
    "/admin/users/new",
    "/admin/users/{carl}",
    "/admin/departments",
    "/admin/departments/new",
    "/admin/departments/{SALES}",
    "/admin/roles",
    "/admin/plugins",
]


def _url(template, runtime, people):
    return template.format(carl=people["carl"].id, SALES=department_id(runtime, "SALES"))


@pytest.mark.parametrize("page", PAGES)
def test_an_admin_opens_every_admin_page(admin_client, runtime, people, page):
    response = admin_client.get(_url(page, runtime, people))
    assert response.status_code == 200
    assert 'class="nav nav-tabs mb-3 ff-admin-tabs"' in response.get_data(as_text=True)


@pytest.mark.parametrize("page", PAGES)
def test_anyone_else_gets_the_403_page(clerk_client, runtime, people, page):
    response = clerk_client.get(_url(page, runtime, people))
    assert response.status_code == 403
    assert "You are not allowed to do this." in response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_navbar_links_the_admin_area_for_admins_only(admin_client, clerk_client):
    assert 'id="nav-admin"' in admin_client.get("/").get_data(as_text=True)
    assert 'id="nav-admin"' not in clerk_client.get("/").get_data(as_text=True)


# -- every write: refused to non-admins and without the CSRF token ------------------------------

ACTIONS = [
    ("/admin/users/new", {"username": "zoe", "password": PASSWORD, "active": "true"}),
    ("/admin/users/{carl}", {"display_name": "Changed", "active": "true", "roles": "clerk"}),
    ("/admin/users/{carl}/password", {"password": "new-password-1",
                                      "password_again": "new-password-1"}),
    ("/admin/departments/new", {"code": "NEW", "name": "New"}),
    ("/admin/departments/{SALES}", {"name": "Changed"}),
    ("/admin/roles/auditor/members", {"username": "carl"}),
    ("/admin/roles/clerk/members/{carl}/remove", {}),
]


def directory_state(runtime):
    with runtime.db.read() as conn:
        users = sorted((u.username, u.display_name, tuple(sorted(u.roles)), u.active)
                       for u in [get_user_by_name(conn, n) for n in ("admin", "carl", "mia")])
        departments = sorted((d.code, d.name, d.parent_id) for d in list_departments(conn))
        hashes = conn.exec_driver_sql("SELECT username, password_hash FROM ff_users").all()
    return users, departments, sorted(hashes)


@pytest.mark.parametrize(("path", "form"), ACTIONS)
def test_non_admins_change_nothing(clerk_client, runtime, people, path, form):
    before = directory_state(runtime)
    response = clerk_client.post(_url(path, runtime, people),
                                 data={**form, "csrf_token": csrf(clerk_client)})
    assert response.status_code == 403
    assert directory_state(runtime) == before


@pytest.mark.parametrize(("path", "form"), ACTIONS)
def test_a_post_without_the_csrf_token_changes_nothing(admin_client, runtime, people, path, form):
    before = directory_state(runtime)
    response = admin_client.post(_url(path, runtime, people), data=form)
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert directory_state(runtime) == before


# -- users ----------------------------------------------------------------------------------


def test_the_user_list_searches_names_and_e_mail(admin_client, people):
    html = admin_client.get("/admin/users?q=MI").get_data(as_text=True)
    assert 'data-user="mia"' in html and 'data-user="carl"' not in html
    assert 'data-user="admin"' in html  # "adMIn"
    fragment = admin_client.get("/admin/users?q=carl", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'data-user="carl"' in fragment
    assert "No users match." in admin_client.get("/admin/users?q=nobody").get_data(as_text=True)


def test_an_admin_creates_a_user(admin_client, runtime, people):
    response = admin_client.post("/admin/users/new", data={
        "csrf_token": csrf(admin_client), "username": "zoe", "password": PASSWORD,
        "display_name": "Zoe Zhang", "email": "zoe@example.com", "language": "en",
        "department": "SALES", "manager": "mia", "roles": ["clerk", "auditor"],
        "active": "true",
    })
    assert response.status_code == 302
    zoe = user(runtime, "zoe")
    assert (zoe.display_name, zoe.email, zoe.language) == ("Zoe Zhang", "zoe@example.com", "en")
    assert zoe.roles == {"user", "clerk", "auditor"} and zoe.manager_id == people["mia"].id
    assert zoe.department_id == department_id(runtime, "SALES")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Created user zoe." in page and 'data-user="zoe"' in page


def test_bad_values_for_a_new_user_show_beside_their_fields(admin_client, runtime, people):
    response = admin_client.post("/admin/users/new", data={
        "csrf_token": csrf(admin_client), "username": "carl", "password": "short",
        "email": "not-an-address", "manager": "ghost", "roles": ["wizard"],
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "already exists" in feedback(html, "username")
    assert "at least" in feedback(html, "password")
    assert "valid e-mail" in feedback(html, "email")
    assert "ghost" in feedback(html, "manager")
    assert "wizard" in feedback(html, "roles")
    assert 'value="not-an-address"' in html  # what was typed stays
    assert user(runtime, "ghost") is None


def test_an_admin_edits_every_part_of_a_user(admin_client, runtime, people):
    carl = people["carl"]
    response = admin_client.post(f"/admin/users/{carl.id}", data={
        "csrf_token": csrf(admin_client), "display_name": "Carl Chen",
        "email": "carl@example.com", "language": "zh-CN", "department": "OTHER",
        "manager": "mia", "roles": ["supervisor"],
    })  # "active" unchecked
    assert response.status_code == 302
    saved = user(runtime, "carl")
    assert (saved.display_name, saved.email, saved.language) == (
        "Carl Chen", "carl@example.com", "zh-CN")
    assert saved.department_id == department_id(runtime, "OTHER")
    assert saved.manager_id == people["mia"].id
    assert saved.roles == {"user", "supervisor"} and not saved.active
    form = admin_client.get(f"/admin/users/{carl.id}").get_data(as_text=True)
    assert 'value="carl@example.com"' in form and 'value="mia"' in form
    assert re.search(r'value="OTHER" selected', form)


def test_an_invalid_edit_writes_nothing_and_explains_in_the_users_language(
    admin_client, runtime, people
):
    carl = people["carl"]
    response = admin_client.post(f"/admin/users/{carl.id}", data={
        "csrf_token": csrf(admin_client), "display_name": "Valid Name", "email": "bad",
        "manager": "carl", "roles": ["clerk"], "active": "true",
    }, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert feedback(html, "email") == "请输入有效的电子邮箱。"
    assert "上级" in feedback(html, "manager")  # managing oneself
    assert user(runtime, "carl").display_name == "carl"  # the valid part was not kept either


def test_an_admin_cannot_lock_themselves_out(admin_client, runtime):
    admin = user(runtime, "admin")
    response = admin_client.post(f"/admin/users/{admin.id}", data={
        "csrf_token": csrf(admin_client), "display_name": "Admin", "roles": ["clerk"],
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "deactivate your own account" in feedback(html, "active")
    assert "admin role" in feedback(html, "roles")
    assert user(runtime, "admin").active and "admin" in user(runtime, "admin").roles


def test_an_admin_sets_a_new_password(admin_client, app, runtime, people):
    carl = people["carl"]
    path = f"/admin/users/{carl.id}/password"
    weak = admin_client.post(path, data={"csrf_token": csrf(admin_client), "password": "x",
                                         "password_again": "x"})
    assert weak.status_code == 422 and "at least" in feedback(weak.get_data(as_text=True),
                                                               "password")
    differ = admin_client.post(path, data={"csrf_token": csrf(admin_client),
                                           "password": "new-password-1",
                                           "password_again": "new-password-2"})
    assert "differ" in feedback(differ.get_data(as_text=True), "password_again")
    done = admin_client.post(path, data={"csrf_token": csrf(admin_client),
                                         "password": "new-password-1",
                                         "password_again": "new-password-1"})
    assert done.status_code == 302
    sign_in(app.test_client(), "carl", "new-password-1")


def test_an_admin_cannot_set_a_common_or_name_made_password(admin_client, people):
    path = f"/admin/users/{people['carl'].id}/password"
    for password, text in (("sunshine1", "most common"), ("carl2024!", "user name")):
        response = admin_client.post(path, data={"csrf_token": csrf(admin_client),
                                                 "password": password, "password_again": password})
        assert response.status_code == 422
        assert text in feedback(response.get_data(as_text=True), "password")


def test_a_new_user_with_a_common_password_is_refused_in_chinese(admin_client, runtime):
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = admin_client.post("/admin/users/new", data={
        "csrf_token": csrf(admin_client), "username": "nina", "password": "qwerty123"})
    assert response.status_code == 422
    assert "最常见的密码" in feedback(response.get_data(as_text=True), "password")
    assert user(runtime, "nina") is None


def test_an_admin_sees_and_revokes_a_users_tokens(admin_client, runtime, people, api_as):
    carl = people["carl"]
    api = api_as(carl)
    page = admin_client.get(f"/admin/users/{carl.id}").get_data(as_text=True)
    table = page.split('id="token-table"')[1]
    assert "<td>test</td>" in table and "ff_" in table
    token_id = page.split(f"/admin/users/{carl.id}/tokens/")[1].split("/")[0]
    done = admin_client.post(f"/admin/users/{carl.id}/tokens/{token_id}/revoke",
                             data={"csrf_token": csrf(admin_client)})
    assert done.status_code == 302
    assert api.get("meta").status_code == 401
    mia = people["mia"]
    wrong_owner = admin_client.post(f"/admin/users/{mia.id}/tokens/{token_id}/revoke",
                                    data={"csrf_token": csrf(admin_client)}, follow_redirects=True)
    assert "No such token" in wrong_owner.get_data(as_text=True)


def test_only_admins_revoke_other_users_tokens(clerk_client, people, api_as):
    mia = people["mia"]
    api_as(mia)
    response = clerk_client.post(f"/admin/users/{mia.id}/tokens/1/revoke",
                                 data={"csrf_token": csrf(clerk_client)})
    assert response.status_code == 403
    assert api_as(mia).get("meta").status_code == 200


def test_an_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/9999").status_code == 404
    response = admin_client.post("/admin/users/9999", data={"csrf_token": csrf(admin_client)})
    assert response.status_code == 404


# -- departments ------------------------------------------------------------------------------


def test_the_department_tree_shows_parent_head_and_members(admin_client, runtime, people):
    with runtime.db.write() as conn:
        create_department(conn, "SALES-N", "Sales north", parent="SALES", head="mia")
    html = admin_client.get("/admin/departments").get_data(as_text=True)
    order = re.findall(r'data-department="([^"]+)"', html)
    assert order == ["HQ", "SALES", "SALES-N", "OTHER"]
    row = html.split('data-department="SALES-N"')[1].split("</tr>")[0]
    assert "Sales" in row and "mia" in row
    sales = html.split('data-department="SALES"')[1].split("</tr>")[0]
    assert '<td class="text-end">1</td>' in sales  # carl


def test_an_admin_creates_a_department_under_another(admin_client, runtime, people):
    response = admin_client.post("/admin/departments/new", data={
        "csrf_token": csrf(admin_client), "code": "RD", "name": "R&D", "parent": "HQ",
        "head": "mia",
    })
    assert response.status_code == 302
    with runtime.db.read() as conn:
        rd = next(d for d in list_departments(conn) if d.code == "RD")
    assert rd.parent_id == department_id(runtime, "HQ") and rd.head_id == people["mia"].id


def test_bad_department_values_show_beside_their_fields(admin_client, runtime, people):
    response = admin_client.post("/admin/departments/new", data={
        "csrf_token": csrf(admin_client), "code": "SALES", "name": " ", "parent": "NOPE",
        "head": "ghost",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already exists" in feedback(html, "code")
    assert "required" in feedback(html, "name")
    assert "NOPE" in feedback(html, "parent") and "ghost" in feedback(html, "head")


def test_an_admin_renames_moves_and_heads_a_department(admin_client, runtime, people):
    sales = department_id(runtime, "SALES")
    response = admin_client.post(f"/admin/departments/{sales}", data={
        "csrf_token": csrf(admin_client), "name": "Sales & marketing", "parent": "OTHER",
        "head": "carl",
    })
    assert response.status_code == 302
    with runtime.db.read() as conn:
        moved = next(d for d in list_departments(conn) if d.code == "SALES")
    assert moved.name == "Sales & marketing" and moved.head_id == people["carl"].id
    assert moved.parent_id == department_id(runtime, "OTHER")


def test_a_department_cannot_move_below_itself(admin_client, runtime, people):
    hq = department_id(runtime, "HQ")
    form = admin_client.get(f"/admin/departments/{hq}").get_data(as_text=True)
    assert 'value="SALES"' not in form  # not offered as a parent
    assert 'id="department-members"' in form and "mia" in form.split('id="department-members"')[1]
    response = admin_client.post(f"/admin/departments/{hq}", data={
        "csrf_token": csrf(admin_client), "name": "Head office renamed", "parent": "SALES",
    })
    assert response.status_code == 422
    assert "under itself" in feedback(response.get_data(as_text=True), "parent")
    with runtime.db.read() as conn:
        assert next(d for d in list_departments(conn) if d.code == "HQ").name == "Head office"


# -- roles ------------------------------------------------------------------------------------


def test_the_roles_page_lists_declared_roles_and_their_members(admin_client, people):
    html = admin_client.get("/admin/roles").get_data(as_text=True)
    for role in ("admin", "clerk", "supervisor", "manager", "reviewer", "auditor", "outsider"):
        assert f'id="role-{role}"' in html
    clerk = html.split('id="role-clerk"')[1].split("</section>")[0]
    assert 'data-member="carl"' in clerk and "Clerk" in clerk and "lab" in clerk


def test_an_admin_adds_and_removes_a_role_member(admin_client, runtime, people):
    added = admin_client.post("/admin/roles/auditor/members",
                              data={"csrf_token": csrf(admin_client), "username": "carl"})
    assert added.status_code == 302 and "auditor" in user(runtime, "carl").roles
    removed = admin_client.post(f"/admin/roles/auditor/members/{people['carl'].id}/remove",
                                data={"csrf_token": csrf(admin_client)})
    assert removed.status_code == 302 and "auditor" not in user(runtime, "carl").roles
    assert "clerk" in user(runtime, "carl").roles


def test_adding_an_unknown_user_to_a_role_shows_beside_the_input(admin_client, people):
    response = admin_client.post("/admin/roles/auditor/members",
                                 data={"csrf_token": csrf(admin_client), "username": "ghost"},
                                 headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    message = text_of(response.get_data(as_text=True), "fb-add-auditor")
    assert message.startswith("不存在用户") and "ghost" in message


def test_an_unknown_role_is_404(admin_client, people):
    response = admin_client.post("/admin/roles/wizard/members",
                                 data={"csrf_token": csrf(admin_client), "username": "carl"})
    assert response.status_code == 404


def test_an_admin_cannot_drop_their_own_admin_role(admin_client, runtime):
    admin = user(runtime, "admin")
    response = admin_client.post(f"/admin/roles/admin/members/{admin.id}/remove",
                                 data={"csrf_token": csrf(admin_client)})
    assert response.status_code == 302
    assert "admin role" in admin_client.get("/admin/roles").get_data(as_text=True)
    assert "admin" in user(runtime, "admin").roles


# -- plugins ----------------------------------------------------------------------------------

PROBE = '''
from formflow.plugins import Job, hookimpl

MANIFEST = {"name": "probe", "version": "2.1",
            "description": {"en": "Probes memos.", "zh-CN": "检查备忘录。"},
            "settings": {"api_token": "s3cr3t-value", "limit": 3, "empty_secret": ""}}


def tick():
    return 1


@hookimpl
def record_validate(record):
    return None


@hookimpl
def register_jobs():
    return [Job("tick", tick, interval="5m")]
'''


@pytest.fixture
def plugged(make_app, tmp_path):
    """An admin's client on an app with plugin ``probe`` and a broken plugin."""
    folder = write_plugin(tmp_path / "plugins", "probe", PROBE)
    write_plugin(folder, "broken", "import no_such_module\n")
    app = make_app([HOOK_APPS], PLUGINS_PATH=[str(folder)], PLUGINS_STRICT="0")
    app.extensions["formflow"].jobs.run_due()
    client = app.test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_plugins_page_shows_hooks_jobs_settings_and_failures(plugged):
    html = plugged.get("/admin/plugins").get_data(as_text=True)
    probe = html.split('id="plugin-probe"')[1].split("</section>")[0]
    assert "2.1" in probe and "Probes memos." in probe and "memo" in probe
    assert "<code class=\"me-2\">record_validate</code>" in probe
    assert "register_jobs" in probe and "probe.tick" in probe and "5 min" in probe
    assert "s3cr3t-value" not in html and "••••••" in probe
    assert "<code>limit</code></th><td class=\"text-break\">3</td>" in probe
    failed = html.split('class="list-group ff-plugins-failed"')[1]
    assert 'id="plugin-broken"' in failed and "no_such_module" in failed
    assert 'id="plugin-process_engine"' in html  # built in


def test_a_plugin_describes_itself_in_the_reader_s_language(plugged):
    zh = {"Accept-Language": "zh-CN"}
    assert "检查备忘录。" in plugged.get("/admin/plugins", headers=zh).get_data(as_text=True)
    items = plugged.get("/api/v1/admin/plugins", headers=zh).get_json()["items"]
    assert {p["name"]: p for p in items}["probe"]["description"] == "检查备忘录。"


def test_the_api_lists_the_same_plugin_details(plugged):
    items = {p["name"]: p for p in plugged.get("/api/v1/admin/plugins").get_json()["items"]}
    probe = items["probe"]
    assert probe["hooks"] == ["record_validate", "register_jobs"]
    assert probe["settings"] == {"api_token": "••••••", "limit": 3, "empty_secret": ""}
    assert not items["broken"]["loaded"] and "no_such_module" in items["broken"]["error"]


def test_the_admin_area_links_the_webhooks_page_when_that_plugin_is_loaded(make_app, tmp_path):
    app = make_app([TEST_APPS / "plugins", TEST_APPS / "stock"],
                   PLUGINS_PATH=[str(ROOT / "plugins")])
    client = app.test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    html = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/webhooks"' in html


def test_without_the_webhooks_plugin_there_is_no_link(admin_client):
    assert "/admin/webhooks" not in admin_client.get("/admin").get_data(as_text=True)
