"""Requesters do not approve their own requests (审批人去重): the creator, and the people
a process's ``requester_fields`` name, are left out of a step's assignees; when nobody
is left the creator's manager gets the task, else the admins (flagged); transfer and add
approver refuse them; a task a requester still holds cannot pass the step; and a process
with ``allow_self_approval`` keeps them in."""

from __future__ import annotations

import pytest

from formflow.auth import set_manager
from formflow.errors import Forbidden, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.process.tables import tasks
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.process_helpers import CLAIM, LEAVE, REQUEST, reassignments

TRIP = "flow.trip"


def submitted(flow, user, entity, **values) -> int:
    record = flow.create(user, entity, **values)
    flow.act(user, entity, record["id"], "submit")
    return record["id"]


def test_a_requester_holding_the_approving_role_gets_no_task(flow, desk):
    request_id = submitted(flow, desk.b1, REQUEST, route="board", subject="Car")

    assert flow.holders(REQUEST, request_id) == ["b2", "b3"]
    assert reassignments(flow, REQUEST, request_id) == [
        {"reason": "self_approval", "from": ["b1"], "to": ["b2", "b3"]}
    ]


def test_the_only_approver_being_the_requester_sends_the_task_to_their_manager(
    runtime, flow, desk
):
    with runtime.db.write() as conn:
        set_manager(conn, desk.nina.id, "hank")

    request_id = submitted(flow, desk.nina, REQUEST, route="named", subject="Pens")

    [task] = flow.tasks(REQUEST, request_id)
    assert (task.username, task.flagged) == ("hank", True)
    assert reassignments(flow, REQUEST, request_id) == [
        {"reason": "self_approval", "from": ["nina"], "to": ["hank"]}
    ]
    flow.act(desk.hank, REQUEST, request_id, "approve")
    assert flow.state(REQUEST, request_id) == "approved"


def test_a_requester_without_a_manager_is_replaced_by_the_admins(flow, desk, admin):
    request_id = submitted(flow, desk.nina, REQUEST, route="named", subject="Pens")

    [task] = flow.tasks(REQUEST, request_id)
    assert (task.username, task.flagged) == ("admin", True)


def test_a_manager_naming_a_subordinate_as_traveller_does_not_approve_it(flow, staff, admin):
    trip_id = submitted(flow, staff.boss, TRIP, destination="Shanghai", traveller="emp")

    assert flow.holders(TRIP, trip_id) == ["admin"]
    assert reassignments(flow, TRIP, trip_id)[0]["from"] == ["boss"]
    with pytest.raises(Forbidden):
        flow.act(staff.boss, TRIP, trip_id, "approve")


def test_a_trip_filed_for_someone_else_goes_to_the_travellers_manager(flow, staff):
    trip_id = submitted(flow, staff.hr1, TRIP, destination="Beijing", traveller="emp")

    assert flow.holders(TRIP, trip_id) == ["boss"]
    assert reassignments(flow, TRIP, trip_id) == []


def test_a_state_allowing_self_approval_gives_the_requester_their_own_step(flow, staff):
    trip_id = submitted(flow, staff.emp, TRIP, destination="Shenzhen", traveller="emp")
    flow.act(staff.boss, TRIP, trip_id, "approve")

    assert (flow.state(TRIP, trip_id), flow.holders(TRIP, trip_id)) == ("report", ["emp"])
    flow.act(staff.emp, TRIP, trip_id, "file")
    assert flow.state(TRIP, trip_id) == "approved"


@pytest.mark.parametrize("action", ["transfer", "add_approver"])
@pytest.mark.parametrize("requester", ["creator", "traveller"])
def test_transfer_and_add_approver_refuse_a_requester(runtime, flow, staff, action, requester):
    trip_id = submitted(flow, staff.hr1, TRIP, destination="Xi'an", traveller="emp")
    name = "hr1" if requester == "creator" else "emp"
    field, values = ("to", {"to": name}) if action == "transfer" else ("users", {"users": [name]})

    with pytest.raises(ValidationFailed) as refused:
        flow.act(staff.boss, TRIP, trip_id, action, values=values)

    assert refused.value.errors == {
        field: [Message("requester_as_approver", {"value": name})]
    }
    texts = {lang: refused.value.errors[field][0].render(lang) for lang in ("en", "zh-CN")}
    assert "cannot approve" in texts["en"] and "不能审批" in texts["zh-CN"]
    assert flow.holders(TRIP, trip_id) == ["boss"]


def test_a_requester_holding_an_older_task_cannot_pass_the_step(runtime, flow, staff):
    leave_id = submitted(flow, staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
    # A task given before the process kept requesters out.
    with runtime.db.write() as conn:
        [boss_task] = conn.execute(
            tasks.select().where(tasks.c.entity == LEAVE, tasks.c.record_id == leave_id)
        ).all()
        copied = {k: v for k, v in boss_task._mapping.items() if k != "id"}
        conn.execute(tasks.insert().values({**copied, "assignee_id": staff.emp.id}))

    offered = [a["name"] for a in runtime.process.actions(staff.emp, LEAVE, leave_id)]
    with pytest.raises(Forbidden) as refused:
        flow.act(staff.emp, LEAVE, leave_id, "approve")

    assert "approve" not in offered and "reject" in offered
    assert refused.value.message.key == "self_approval"
    assert flow.state(LEAVE, leave_id) == "manager_review"


def test_a_process_allowing_self_approval_keeps_the_requester(flow, staff):
    claim_id = submitted(flow, staff.fin1, CLAIM, amount="20", purpose="Taxi")

    assert flow.holders(CLAIM, claim_id) == ["fin1", "fin2", "fin3"]
    assert reassignments(flow, CLAIM, claim_id) == []


def test_escalation_on_a_deadline_skips_the_requester(runtime, flow, staff):
    leave_id = submitted(flow, staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
    with runtime.db.write() as conn:
        conn.execute(tasks.update().where(tasks.c.record_id == leave_id).values(
            due_at=utcnow().replace(year=2000)))
    hr_requester = submitted(flow, staff.hr1, LEAVE, kind="annual", days=2, reason="Trip")
    with runtime.db.write() as conn:
        conn.execute(tasks.update().values(due_at=utcnow().replace(year=2000)))

    runtime.sla.tick()

    assert "hr1" not in flow.holders(LEAVE, hr_requester)
    assert {"hr1", "hr2"} <= set(flow.holders(LEAVE, leave_id))
