"""The admin log: every administrative action (users, roles, departments, tokens, the
calendar, webhooks) writes exactly one entry naming actor, action and target, in the
transaction of the change and without secrets; refused or failed actions write none;
admins read it through ``GET /api/v1/admin/audit`` and ``/admin/audit``."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from formflow.auth import create_user, get_user_by_name, list_tokens
from formflow.auth.admin_log import CLI
from formflow.auth.tables import admin_log
from formflow.cli import main
from formflow.errors import Forbidden, ValidationFailed
from support import ADMIN_PASSWORD, PASSWORD, ROOT
from support.helpers import LAB, problem, user
from support.web_support import sign_in

AUDIT = "/api/v1/admin/audit"


@pytest.fixture
def app(make_app):
    # the webhook endpoints below target loopback, which needs the plugin's allow-list
    return make_app([LAB], PLUGINS_PATH=[str(ROOT / "plugins")], PLUGIN_WEBHOOKS_ALLOW="127.0.0.1")


@pytest.fixture
def logged(runtime, people):
    """``logged()``: the entries written since the test's set-up, oldest first, as
    ``(actor, action, target kind, target name, details)``."""
    with runtime.db.read() as conn:
        start = conn.scalar(sa.select(sa.func.max(admin_log.c.id))) or 0

    def read():
        with runtime.db.read() as conn:
            rows = conn.execute(sa.select(admin_log).where(admin_log.c.id > start)
                                .order_by(admin_log.c.id)).all()
        return [(r.actor, r.action, r.target_kind, r.target_name, r.details) for r in rows]

    return read


def no_secret_in(runtime, *secrets):
    """No entry holds any of ``secrets``, nor a stored password hash or token hash."""
    with runtime.db.read() as conn:
        text = json.dumps([list(r) for r in conn.execute(sa.select(admin_log)).all()],
                          default=str)
        stored = conn.exec_driver_sql(
            "SELECT password_hash FROM ff_users WHERE password_hash IS NOT NULL "
            "UNION ALL SELECT token_hash FROM ff_tokens").scalars().all()
    for secret in (*secrets, *stored):
        assert secret not in text


# -- every action, exactly one entry -------------------------------------------------------------


def test_creating_a_user_logs_who_and_what_but_no_password(runtime, admin, people, logged):
    runtime.directory.create_user(admin, {
        "username": "zoe", "password": "zoe-secret-1", "roles": ["clerk"],
        "department": "SALES", "manager": "mia"})
    [(actor, action, kind, name, details)] = logged()
    assert (actor, action, kind, name) == ("admin", "user.create", "user", "zoe")
    assert details["roles"] == ["clerk"] and details["department"] == "SALES"
    assert details["manager"] == "mia"
    no_secret_in(runtime, "zoe-secret-1")


@pytest.mark.parametrize(("change", "expected"), [
    ({"display_name": "Carl C."}, [("user.update", {"display_name": ["carl", "Carl C."]})]),
    ({"department": "HQ", "manager": "mia"},
     [("user.update", {"department": ["SALES", "HQ"], "manager": [None, "mia"]})]),
    ({"roles": ["clerk", "auditor"]}, [("role.grant", {"role": "auditor"})]),
    ({"roles": []}, [("role.revoke", {"role": "clerk"})]),
    ({"active": False}, [("user.deactivate", {})]),
    ({}, []),
])
def test_each_change_of_a_user_is_one_entry(runtime, admin, people, logged, change, expected):
    carl = people["carl"]
    values = {"display_name": carl.display_name, "department": "SALES", "manager": None,
              "roles": ["clerk"], "active": True, **change}
    runtime.directory.update_user(admin, carl.id, values)
    assert [(a, act, kind, name) for a, act, kind, name, _ in logged()] == [
        ("admin", action, "user", "carl") for action, _ in expected]
    assert [details for *_, details in logged()] == [details for _, details in expected]


def test_a_new_password_is_logged_without_it(runtime, admin, people, logged):
    runtime.directory.reset_password(admin, people["carl"].id, "brand-new-pw", "brand-new-pw")
    assert [e[:4] for e in logged()] == [("admin", "user.password", "user", "carl")]
    no_secret_in(runtime, "brand-new-pw")


def test_granting_and_revoking_a_role_on_the_roles_page(runtime, admin, people, logged):
    runtime.directory.add_to_role(admin, "auditor", "carl")
    runtime.directory.add_to_role(admin, "auditor", "carl")  # held already: nothing changes
    runtime.directory.remove_from_role(admin, "clerk", people["carl"].id)
    assert logged() == [("admin", "role.grant", "user", "carl", {"role": "auditor"}),
                        ("admin", "role.revoke", "user", "carl", {"role": "clerk"})]


def test_departments_created_updated_and_moved(runtime, admin, people, logged):
    made = runtime.directory.create_department(admin, {"code": "OPS", "name": "Ops",
                                                       "parent": "HQ", "head": "mia"})
    runtime.directory.update_department(admin, made.id, {"name": "Operations",
                                                         "parent": "HQ", "head": "mia"})
    runtime.directory.update_department(admin, made.id, {"name": "Operations",
                                                         "parent": "OTHER", "head": "mia"})
    assert logged() == [
        ("admin", "department.create", "department", "OPS",
         {"code": "OPS", "name": "Ops", "parent": "HQ", "head": "mia"}),
        ("admin", "department.update", "department", "OPS", {"name": ["Ops", "Operations"]}),
        ("admin", "department.move", "department", "OPS", {"parent": ["HQ", "OTHER"]}),
    ]


def test_tokens_made_and_revoked_on_the_profile_page(client, runtime, people, logged):
    token = sign_in(client, "carl")
    page = client.post("/profile/tokens", data={"name": "laptop", "csrf_token": token})
    assert page.status_code == 200
    [made] = list_tokens_of(runtime, "carl")
    client.post(f"/profile/tokens/{made.id}/revoke", data={"csrf_token": token})
    client.post(f"/profile/tokens/{made.id}/revoke", data={"csrf_token": token})  # again: no-op
    assert logged() == [("carl", "token.create", "token", "laptop", {"user": "carl", "days": 90}),
                        ("carl", "token.revoke", "token", "laptop", {"user": "carl"})]
    [plaintext] = re.findall(r"ff_[A-Za-z0-9_-]{43}", page.get_data(as_text=True))
    no_secret_in(runtime, plaintext)


def list_tokens_of(runtime, name):
    with runtime.db.read() as conn:
        return list_tokens(conn, get_user_by_name(conn, name).id)


def test_a_user_changing_their_own_password_is_logged(client, runtime, people, logged):
    token = sign_in(client, "carl")
    response = client.post("/profile/password", data={
        "current_password": PASSWORD, "new_password": "carl-new-pw",
        "confirm_password": "carl-new-pw", "csrf_token": token})
    assert response.status_code == 302
    assert [e[:4] for e in logged()] == [("carl", "user.password", "user", "carl")]
    no_secret_in(runtime, "carl-new-pw", PASSWORD)


def test_the_command_line_is_the_actor_of_its_commands(runner, runtime, people, logged):
    assert runner.invoke(main, ["user", "create", "zoe", "--password", "zoe-secret-1",
                                "--role", "clerk"]).exit_code == 0
    made = runner.invoke(main, ["token", "create", "zoe"])
    assert made.exit_code == 0
    assert runner.invoke(main, ["calendar", "hours", "--weekdays", "1,2,3,4,5,6"]).exit_code == 0
    assert runner.invoke(main, ["calendar", "holiday", "2025-10-01"]).exit_code == 0
    assert runner.invoke(main, ["calendar", "remove", "2025-10-01"]).exit_code == 0
    assert [(a, act, kind, name) for a, act, kind, name, _ in logged()] == [
        ("cli", "user.create", "user", "zoe"),
        ("cli", "token.create", "token", "cli"),
        ("cli", "calendar.hours", "calendar", "week"),
        ("cli", "calendar.holiday", "calendar", "2025-10-01"),
        ("cli", "calendar.holiday.remove", "calendar", "2025-10-01"),
    ]
    no_secret_in(runtime, "zoe-secret-1", made.output.strip().splitlines()[-1])


def test_the_calendar_api_logs_hours_and_days(admin_api, runtime, people, logged):
    assert admin_api.put("admin/calendar", json={"weekdays": [1, 2, 3, 4, 5, 6]}).status_code == 200
    assert admin_api.put("admin/calendar/days/2025-10-01",
                         json={"note": "National Day"}).status_code == 200
    assert admin_api.delete("admin/calendar/days/2025-10-01").status_code == 204
    entries = logged()
    assert [(a, act) for a, act, *_ in entries] == [
        ("admin", "calendar.hours"), ("admin", "calendar.holiday"),
        ("admin", "calendar.holiday.remove")]
    assert entries[0][4]["weekdays"] == [1, 2, 3, 4, 5, 6]
    assert entries[1][4] == {"day": "2025-10-01", "working": False, "note": "National Day"}


def test_webhook_endpoints_are_logged_without_their_secret(admin_api, runtime, people, logged):
    secret = "s" * 32
    made = admin_api.post("admin/webhooks", json={
        "url": "http://127.0.0.1:9/hook", "entity": "lab.sample", "events": ["create"],
        "secret": secret})
    assert made.status_code == 201
    hook = made.get_json()["id"]
    assert admin_api.patch(f"admin/webhooks/{hook}", json={
        "active": False, "secret": "t" * 32}).status_code == 200
    assert admin_api.delete(f"admin/webhooks/{hook}").status_code == 204
    entries = logged()
    assert [(a, act, kind, name) for a, act, kind, name, _ in entries] == [
        ("admin", action, "webhook", "http://127.0.0.1:9/hook")
        for action in ("webhook.create", "webhook.update", "webhook.delete")]
    assert entries[1][4] == {"active": [True, False], "secret_replaced": True}
    no_secret_in(runtime, secret, "t" * 32)


# -- refused or failed: no entry ---------------------------------------------------------------


def test_refused_and_invalid_actions_write_nothing(runtime, admin, people, logged):
    carl = people["carl"]
    with pytest.raises(Forbidden):
        runtime.directory.create_user(carl, {"username": "zoe", "password": "zoe-secret-1"})
    with pytest.raises(Forbidden):
        runtime.calendar.update(carl, {"weekdays": [1]})
    with pytest.raises(ValidationFailed):  # the profile is valid, the manager is not
        runtime.directory.update_user(admin, carl.id, {
            "display_name": "Changed", "manager": "nobody", "roles": ["clerk"], "active": True})
    with pytest.raises(ValidationFailed):
        runtime.directory.reset_password(admin, carl.id, "short", "short")
    with pytest.raises(ValidationFailed):
        runtime.directory.add_to_role(admin, "clerk", "nobody")
    assert logged() == []


def test_an_entry_rolls_back_with_its_change(runtime, people, logged):
    with pytest.raises(RuntimeError), runtime.db.write() as conn:
        create_user(conn, "zoe", "zoe-secret-1", actor=CLI)
        raise RuntimeError("the rest of the transaction failed")
    assert user(runtime, "zoe") is None
    assert logged() == []


def test_non_admins_change_no_webhook_and_log_nothing(api_as, people, logged):
    response = api_as(people["carl"]).post("admin/webhooks", json={
        "url": "http://127.0.0.1:9/hook", "entity": "lab.sample", "events": ["create"]})
    assert response.status_code == 403
    assert logged() == []


# -- reading -----------------------------------------------------------------------------------


@pytest.fixture
def history(runtime, admin, people, runner):
    """admin creates zoe and grants carl auditor; the CLI sets the hours."""
    runtime.directory.create_user(admin, {"username": "zoe", "password": "zoe-secret-1"})
    runtime.directory.add_to_role(admin, "auditor", "carl")
    assert runner.invoke(main, ["calendar", "hours", "--weekdays", "1,2,3,4,5"]).exit_code == 0


def actions(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["action"] for item in response.get_json()["items"]]


def test_the_api_lists_entries_newest_first(admin_api, history):
    body = admin_api.get(AUDIT).get_json()
    assert [i["action"] for i in body["items"]][:3] == [
        "calendar.hours", "role.grant", "user.create"]
    first = body["items"][1]
    assert first["actor"]["name"] == "admin" and first["target"] == {
        "kind": "user", "id": str(first["target"]["id"]), "name": "carl"}
    assert body["total"] >= 3 and body["page"] == 1 and body["per_page"] == 50


@pytest.mark.parametrize(("query", "expected"), [
    ("action=role.grant", ["role.grant"]),
    ("action=calendar", ["calendar.hours"]),
    ("actor=CLI&since=2000-01-01", ["calendar.hours", "user.create"]),  # install made admin
    ("actor=admin", ["role.grant", "user.create"]),
    ("until=2000-01-01", []),
    ("since=2999-01-01T00:00:00Z", []),
])
def test_the_api_filters(admin_api, history, query, expected):
    assert actions(admin_api.get(f"{AUDIT}?{query}")) == expected


def test_the_api_pages(admin_api, history):
    first = admin_api.get(f"{AUDIT}?per_page=2").get_json()
    second = admin_api.get(f"{AUDIT}?per_page=2&page=2").get_json()
    assert len(first["items"]) == 2 and first["total"] == second["total"]
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


@pytest.mark.parametrize(("query", "field"), [
    ("since=yesterday", "since"), ("until=2024-13-01", "until"), ("page=0", "page"),
    ("per_page=1000", "per_page"), ("page=x", "page"),
])
def test_bad_filters_are_named(admin_api, query, field):
    body = problem(admin_api.get(f"{AUDIT}?{query}", headers={"Accept-Language": "en"}), 422)
    assert field in body["errors"]


def test_non_admins_get_403_from_the_api_and_the_page(api_as, app, people):
    assert api_as(people["carl"]).get(AUDIT).status_code == 403
    browser = app.test_client()
    sign_in(browser, "carl")
    assert browser.get("/admin/audit").status_code == 403


def test_the_page_lists_and_filters_in_both_languages(client, history):
    sign_in(client, "admin", ADMIN_PASSWORD)
    english = client.get("/admin/audit?action=role", headers={"Accept-Language": "en"})
    html = english.get_data(as_text=True)
    assert english.status_code == 200 and "Audit log" in html
    assert 'data-action="role.grant"' in html and 'data-action="user.create"' not in html
    chinese = client.get("/admin/audit", headers={"Accept-Language": "zh-CN"})
    assert "审计日志" in chinese.get_data(as_text=True)
    bad = client.get("/admin/audit?since=soon", headers={"Accept-Language": "en"})
    assert bad.status_code == 400
    assert "Enter a valid date and time" in bad.get_data(as_text=True)


def test_the_admin_pages_write_through_the_logged_service(client, runtime, people, logged):
    token = sign_in(client, "admin", ADMIN_PASSWORD)
    client.post("/admin/roles/auditor/members", data={"username": "carl", "csrf_token": token})
    assert [e[:2] for e in logged()] == [("admin", "role.grant")]


def test_migrate_adds_the_log_to_a_database_installed_before_it(runner, runtime):
    with runtime.db.write() as conn:
        admin_log.drop(conn)
    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    with runtime.db.read() as conn:
        assert sa.inspect(conn).has_table("ff_admin_log")
    created = runner.invoke(main, ["user", "create", "zoe", "--password", "zoe-secret-1"])
    assert created.exit_code == 0
    with runtime.db.read() as conn:
        assert conn.scalar(sa.select(admin_log.c.action)) == "user.create"
