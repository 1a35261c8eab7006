"""Deciding: the approval modes (any, all with or without a quorum, sequential), who may
fire a transition (``by``), conditional branches, required fields, ``set`` and comments."""

from __future__ import annotations

import pytest

from formflow.errors import Conflict, Forbidden, ValidationFailed
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.process_helpers import (
    CLAIM,
    LEAVE,
    REQUEST,
    submitted_leave,
    today_iso,
)


def at_hr_review(flow, staff) -> int:
    leave_id = submitted_leave(flow, staff, days=5)
    flow.act(staff.boss, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "hr_review"
    return leave_id


def submitted_claim(flow, staff, amount: str) -> int:
    claim = flow.create(staff.emp, CLAIM, amount=amount, purpose="Taxi")
    flow.act(staff.emp, CLAIM, claim["id"], "submit")
    return claim["id"]


def at_finance_review(flow, desk) -> int:
    """A purchase request waiting for the clerks (cole, cleo), who decide in ``any`` mode."""
    request = flow.create(
        desk.rita, REQUEST, route="owner", subject="Laptops", amount="2500", owner="olga"
    )
    flow.act(desk.rita, REQUEST, request["id"], "submit")
    flow.act(desk.olga, REQUEST, request["id"], "approve")
    assert flow.state(REQUEST, request["id"]) == "finance_review"
    return request["id"]


# -- any ---------------------------------------------------------------------------------


def test_any_first_decision_moves_the_record_and_cancels_the_other_tasks(flow, desk):
    request_id = at_finance_review(flow, desk)
    assert flow.holders(REQUEST, request_id) == ["cole", "cleo"]

    flow.act(desk.cleo, REQUEST, request_id, "approve")

    assert flow.state(REQUEST, request_id) == "approved"
    finance = [t for t in flow.tasks(REQUEST, request_id) if t.state == "finance_review"]
    assert {(t.username, t.status, t.decision) for t in finance} == {
        ("cleo", "done", "approve"),
        ("cole", "cancelled", None),
    }
    assert all(t.closed_at is not None for t in finance)


def test_any_the_other_assignee_is_told_the_step_moved(flow, desk):
    request_id = at_finance_review(flow, desk)
    flow.act(desk.cleo, REQUEST, request_id, "reject", comment="Too dear")

    with pytest.raises(Conflict):
        flow.act(desk.cole, REQUEST, request_id, "approve")
    assert flow.state(REQUEST, request_id) == "rejected"


# -- all (countersign) ---------------------------------------------------------------------


def test_all_moves_only_once_every_assignee_chose_the_action(flow, staff):
    leave_id = at_hr_review(flow, staff)

    flow.act(staff.hr1, LEAVE, leave_id, "approve", comment="Fine by me")
    assert flow.state(LEAVE, leave_id) == "hr_review"
    assert flow.holders(LEAVE, leave_id) == ["hr2"]

    flow.act(staff.hr2, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"


def test_all_records_every_vote_as_an_event(flow, staff):
    leave_id = at_hr_review(flow, staff)
    flow.act(staff.hr1, LEAVE, leave_id, "approve", comment="Fine by me")
    flow.act(staff.hr2, LEAVE, leave_id, "approve", comment="Agreed")

    votes = [e for e in flow.events(LEAVE, leave_id) if e.from_state == "hr_review"]
    assert [(e.action, e.actor, e.comment, e.to_state) for e in votes] == [
        ("vote", "hr1", "Fine by me", None),
        ("approve", "hr2", "Agreed", "approved"),
    ]
    assert votes[0].data == {"decision": "approve"}
    assert all(e.task_id is not None for e in votes)


def test_all_another_action_moves_at_once(flow, staff):
    leave_id = at_hr_review(flow, staff)

    flow.act(staff.hr2, LEAVE, leave_id, "reject", comment="Busy season")

    assert flow.state(LEAVE, leave_id) == "rejected"
    hr = [t for t in flow.tasks(LEAVE, leave_id) if t.state == "hr_review"]
    assert {(t.username, t.status) for t in hr} == {("hr2", "done"), ("hr1", "cancelled")}


@pytest.mark.parametrize("quorum", ["60% of 3", "2 of 3"])
def test_all_with_a_quorum_moves_once_that_many_chose_the_action(flow, staff, desk, quorum):
    if quorum == "60% of 3":
        entity, record_id = CLAIM, submitted_claim(flow, staff, "500")
        voters, last, end = [staff.fin1, staff.fin3], staff.fin2, "paid"
    else:
        request = flow.create(desk.rita, REQUEST, route="board", subject="Office")
        flow.act(desk.rita, REQUEST, request["id"], "submit")
        entity, record_id = REQUEST, request["id"]
        voters, last, end = [desk.b3, desk.b1], desk.b2, "approved"

    flow.act(voters[0], entity, record_id, "approve")
    assert len(flow.holders(entity, record_id)) == 2
    flow.act(voters[1], entity, record_id, "approve")

    assert flow.state(entity, record_id) == end
    assert [t.username for t in flow.tasks(entity, record_id) if t.status == "cancelled"] == [
        last.username
    ]


def test_all_values_sent_with_a_vote_are_kept(flow, desk):
    request = flow.create(desk.rita, REQUEST, route="board", subject="Office")
    flow.act(desk.rita, REQUEST, request["id"], "submit")

    flow.act(desk.b1, REQUEST, request["id"], "approve", values={"budget_code": "CAPEX-7"})

    record = flow.record(REQUEST, request["id"])
    assert (record["_state"], record["budget_code"]) == ("board_review", "CAPEX-7")


# -- sequential ------------------------------------------------------------------------------


def test_sequential_opens_the_next_task_after_the_previous_one_passes(flow, staff):
    claim_id = submitted_claim(flow, staff, "5000")
    flow.act(staff.fin1, CLAIM, claim_id, "approve")
    flow.act(staff.fin2, CLAIM, claim_id, "approve")
    assert flow.state(CLAIM, claim_id) == "director_chain"
    assert flow.holders(CLAIM, claim_id) == ["dir1"]
    assert flow.holders(CLAIM, claim_id, "waiting") == ["dir2"]
    with pytest.raises(Forbidden):  # not his turn
        flow.act(staff.dir2, CLAIM, claim_id, "approve")

    flow.act(staff.dir1, CLAIM, claim_id, "approve")
    assert flow.state(CLAIM, claim_id) == "director_chain"
    assert flow.holders(CLAIM, claim_id) == ["dir2"]

    flow.act(staff.dir2, CLAIM, claim_id, "approve")
    assert flow.state(CLAIM, claim_id) == "paid"
    assert flow.moves(CLAIM, claim_id)[-1] == ("approve", "director_chain", "paid")


def test_sequential_another_action_moves_at_once_and_cancels_the_later_turns(flow, staff):
    claim_id = submitted_claim(flow, staff, "5000")
    flow.act(staff.fin1, CLAIM, claim_id, "approve")
    flow.act(staff.fin2, CLAIM, claim_id, "approve")

    flow.act(staff.dir1, CLAIM, claim_id, "reject")

    assert flow.state(CLAIM, claim_id) == "rejected"
    chain = [t for t in flow.tasks(CLAIM, claim_id) if t.state == "director_chain"]
    assert [(t.username, t.status) for t in chain] == [("dir1", "done"), ("dir2", "cancelled")]


# -- who may act -------------------------------------------------------------------------------


def test_by_default_only_the_current_assignees_decide(flow, staff):
    leave_id = submitted_leave(flow, staff)

    for outsider in (staff.emp, staff.hr1):  # the creator, a reader of every leave
        with pytest.raises(Forbidden):
            flow.act(outsider, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "manager_review"


def test_by_creator_only_the_creator_fires(flow, staff, admin):
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")

    for other in (staff.hr1, admin):
        with pytest.raises(Forbidden):
            flow.act(other, LEAVE, leave["id"], "submit")
    flow.act(staff.emp, LEAVE, leave["id"], "submit")
    assert flow.state(LEAVE, leave["id"]) == "manager_review"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("cole", True),  # {"role": "clerk"}
        ("aud", True),  # {"user": "aud"}
        ("olga", False),  # the state's assignee, but not named by the rules
        ("rita", False),  # the creator
    ],
)
def test_by_a_list_of_rules_lets_exactly_the_users_they_name_fire(flow, desk, who, allowed):
    request = flow.create(
        desk.rita, REQUEST, route="owner", subject="Tables", amount="50", owner="olga"
    )
    flow.act(desk.rita, REQUEST, request["id"], "submit")
    user = getattr(desk, who)

    if allowed:
        flow.act(user, REQUEST, request["id"], "escalate")
        assert flow.state(REQUEST, request["id"]) == "board_review"
        assert flow.holders(REQUEST, request["id"]) == ["b1", "b2", "b3"]
    else:
        with pytest.raises(Forbidden):
            flow.act(user, REQUEST, request["id"], "escalate")
        assert flow.state(REQUEST, request["id"]) == "owner_review"


@pytest.mark.parametrize("second", ["approve", "reject"])
def test_an_assignee_never_decides_the_same_task_twice(flow, staff, second):
    leave_id = at_hr_review(flow, staff)
    flow.act(staff.hr1, LEAVE, leave_id, "approve")
    before = flow.events(LEAVE, leave_id)

    with pytest.raises(Conflict):
        flow.act(staff.hr1, LEAVE, leave_id, second, comment="Again")

    assert flow.events(LEAVE, leave_id) == before
    assert flow.state(LEAVE, leave_id) == "hr_review"
    assert [
        (t.username, t.status) for t in flow.tasks(LEAVE, leave_id) if t.state == "hr_review"
    ] == [("hr1", "done"), ("hr2", "open")]


def test_deciding_again_after_the_record_moved_is_a_conflict(flow, staff):
    leave_id = submitted_leave(flow, staff)
    flow.act(staff.boss, LEAVE, leave_id, "approve")

    with pytest.raises(Conflict):
        flow.act(staff.boss, LEAVE, leave_id, "approve")
    assert len([m for m in flow.moves(LEAVE, leave_id) if m[0] == "approve"]) == 1


# -- guarded transitions, required, set, comments ------------------------------------------------


@pytest.mark.parametrize(("days", "target"), [(5, "hr_review"), (3, "approved")])
def test_the_first_transition_whose_when_holds_wins(flow, staff, days, target):
    leave_id = submitted_leave(flow, staff, days=days)

    flow.act(staff.boss, LEAVE, leave_id, "approve")

    assert flow.state(LEAVE, leave_id) == target


def test_values_sent_with_a_decision_must_be_editable_in_the_state(flow, desk):
    request = flow.create(
        desk.rita, REQUEST, route="owner", subject="Van", amount="900", owner="olga"
    )
    flow.act(desk.rita, REQUEST, request["id"], "submit")

    with pytest.raises(ValidationFailed) as refused:
        flow.act(desk.olga, REQUEST, request["id"], "approve", values={"amount": "5000"})
    assert list(refused.value.errors) == ["amount"]
    flow.act(desk.olga, REQUEST, request["id"], "approve", values={"note": "Checked"})
    assert flow.state(REQUEST, request["id"]) == "approved"


@pytest.mark.parametrize(("entity", "field"), [(LEAVE, "reason"), (REQUEST, "amount")])
def test_required_fields_are_checked_before_moving(flow, staff, desk, entity, field):
    if entity == LEAVE:
        creator, record = staff.emp, flow.create(staff.emp, LEAVE, kind="annual", days=2)
    else:
        creator = desk.rita
        record = flow.create(desk.rita, REQUEST, route="owner", subject="Pens", owner="olga")

    with pytest.raises(ValidationFailed) as refused:
        flow.act(creator, entity, record["id"], "submit")

    assert list(refused.value.errors) == [field]
    assert flow.state(entity, record["id"]) == "draft"
    assert flow.moves(entity, record["id"]) == [("start", None, "draft")]


def test_a_required_field_may_be_filled_with_the_action(flow, staff):
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=2)

    flow.act(staff.emp, LEAVE, leave["id"], "submit", values={"reason": "Wedding"})

    record = flow.record(LEAVE, leave["id"])
    assert (record["_state"], record["reason"]) == ("manager_review", "Wedding")


def test_set_is_applied_when_the_transition_fires(runtime, flow, staff):
    leave_id = submitted_leave(flow, staff)
    assert flow.record(LEAVE, leave_id)["approved_on"] is None

    saved = flow.act(staff.boss, LEAVE, leave_id, "approve")

    assert saved["approved_on"] == today_iso(runtime, staff.boss)


def test_a_required_comment_is_checked(flow, staff):
    leave_id = submitted_leave(flow, staff)

    for comment in (None, "", "   "):
        with pytest.raises(ValidationFailed) as refused:
            flow.act(staff.boss, LEAVE, leave_id, "reject", comment=comment)
        assert list(refused.value.errors) == ["comment"]

    assert flow.state(LEAVE, leave_id) == "manager_review"
    assert flow.holders(LEAVE, leave_id) == ["boss"]


def test_a_comment_is_kept_on_the_task_and_the_event(flow, staff):
    leave_id = submitted_leave(flow, staff)

    flow.act(staff.boss, LEAVE, leave_id, "reject", comment="Not now")

    assert flow.state(LEAVE, leave_id) == "rejected"
    [task] = flow.tasks(LEAVE, leave_id)
    assert (task.status, task.decision, task.comment) == ("done", "reject", "Not now")
    assert flow.events(LEAVE, leave_id)[-1].comment == "Not now"


@pytest.mark.parametrize("comment", [None, "Looks right"])
def test_an_optional_comment_may_be_left_out(flow, desk, comment):
    request = flow.create(desk.rita, REQUEST, route="named", subject="Paper")
    flow.act(desk.rita, REQUEST, request["id"], "submit")

    flow.act(desk.nina, REQUEST, request["id"], "approve", comment=comment)

    assert flow.state(REQUEST, request["id"]) == "approved"
    assert flow.events(REQUEST, request["id"])[-1].comment == comment
