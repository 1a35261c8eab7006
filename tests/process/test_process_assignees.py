"""Entering states: a new record starts in ``start``; entering a state opens one task per
user its assignee rules resolve to, and a state whose rules resolve to nobody goes to
the admins, flagged."""

from __future__ import annotations

import pytest

from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.process_helpers import (
    EMPLOYEE,
    LEAVE,
    REQUEST,
)


def test_a_new_record_enters_start_at_the_newest_version_with_no_task(flow, staff):
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=2)

    assert (leave["_state"], leave["_process_version"]) == ("draft", 1)
    assert flow.moves(LEAVE, leave["id"]) == [("start", None, "draft")]
    assert flow.tasks(LEAVE, leave["id"]) == []


#: route -> the values it needs ("@eve": the employee record of eve), the state it
#: enters and who gets a task there.
RULES = {
    "owner": ({"owner": "olga", "amount": "10"}, "owner_review", ["olga"]),  # a user field
    "employee": ({"employee": "@eve"}, "employee_review", ["eve"]),  # a link to a person
    "head": ({"dept": "OPS"}, "head_review", ["hank"]),  # head of a department field
    "creator_head": ({}, "creator_head_review", ["sam"]),  # head of the creator's department
    "named": ({}, "named_review", ["nina"]),  # a user by name
    "board": ({}, "board_review", ["b1", "b2", "b3"]),  # a role
}


@pytest.mark.parametrize("route", RULES)
def test_entering_a_state_opens_one_task_per_resolved_assignee(flow, desk, admin, route):
    values, state, holders = RULES[route]
    eve = flow.create(admin, EMPLOYEE, name="Eve", person="eve")
    values = {k: eve["id"] if v == "@eve" else v for k, v in values.items()}
    request = flow.create(desk.rita, REQUEST, route=route, subject="Chairs", **values)

    flow.act(desk.rita, REQUEST, request["id"], "submit")

    assert flow.state(REQUEST, request["id"]) == state
    opened = flow.tasks(REQUEST, request["id"])
    assert [t.username for t in opened] == holders
    assert all(t.status == "open" and t.state == state and not t.flagged for t in opened)


def test_manager_of_the_creator_gets_the_task(flow, staff):
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")

    flow.act(staff.emp, LEAVE, leave["id"], "submit")

    assert flow.state(LEAVE, leave["id"]) == "manager_review"
    assert flow.holders(LEAVE, leave["id"]) == ["boss"]


def test_a_state_entered_twice_opens_fresh_tasks_for_the_new_visit(flow, staff):
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
    flow.act(staff.emp, LEAVE, leave["id"], "submit")
    flow.act(staff.emp, LEAVE, leave["id"], "withdraw")
    flow.act(staff.emp, LEAVE, leave["id"], "submit")

    first, second = flow.tasks(LEAVE, leave["id"])
    assert (first.username, first.status) == ("boss", "cancelled")
    assert (second.username, second.status) == ("boss", "open")
    assert second.visit > first.visit


@pytest.mark.parametrize("case", ["no owner", "employee without a user", "no manager"])
def test_rules_resolving_to_nobody_give_the_task_to_the_admins_flagged(
    flow, desk, staff, admin, make_user, case
):
    second_admin = make_user("root2", roles=["admin"])
    if case == "no manager":
        entity = LEAVE
        record = flow.create(staff.loner, LEAVE, kind="sick", days=1, reason="Flu")
        creator = staff.loner
    else:
        entity = REQUEST
        values = {"route": "owner", "amount": "10"}
        if case == "employee without a user":
            values = {
                "route": "employee",
                "employee": flow.create(admin, EMPLOYEE, name="Temp")["id"],
            }
        record = flow.create(desk.rita, REQUEST, subject="Desk", **values)
        creator = desk.rita

    flow.act(creator, entity, record["id"], "submit")

    opened = flow.tasks(entity, record["id"])
    assert [t.username for t in opened] == ["admin", second_admin.username]
    assert all(t.flagged and t.status == "open" for t in opened)
    flow.act(admin, entity, record["id"], "approve")
    assert flow.state(entity, record["id"]) == "approved"


def test_a_flagged_task_shows_as_flagged_in_the_admins_inbox(flow, staff, admin_api):
    leave = flow.create(staff.loner, LEAVE, kind="sick", days=1, reason="Flu")
    flow.act(staff.loner, LEAVE, leave["id"], "submit")

    [task] = admin_api.get("tasks?status=open").get_json()["items"]

    assert (task["record_id"], task["state"], task["flagged"]) == (
        leave["id"],
        "manager_review",
        True,
    )
