"""The process REST API: a record's actions (listing exactly what the caller may do,
taking one with its errors), the caller's tasks and a record's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from formflow.process.tables import events
from formflow.storage.system import audit
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.helpers import database_state, problem
from support.process_helpers import (
    LEAVE,
    PROCESS_TABLES,
    REQUEST,
    desk_staff,
    path_of,
)

LEAVES = path_of(LEAVE)
TRANSITIONS = ["submit", "approve", "reject", "send_back"]
BUILTINS = ["withdraw", "cancel", "transfer", "add_approver", "remind", "comment"]
#: A body each action accepts.
BODIES = {
    "submit": {},
    "approve": {},
    "reject": {"comment": "No"},
    "send_back": {"comment": "Redo"},
    "withdraw": {},
    "cancel": {},
    "transfer": {"values": {"to": "pat"}},
    "add_approver": {"values": {"users": ["pat"]}},
    "remind": {},
    "comment": {"comment": "Hi"},
}
#: The fields of a task in GET /api/v1/tasks (DESIGN.md, and ``flagged``).
TASK_KEYS = {
    "id",
    "app",
    "entity",
    "record_id",
    "record_title",
    "state",
    "status",
    "assignee",
    "opened_at",
    "due_at",
    "closed_at",
    "decision",
    "flagged",
}


def leave(flow, staff, *, submit=True, approve=False) -> int:
    record = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip", backup="bud")
    if submit:
        flow.act(staff.emp, LEAVE, record["id"], "submit")
    if approve:
        flow.act(staff.boss, LEAVE, record["id"], "approve")
    return record["id"]


#: situation -> (how the leave got there, who asks, what they may do)
SITUATIONS = {
    "creator, draft": ({"submit": False}, "emp", ["submit", "cancel", "comment"]),
    "creator, in review": ({}, "emp", ["withdraw", "cancel", "remind", "comment"]),
    "assignee": (
        {},
        "boss",
        ["approve", "reject", "send_back", "transfer", "add_approver", "comment"],
    ),
    "copy holder": ({}, "bud", ["comment"]),
    "reader without a task": ({}, "hr1", ["comment"]),
    "creator, approved": ({"approve": True}, "emp", ["comment"]),
}


@pytest.mark.parametrize("situation", SITUATIONS)
def test_actions_lists_exactly_what_the_caller_may_do(flow, staff, api, situation):
    setup, who, expected = SITUATIONS[situation]
    leave_id = leave(flow, staff, **setup)

    response = getattr(api, who).get(f"{LEAVES}/{leave_id}/actions")

    assert response.status_code == 200
    assert [a["name"] for a in response.get_json()["items"]] == expected


@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_listed_action_is_accepted(flow, staff, api, situation):
    setup, who, allowed = SITUATIONS[situation]

    for action in allowed:  # each on a leave of its own
        leave_id = leave(flow, staff, **setup)
        response = getattr(api, who).post(
            f"{LEAVES}/{leave_id}/actions/{action}", json=BODIES[action]
        )

        assert response.status_code == 200, (action, response.get_json())
        assert response.get_json()["id"] == leave_id
        assert response.headers["ETag"] == f'"{response.get_json()["_version"]}"'


@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_other_action_is_refused_and_changes_nothing(flow, staff, api, situation):
    setup, who, allowed = SITUATIONS[situation]
    leave_id = leave(flow, staff, **setup)
    client = getattr(api, who)
    before = database_state(flow.runtime, *PROCESS_TABLES)

    for action in [a for a in TRANSITIONS + BUILTINS if a not in allowed]:
        response = client.post(f"{LEAVES}/{leave_id}/actions/{action}", json=BODIES[action])
        assert action in problem(response, 403)["detail"]

    assert database_state(flow.runtime, *PROCESS_TABLES) == before


def test_an_action_describes_its_comment_required_fields_and_editable_fields(flow, staff, api):
    leave_id = leave(flow, staff, submit=False)
    [submit] = [
        a
        for a in api.emp.get(f"{LEAVES}/{leave_id}/actions").get_json()["items"]
        if a["name"] == "submit"
    ]
    assert submit.pop("label")
    assert submit == {
        "name": "submit",
        "kind": "transition",
        "comment": None,
        "required": ["reason"],
        "fields": ["*"],
    }

    flow.act(staff.emp, LEAVE, leave_id, "submit")
    listed = api.boss.get(f"{LEAVES}/{leave_id}/actions").get_json()["items"]
    actions = {a["name"]: a for a in listed}
    assert (actions["reject"]["comment"], actions["reject"]["fields"]) == ("required", ["reason"])
    assert actions["transfer"] == {
        "name": "transfer",
        "kind": "builtin",
        "comment": "optional",
        "required": [],
        "fields": [],
    }


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "action", "body"),
    [
        ("emp", "approve", {}),
        ("emp", "reject", {}),  # the comment it lacks is none of a stranger's business
        ("hr1", "approve", {"values": {"days": 1}}),
    ],
)
def test_an_action_the_caller_may_not_take_is_403_whatever_the_body(
    flow, staff, api, who, action, body
):
    leave_id = leave(flow, staff)
    before = database_state(flow.runtime, *PROCESS_TABLES)

    problem_body = problem(
        getattr(api, who).post(f"{LEAVES}/{leave_id}/actions/{action}", json=body), 403
    )

    assert action in problem_body["detail"]
    assert database_state(flow.runtime, *PROCESS_TABLES) == before


def test_deciding_a_step_another_assignee_moved_meanwhile_is_409(runtime, make_user, flow, api_as):
    desk = desk_staff(runtime, make_user)
    request = flow.create(
        desk.rita, REQUEST, route="owner", subject="Racks", amount="4000", owner="olga"
    )
    flow.act(desk.rita, REQUEST, request["id"], "submit")
    flow.act(desk.olga, REQUEST, request["id"], "approve")
    flow.act(desk.cleo, REQUEST, request["id"], "approve")
    before = database_state(runtime, *PROCESS_TABLES)

    response = api_as(desk.cole).post(
        f"{path_of(REQUEST)}/{request['id']}/actions/approve",
        json={"comment": "Me too"},
        headers={"Accept-Language": "en"},
    )

    assert problem(response, 409)["detail"] == (
        "This step has already been handled by someone else; reload the record."
    )
    assert flow.state(REQUEST, request["id"]) == "approved"
    assert database_state(runtime, *PROCESS_TABLES) == before


def test_a_stale_state_in_the_body_is_409_and_changes_nothing(flow, staff, api):
    leave_id = leave(flow, staff)
    path = f"{LEAVES}/{leave_id}/actions/approve"
    before = database_state(flow.runtime, *PROCESS_TABLES)

    body = problem(api.boss.post(path, json={"state": "draft"}), 409)
    assert body["detail"] == "此步骤已由他人处理，请刷新记录。"  # state_moved
    assert flow.state(LEAVE, leave_id) == "manager_review"
    assert database_state(flow.runtime, *PROCESS_TABLES) == before

    response = api.boss.post(path, json={"state": "manager_review"})
    assert (response.status_code, response.get_json()["_state"]) == (200, "approved")


@pytest.mark.parametrize(
    ("who", "action", "body", "fields"),
    [
        ("emp", "submit", {}, ["reason"]),  # required by the transition
        ("boss", "reject", {}, ["comment"]),  # comment required
        ("boss", "approve", {"values": {"days": 1}}, ["days"]),  # not editable in this state
        ("boss", "approve", {"values": {"reason": ""}, "why": 1}, ["why"]),  # unknown key
        ("boss", "approve", {"values": {"colour": "red"}}, ["colour"]),  # unknown field
        ("boss", "transfer", {"values": {"to": "boss"}}, ["to"]),
    ],
)
def test_invalid_input_is_422_naming_the_fields(flow, staff, api, who, action, body, fields):
    leave_id = leave(flow, staff, submit=who != "emp")
    if who == "emp":
        flow.runtime.records.update(staff.emp, LEAVE, leave_id, {"reason": None})
    before = database_state(flow.runtime, *PROCESS_TABLES)

    response = getattr(api, who).post(f"{LEAVES}/{leave_id}/actions/{action}", json=body)

    assert sorted(problem(response, 422)["errors"]) == fields
    assert database_state(flow.runtime, *PROCESS_TABLES) == before


def test_actions_of_an_unknown_record_or_an_entity_without_process_are_404(admin_api, flow, admin):
    employee = flow.create(admin, "desk.employee", name="Eve")

    problem(admin_api.get(f"{LEAVES}/999/actions"), 404)
    problem(admin_api.post(f"{LEAVES}/999/actions/approve", json={}), 404)
    problem(admin_api.get(f"desk/employee/{employee['id']}/actions"), 404)


# -- tasks ----------------------------------------------------------------------------------------


def test_open_tasks_have_the_documented_shape(flow, staff, api):
    leave_id = leave(flow, staff)

    body = api.boss.get("tasks?status=open").get_json()

    assert body["total"] == 1
    [task] = body["items"]
    assert set(task) == TASK_KEYS
    assert {k: task[k] for k in TASK_KEYS - {"id", "opened_at", "due_at"}} == {
        "app": "flow",
        "entity": "leave",
        "record_id": leave_id,
        "record_title": "annual 2",
        "state": "manager_review",
        "status": "open",
        "assignee": "boss",
        "closed_at": None,
        "decision": None,
        "flagged": False,
    }
    opened = datetime.fromisoformat(task["opened_at"])
    assert task["opened_at"].endswith("Z")
    assert datetime.fromisoformat(task["due_at"]) - opened == timedelta(hours=24)  # sla due


def test_decided_tasks_move_from_open_to_done(flow, staff, api):
    leave_id = leave(flow, staff)
    flow.act(staff.boss, LEAVE, leave_id, "approve", comment="Enjoy")

    assert api.boss.get("tasks?status=open").get_json() == {"items": [], "total": 0}
    assert api.boss.get("tasks").get_json()["items"] == []  # open is the default
    [done] = api.boss.get("tasks?status=done").get_json()["items"]
    assert (done["record_id"], done["status"], done["decision"]) == (leave_id, "done", "approve")
    assert datetime.fromisoformat(done["closed_at"]) >= datetime.fromisoformat(done["opened_at"])


def test_copies_are_listed_under_cc_only(flow, staff, api):
    leave_id = leave(flow, staff)

    [copy] = api.bud.get("tasks?status=cc").get_json()["items"]
    assert set(copy) == TASK_KEYS
    assert (copy["record_id"], copy["state"], copy["assignee"]) == (
        leave_id,
        "manager_review",
        "bud",
    )
    assert api.bud.get("tasks?status=open").get_json()["items"] == []
    assert api.bud.get("tasks?status=done").get_json()["items"] == []
    assert api.boss.get("tasks?status=cc").get_json()["items"] == []


def test_an_unknown_task_status_is_400(api):
    problem(api.boss.get("tasks?status=later"), 400)


# -- history --------------------------------------------------------------------------------------


def test_history_merges_field_changes_and_events_oldest_first(flow, staff, api):
    leave_id = leave(flow, staff)
    flow.backdate_events(LEAVE, leave_id, 90)  # as if the leave waited 90 s for the boss
    flow.act(staff.boss, LEAVE, leave_id, "approve", comment="Enjoy")

    entries = api.emp.get(f"{LEAVES}/{leave_id}/history").get_json()["items"]

    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert times == sorted(times)
    assert [e["action"] for e in entries if e["kind"] == "event"] == ["start", "submit", "approve"]
    assert [e["action"] for e in entries if e["kind"] == "change"] == ["create", "update"]
    approve = next(e for e in entries if e.get("action") == "approve")
    assert {k: approve[k] for k in ("from", "to", "actor", "comment", "process_version")} == {
        "from": "manager_review",
        "to": "approved",
        "actor": "boss",
        "comment": "Enjoy",
        "process_version": 1,
    }
    assert approve["seconds_in_state"] >= 90
    [update] = [e for e in entries if e["kind"] == "change" and e["action"] == "update"]
    assert list(update["changes"]) == ["approved_on"]


def test_history_orders_by_time_also_on_a_whole_second(runtime, flow, staff, api):
    leave_id = leave(flow, staff, submit=False)
    second = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)  # isoformat() drops the microseconds
    with runtime.db.write() as conn:
        conn.execute(
            events.update()
            .where(events.c.entity == LEAVE, events.c.record_id == leave_id)
            .values(at=second)
        )
        conn.execute(
            audit.update()
            .where(audit.c.entity == LEAVE, audit.c.record_id == leave_id)
            .values(at=second + timedelta(microseconds=500_000))
        )

    entries = api.emp.get(f"{LEAVES}/{leave_id}/history").get_json()["items"]

    assert [(e["kind"], e["action"]) for e in entries] == [("event", "start"), ("change", "create")]


def test_every_action_is_an_event_with_actor_comment_time_and_version(flow, staff, api):
    leave_id = leave(flow, staff)
    steps = [
        ("emp", "remind", {"comment": "Please"}),
        ("hr1", "comment", {"comment": "Noted"}),
        ("boss", "add_approver", {"values": {"users": ["pat"], "mode": "after"}}),
        ("boss", "approve", {"comment": "Fine"}),
        ("pat", "transfer", {"values": {"to": "hr2"}, "comment": "Yours"}),
        ("hr2", "approve", {}),
    ]
    for who, action, body in steps:
        response = getattr(api, who).post(f"{LEAVES}/{leave_id}/actions/{action}", json=body)
        assert response.status_code == 200, (action, response.get_json())

    events = [
        e
        for e in api.emp.get(f"{LEAVES}/{leave_id}/history").get_json()["items"]
        if e["kind"] == "event"
    ]

    assert [(e["action"], e["actor"], e["comment"]) for e in events[2:]] == [
        ("remind", "emp", "Please"),
        ("comment", "hr1", "Noted"),
        ("add_approver", "boss", None),
        ("approve", "boss", "Fine"),
        ("transfer", "pat", "Yours"),
        ("approve", "hr2", None),
    ]
    assert all(e["process_version"] == 1 and e["at"] for e in events)
    assert [(e["from"], e["to"]) for e in events[-2:]] == [
        (None, None),
        ("manager_review", "approved"),
    ]
    assert events[-1]["seconds_in_state"] >= 0
    assert flow.state(LEAVE, leave_id) == "approved"


def test_the_openapi_document_describes_actions_and_tasks(flow, staff, api):
    """The process endpoints are in the document, and a real action answers as it says."""
    document = api.emp.get("/api/v1/openapi.json").get_json()
    actions = document["paths"][f"/api/v1/{LEAVE.replace('.', '/')}/{{id}}/actions"]["get"]
    step = document["paths"][f"/api/v1/{LEAVE.replace('.', '/')}/{{id}}/actions/{{name}}"]
    assert set(step["post"]["requestBody"]["content"]["application/json"]["schema"]
               ["properties"]) == {"comment", "values", "state"}
    assert "200" in actions["responses"] and "/api/v1/tasks" in document["paths"]
    reassign = document["paths"]["/api/v1/tasks/{id}/reassign"]["post"]
    assert reassign["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "user"]
    pytest.importorskip("openapi_spec_validator").validate(document)
