"""No task is stranded: transfer and add approver refuse deactivated users; deactivating
a user hands their pending tasks on (by the step's rules, else to their manager, else to
the admins), logged in the history; admins hand any pending task to someone else
(``POST /api/v1/tasks/<id>/reassign``); a countersign stays completable throughout."""

from __future__ import annotations

import pytest

from formflow.errors import ValidationFailed
from formflow.i18n import Message
from support import ADMIN_PASSWORD
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.process_helpers import (
    CLAIM,
    LEAVE,
    REQUEST,
    open_task_id,
    reassignments,
    submitted_leave,
)
from support.web_support import csrf, sign_in


def deactivate(runtime, admin, user, manager: str | None = None) -> None:
    """Deactivate ``user`` as an admin does on the admin pages."""
    runtime.directory.update_user(admin, user.id, {
        "display_name": user.display_name, "roles": sorted(user.roles - {"user"}),
        "manager": manager, "department": None, "active": False,
    })


@pytest.mark.parametrize("action", ["transfer", "add_approver"])
def test_work_cannot_go_to_a_deactivated_user(runtime, flow, staff, admin, action):
    leave_id = submitted_leave(flow, staff)
    deactivate(runtime, admin, staff.pat)
    field, values = ("to", {"to": "pat"}) if action == "transfer" else ("users", {"users": ["pat"]})

    with pytest.raises(ValidationFailed) as refused:
        flow.act(staff.boss, LEAVE, leave_id, action, values=values)

    assert refused.value.errors == {field: [Message("user_inactive", {"value": "pat"})]}
    assert "已停用" in refused.value.errors[field][0].render("zh-CN")
    assert flow.holders(LEAVE, leave_id) == ["boss"]


def test_a_deactivated_approvers_task_goes_to_their_manager(runtime, flow, staff, admin):
    leave_id = submitted_leave(flow, staff)

    deactivate(runtime, admin, staff.boss, manager="dir1")

    assert flow.holders(LEAVE, leave_id) == ["dir1"]
    assert reassignments(flow, LEAVE, leave_id) == [
        {"reason": "inactive", "from": ["boss"], "to": ["dir1"]}
    ]
    [event] = [e for e in flow.events(LEAVE, leave_id) if e.action == "reassign"]
    assert event.actor == "admin"
    flow.act(staff.dir1, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"


def test_deactivating_a_cosigner_keeps_the_countersign_completable(runtime, flow, staff, admin):
    leave_id = submitted_leave(flow, staff, days=5)
    flow.act(staff.boss, LEAVE, leave_id, "approve")
    flow.act(staff.hr1, LEAVE, leave_id, "approve")  # a vote: hr2 must approve too

    deactivate(runtime, admin, staff.hr2)

    assert flow.holders(LEAVE, leave_id) == ["admin"]
    assert [t.flagged for t in flow.tasks(LEAVE, leave_id) if t.status == "open"] == [True]
    flow.act(admin, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"


def test_a_waiting_turn_of_a_sequence_is_handed_on_and_opens_in_its_turn(
    runtime, flow, staff, admin
):
    claim = flow.create(staff.emp, CLAIM, amount="5000", purpose="Laptop")
    flow.act(staff.emp, CLAIM, claim["id"], "submit")
    for person in (staff.fin1, staff.fin2):
        flow.act(person, CLAIM, claim["id"], "approve")
    assert flow.holders(CLAIM, claim["id"], "waiting") == ["dir2"]

    deactivate(runtime, admin, staff.dir2)

    assert flow.holders(CLAIM, claim["id"], "waiting") == ["admin"]
    flow.act(staff.dir1, CLAIM, claim["id"], "approve")
    flow.act(admin, CLAIM, claim["id"], "approve")
    assert flow.state(CLAIM, claim["id"]) == "paid"


def test_a_new_holder_of_the_steps_role_takes_the_task(runtime, flow, staff, admin, make_user):
    leave_id = submitted_leave(flow, staff, days=5)
    flow.act(staff.boss, LEAVE, leave_id, "approve")
    make_user("hr3", roles=["hr_manager"], password=None)

    deactivate(runtime, admin, staff.hr2)

    assert flow.holders(LEAVE, leave_id) == ["hr1", "hr3"]


def test_in_an_any_one_step_the_others_still_decide(runtime, flow, desk, admin):
    request = flow.create(desk.rita, REQUEST, route="owner", subject="Desk", amount="2000",
                          owner="olga")
    flow.act(desk.rita, REQUEST, request["id"], "submit")
    flow.act(desk.olga, REQUEST, request["id"], "approve")
    assert flow.holders(REQUEST, request["id"]) == ["cole", "cleo"]

    deactivate(runtime, admin, desk.cole)

    assert flow.holders(REQUEST, request["id"]) == ["cleo"]
    assert reassignments(flow, REQUEST, request["id"]) == [
        {"reason": "inactive", "from": ["cole"], "to": []}
    ]


# -- an admin hands a task on ------------------------------------------------------------------


def test_an_admin_reassigns_a_task_through_the_api(flow, staff, admin_api):
    leave_id = submitted_leave(flow, staff)
    task_id = open_task_id(flow, LEAVE, leave_id, "boss")

    response = admin_api.post(f"tasks/{task_id}/reassign", json={"user": "pat",
                                                                "comment": "Boss is away"})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["assignee"], body["status"], body["record_id"]) == ("pat", "open", leave_id)
    assert flow.holders(LEAVE, leave_id) == ["pat"]
    [event] = [e for e in flow.events(LEAVE, leave_id) if e.action == "reassign"]
    assert (event.actor, event.comment, event.data["reason"]) == ("admin", "Boss is away",
                                                                  "admin")
    flow.act(staff.pat, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"


def test_only_admins_reassign_tasks(flow, staff, api_as):
    leave_id = submitted_leave(flow, staff)
    task_id = open_task_id(flow, LEAVE, leave_id, "boss")

    for person in (staff.boss, staff.emp, staff.pat):
        response = api_as(person).post(f"tasks/{task_id}/reassign", json={"user": "pat"})
        assert response.status_code == 403
    assert api_as(staff.pat).post("tasks/999999/reassign", json={"user": "pat"}).status_code == 403
    assert flow.holders(LEAVE, leave_id) == ["boss"]


@pytest.mark.parametrize(("body", "field", "key"), [
    ({"user": "emp"}, "user", "requester_as_approver"),
    ({"user": "ghost"}, "user", "no_such_user"),
    ({"user": "boss"}, "user", "already_assigned"),
    ({}, "user", "required"),
    ({"user": "pat", "urgent": True}, "urgent", "unknown_field"),
])
def test_a_reassignment_to_someone_who_may_not_take_it_is_refused(
    flow, staff, admin_api, body, field, key
):
    leave_id = submitted_leave(flow, staff)
    task_id = open_task_id(flow, LEAVE, leave_id, "boss")

    response = admin_api.post(f"tasks/{task_id}/reassign", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert flow.holders(LEAVE, leave_id) == ["boss"]


def test_reassigning_to_an_inactive_user_is_refused(runtime, flow, staff, admin, admin_api):
    leave_id = submitted_leave(flow, staff)
    task_id = open_task_id(flow, LEAVE, leave_id, "boss")
    deactivate(runtime, admin, staff.pat)

    response = admin_api.post(f"tasks/{task_id}/reassign", json={"user": "pat"},
                              headers={"Accept-Language": "zh-CN"})

    assert response.status_code == 422
    assert "已停用" in response.get_json()["errors"]["user"][0]


def test_a_decided_task_cannot_be_reassigned(flow, staff, admin_api):
    leave_id = submitted_leave(flow, staff)
    task_id = open_task_id(flow, LEAVE, leave_id, "boss")
    flow.act(staff.boss, LEAVE, leave_id, "approve")

    response = admin_api.post(f"tasks/{task_id}/reassign", json={"user": "pat"})

    assert response.status_code == 409
    assert admin_api.post("tasks/999999/reassign", json={"user": "pat"}).status_code == 404



# -- the record page's reassign form -----------------------------------------------------------


def test_an_admin_reassigns_from_the_record_page(app, flow, staff):
    leave_id = submitted_leave(flow, staff)
    page_url = f"/flow/leave/{leave_id}"
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, "admin", ADMIN_PASSWORD)

    html = client.get(page_url).get_data(as_text=True)
    task_id = open_task_id(flow, LEAVE, leave_id, "boss")
    assert f'action="/tasks/{task_id}/reassign"' in html
    response = client.post(f"/tasks/{task_id}/reassign", data={
        "csrf_token": csrf(client), "user": "pat", "next": page_url})

    assert response.status_code == 302 and response.location.endswith(page_url)
    assert flow.holders(LEAVE, leave_id) == ["pat"]
    assert "Handed the task to pat." in client.get(page_url).get_data(as_text=True)


def test_the_record_page_offers_reassigning_to_admins_only(app, flow, staff, make_user):
    leave_id = submitted_leave(flow, staff)
    make_user("nosy", roles=["hr_manager"])  # reads every leave, is no admin
    client = app.test_client()
    sign_in(client, "nosy")
    task_id = open_task_id(flow, LEAVE, leave_id, "boss")

    html = client.get(f"/flow/leave/{leave_id}").get_data(as_text=True)
    response = client.post(f"/tasks/{task_id}/reassign", data={
        "csrf_token": csrf(client), "user": "pat", "next": "//evil.example/"})

    assert "/reassign" not in html
    assert response.status_code == 302 and response.location.endswith("/inbox")
    assert flow.holders(LEAVE, leave_id) == ["boss"]
