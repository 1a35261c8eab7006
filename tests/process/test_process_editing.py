"""Editing a record in its process: a state's actors may change its ``editable`` fields
and nobody else may change anything; a final state locks the record; a copy (cc) lets
its holder read the record and gives nothing to decide."""

from __future__ import annotations

import pytest

from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.helpers import problem
from support.process_helpers import (
    LEAVE,
    path_of,
)


def leave_in_review(flow, staff) -> str:
    """A leave of emp in manager_review (boss decides, bud has a copy); its REST path."""
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip", backup="bud")
    flow.act(staff.emp, LEAVE, leave["id"], "submit")
    return f"{path_of(LEAVE)}/{leave['id']}"


def test_the_states_actor_may_change_its_editable_fields(flow, staff, api):
    path = leave_in_review(flow, staff)

    response = api.boss.patch(path, json={"reason": "Family trip"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["reason"] == "Family trip"


@pytest.mark.parametrize(
    ("who", "field", "value"),
    [
        ("boss", "days", 3),  # the actor, a field the state does not list
        ("emp", "reason", "Longer trip"),  # the creator is no actor in manager_review
        ("bud", "reason", "Covered"),  # holds a copy (read access), decides nothing
    ],
)
def test_anyone_else_or_any_other_field_is_not_writable(flow, staff, api, who, field, value):
    path = leave_in_review(flow, staff)
    before = api.emp.get(path).get_json()

    body = problem(getattr(api, who).patch(path, json={field: value}), 422)

    assert list(body["errors"]) == [field]
    assert api.emp.get(path).get_json() == before


def test_a_user_without_update_permission_is_forbidden(flow, staff, api):
    path = leave_in_review(flow, staff)

    problem(api.hr1.patch(path, json={"reason": "HR says"}), 403)


def test_in_a_state_without_assignees_only_those_who_may_act_edit(flow, staff, api):
    path = leave_in_review(flow, staff)
    leave_id = int(path.rsplit("/", 1)[1])
    flow.act(staff.boss, LEAVE, leave_id, "send_back", comment="Say more")
    assert flow.state(LEAVE, leave_id) == "draft"

    # boss held a task (so reads and may "update own"), but draft is emp's to act on
    body = problem(api.boss.patch(path, json={"reason": "Boss edits"}), 422)
    assert list(body["errors"]) == ["reason"]
    response = api.emp.patch(path, json={"reason": "Trip to Xi'an", "days": 3})
    assert response.status_code == 200
    assert (response.get_json()["reason"], response.get_json()["days"]) == ("Trip to Xi'an", 3)


def test_a_final_state_locks_the_record(flow, staff, api, admin_api):
    path = leave_in_review(flow, staff)
    flow.act(staff.boss, LEAVE, int(path.rsplit("/", 1)[1]), "approve")

    for client in (api.emp, api.boss, admin_api):  # the creator, the approver, an admin
        body = problem(client.patch(path, json={"reason": "Afterthought"}), 422)
        assert list(body["errors"]) == ["reason"]


def test_a_copy_is_listed_under_cc_and_gives_nothing_to_decide(flow, staff, api):
    path = leave_in_review(flow, staff)
    leave_id = int(path.rsplit("/", 1)[1])

    [copy] = api.bud.get("tasks?status=cc").get_json()["items"]
    assert (copy["record_id"], copy["state"], copy["assignee"]) == (
        leave_id,
        "manager_review",
        "bud",
    )
    assert api.bud.get("tasks?status=open").get_json()["items"] == []
    assert [a["name"] for a in api.bud.get(f"{path}/actions").get_json()["items"]] == ["comment"]
    problem(api.bud.post(f"{path}/actions/approve", json={}), 403)
    assert flow.state(LEAVE, leave_id) == "manager_review"


def test_a_copy_grants_read_access(flow, staff, api):
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip", backup="bud")
    path = f"{path_of(LEAVE)}/{leave['id']}"
    problem(api.bud.get(path), 404)

    flow.act(staff.emp, LEAVE, leave["id"], "submit")

    assert api.bud.get(path).status_code == 200
    assert [r["id"] for r in api.bud.get(path_of(LEAVE)).get_json()["items"]] == [leave["id"]]


def test_own_scope_covers_records_the_user_holds_or_held_a_task_on(flow, staff, api):
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
    path = f"{path_of(LEAVE)}/{leave['id']}"
    problem(api.boss.get(path), 404)

    flow.act(staff.emp, LEAVE, leave["id"], "submit")
    assert api.boss.get(path).status_code == 200  # holds a task

    flow.act(staff.boss, LEAVE, leave["id"], "approve")
    assert api.boss.get(path).status_code == 200  # held one
    assert [r["id"] for r in api.boss.get(path_of(LEAVE)).get_json()["items"]] == [leave["id"]]
    problem(api.pat.get(path), 404)
