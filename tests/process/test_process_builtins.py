"""The actions every process has besides its transitions, with their guard rails:
withdraw, cancel, transfer, add approver, remind and comment; and sending a record back,
to ``@previous`` or to a named earlier state."""

from __future__ import annotations

import pytest

from formflow.errors import Conflict, Forbidden, TooManyRequests, ValidationFailed
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.process_helpers import (
    LEAVE,
    REQUEST,
    desk_staff,
)


def submitted_leave(flow, staff, days: int = 2) -> int:
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=days, reason="Trip", backup="bud")
    flow.act(staff.emp, LEAVE, leave["id"], "submit")
    return leave["id"]


def at_hr_review(flow, staff) -> int:
    leave_id = submitted_leave(flow, staff, days=5)
    flow.act(staff.boss, LEAVE, leave_id, "approve")
    return leave_id


def offered(runtime, user, record_id: int, entity: str = LEAVE) -> list[str]:
    return [a["name"] for a in runtime.process.actions(user, entity, record_id)]


# -- withdraw ----------------------------------------------------------------------------------


def test_withdraw_returns_the_record_to_start_and_cancels_its_tasks(flow, staff):
    leave_id = submitted_leave(flow, staff)

    flow.act(staff.emp, LEAVE, leave_id, "withdraw", comment="Dates changed")

    assert flow.state(LEAVE, leave_id) == "draft"
    assert [(t.username, t.status) for t in flow.tasks(LEAVE, leave_id)] == [("boss", "cancelled")]
    assert flow.moves(LEAVE, leave_id)[-1] == ("withdraw", "manager_review", "draft")
    assert flow.events(LEAVE, leave_id)[-1].comment == "Dates changed"


@pytest.mark.parametrize("acted", ["vote", "transfer", "add_approver"])
def test_withdraw_is_refused_once_an_assignee_acted(runtime, flow, staff, acted):
    leave_id = at_hr_review(flow, staff)
    assert "withdraw" in offered(runtime, staff.emp, leave_id)
    if acted == "vote":
        flow.act(staff.hr1, LEAVE, leave_id, "approve")
    elif acted == "transfer":
        flow.act(staff.hr1, LEAVE, leave_id, "transfer", values={"to": "pat"})
    else:
        flow.act(
            staff.hr1, LEAVE, leave_id, "add_approver", values={"users": ["pat"], "mode": "after"}
        )

    assert "withdraw" not in offered(runtime, staff.emp, leave_id)
    with pytest.raises(Forbidden):
        flow.act(staff.emp, LEAVE, leave_id, "withdraw")
    assert flow.state(LEAVE, leave_id) == "hr_review"


def test_withdraw_is_for_the_creator_only(flow, staff):
    leave_id = submitted_leave(flow, staff)

    for other in (staff.boss, staff.hr1, staff.bud):
        with pytest.raises(Forbidden):
            flow.act(other, LEAVE, leave_id, "withdraw")
    assert flow.state(LEAVE, leave_id) == "manager_review"


def test_withdraw_is_not_offered_at_start_nor_where_the_process_has_none(runtime, flow, staff):
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
    with pytest.raises(Forbidden):
        flow.act(staff.emp, LEAVE, leave["id"], "withdraw")

    claim = flow.create(staff.emp, "flow.claim", amount="20", purpose="Taxi")
    flow.act(staff.emp, "flow.claim", claim["id"], "submit")
    assert "withdraw" not in offered(runtime, staff.emp, claim["id"], "flow.claim")
    with pytest.raises(Forbidden):
        flow.act(staff.emp, "flow.claim", claim["id"], "withdraw")


# -- cancel ------------------------------------------------------------------------------------


@pytest.mark.parametrize("submitted", [True, False])
def test_cancel_ends_the_record_in_the_built_in_cancelled_state(runtime, flow, staff, submitted):
    if submitted:
        leave_id = submitted_leave(flow, staff)
    else:
        leave_id = flow.create(staff.emp, LEAVE, kind="annual", days=2)["id"]
    start = flow.state(LEAVE, leave_id)

    flow.act(staff.emp, LEAVE, leave_id, "cancel")

    assert flow.state(LEAVE, leave_id) == "cancelled"
    assert flow.moves(LEAVE, leave_id)[-1] == ("cancel", start, "cancelled")
    assert all(t.status == "cancelled" for t in flow.tasks(LEAVE, leave_id))
    assert offered(runtime, staff.emp, leave_id) == ["comment"]
    with pytest.raises(Forbidden):
        flow.act(staff.emp, LEAVE, leave_id, "cancel")


def test_a_decision_on_a_cancelled_record_is_a_conflict(flow, staff):
    leave_id = submitted_leave(flow, staff)
    flow.act(staff.emp, LEAVE, leave_id, "cancel")

    with pytest.raises(Conflict):
        flow.act(staff.boss, LEAVE, leave_id, "approve")


def test_cancel_is_for_the_creator_only_and_where_the_process_allows_it(flow, staff):
    leave_id = submitted_leave(flow, staff)
    with pytest.raises(Forbidden):
        flow.act(staff.boss, LEAVE, leave_id, "cancel")

    claim = flow.create(staff.emp, "flow.claim", amount="20", purpose="Taxi")
    with pytest.raises(Forbidden):
        flow.act(staff.emp, "flow.claim", claim["id"], "cancel")


# -- transfer ----------------------------------------------------------------------------------


def test_transfer_hands_the_task_to_another_user(flow, staff):
    leave_id = submitted_leave(flow, staff)

    flow.act(staff.boss, LEAVE, leave_id, "transfer", values={"to": "pat"}, comment="On leave")

    assert [(t.username, t.status, t.decision, t.origin) for t in flow.tasks(LEAVE, leave_id)] == [
        ("boss", "cancelled", "transfer", "assigned"),
        ("pat", "open", None, "transfer"),
    ]
    event = flow.events(LEAVE, leave_id)[-1]
    assert (event.action, event.actor, event.comment, event.data) == (
        "transfer",
        "boss",
        "On leave",
        {"to": "pat"},
    )
    with pytest.raises(Conflict):
        flow.act(staff.boss, LEAVE, leave_id, "approve")
    flow.act(staff.pat, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"


def test_transfer_is_refused_to_yourself_unknown_users_and_who_decided_the_step(flow, staff):
    leave_id = at_hr_review(flow, staff)
    flow.act(staff.hr1, LEAVE, leave_id, "approve")
    before = flow.tasks(LEAVE, leave_id)

    for values in ({"to": "hr2"}, {"to": "nobody_here"}, {}, {"to": "hr1"}):
        with pytest.raises(ValidationFailed) as refused:
            flow.act(staff.hr2, LEAVE, leave_id, "transfer", values=values)
        assert list(refused.value.errors) == ["to"], values

    assert flow.tasks(LEAVE, leave_id) == before


def test_transfer_is_for_holders_of_an_open_task(flow, staff):
    leave_id = submitted_leave(flow, staff)

    for other in (staff.emp, staff.hr1):
        with pytest.raises(Forbidden):
            flow.act(other, LEAVE, leave_id, "transfer", values={"to": "pat"})



@pytest.mark.parametrize("first", ["transferee", "other"])
def test_transfer_in_a_countersign_leaves_the_transferee_an_open_task_whose_vote_counts(
    flow, staff, first
):
    leave_id = at_hr_review(flow, staff)

    flow.act(staff.hr1, LEAVE, leave_id, "transfer", values={"to": "pat"})
    assert flow.holders(LEAVE, leave_id) == ["hr2", "pat"]

    voters = [staff.pat, staff.hr2] if first == "transferee" else [staff.hr2, staff.pat]
    flow.act(voters[0], LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "hr_review"
    assert flow.holders(LEAVE, leave_id) == [voters[1].username]
    flow.act(voters[1], LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"


# -- add approver ------------------------------------------------------------------------------


def test_add_approver_before_decides_first_then_the_task_comes_back(flow, staff):
    leave_id = submitted_leave(flow, staff)

    flow.act(
        staff.boss, LEAVE, leave_id, "add_approver", values={"users": ["pat"], "mode": "before"}
    )
    assert flow.holders(LEAVE, leave_id) == ["pat"]
    assert flow.holders(LEAVE, leave_id, "waiting") == ["boss"]

    flow.act(staff.pat, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "manager_review"
    assert flow.holders(LEAVE, leave_id) == ["boss"]

    flow.act(staff.boss, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"


def test_add_approver_after_decides_once_the_task_passed(flow, staff):
    leave_id = submitted_leave(flow, staff)

    flow.act(
        staff.boss, LEAVE, leave_id, "add_approver", values={"users": ["pat"], "mode": "after"}
    )
    assert flow.holders(LEAVE, leave_id, "waiting") == ["pat"]

    flow.act(staff.boss, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "manager_review"
    assert flow.holders(LEAVE, leave_id) == ["pat"]

    flow.act(staff.pat, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"


def test_add_approver_in_parallel_to_an_any_step_lets_either_decide(flow, staff):
    leave_id = submitted_leave(flow, staff)

    flow.act(staff.boss, LEAVE, leave_id, "add_approver", values={"users": ["pat"]})
    assert flow.holders(LEAVE, leave_id) == ["boss", "pat"]

    flow.act(staff.pat, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"
    assert flow.holders(LEAVE, leave_id, "cancelled") == ["boss"]


def test_add_approver_in_parallel_to_a_countersign_needs_the_new_vote_too(flow, staff):
    leave_id = at_hr_review(flow, staff)

    flow.act(
        staff.hr1,
        LEAVE,
        leave_id,
        "add_approver",
        values={"users": ["pat"], "mode": "parallel"},
        comment="Legal should see this",
    )
    flow.act(staff.hr1, LEAVE, leave_id, "approve")
    flow.act(staff.hr2, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "hr_review"

    flow.act(staff.pat, LEAVE, leave_id, "approve")
    assert flow.state(LEAVE, leave_id) == "approved"
    added = [e for e in flow.events(LEAVE, leave_id) if e.action == "add_approver"]
    assert [(e.actor, e.comment, e.data) for e in added] == [
        ("hr1", "Legal should see this", {"users": ["pat"], "mode": "parallel"})
    ]


def test_add_approver_is_refused_for_a_bad_mode_yourself_unknown_users_and_who_decided(flow, staff):
    leave_id = at_hr_review(flow, staff)
    flow.act(staff.hr1, LEAVE, leave_id, "approve")
    before = flow.tasks(LEAVE, leave_id)
    refusals = [
        ({"users": ["pat"], "mode": "sideways"}, "mode"),
        ({"users": ["hr2"]}, "users"),  # yourself
        ({"users": ["hr1"]}, "users"),  # already decided this step
        ({"users": ["nobody_here"]}, "users"),
        ({"users": []}, "users"),
        ({}, "users"),
    ]

    for values, field in refusals:
        with pytest.raises(ValidationFailed) as refused:
            flow.act(staff.hr2, LEAVE, leave_id, "add_approver", values=values)
        assert list(refused.value.errors) == [field], values

    assert flow.tasks(LEAVE, leave_id) == before


def test_add_approver_is_for_holders_of_an_open_task(flow, staff):
    leave_id = submitted_leave(flow, staff)

    with pytest.raises(Forbidden):
        flow.act(staff.emp, LEAVE, leave_id, "add_approver", values={"users": ["pat"]})


# -- remind and comment ------------------------------------------------------------------------


def test_remind_nudges_the_open_tasks_and_is_rate_limited(flow, staff):
    leave_id = at_hr_review(flow, staff)

    flow.act(staff.emp, LEAVE, leave_id, "remind", comment="Flight on Friday")

    for holder in (staff.hr1, staff.hr2):
        assert [n.kind for n in flow.notifications(holder)][-1] == "nudge"
    assert flow.events(LEAVE, leave_id)[-1].action == "remind"
    with pytest.raises(TooManyRequests):
        flow.act(staff.emp, LEAVE, leave_id, "remind")
    assert [e.action for e in flow.events(LEAVE, leave_id)].count("remind") == 1

    flow.backdate_events(LEAVE, leave_id, 3601)
    flow.act(staff.emp, LEAVE, leave_id, "remind")
    assert [e.action for e in flow.events(LEAVE, leave_id)].count("remind") == 2


def test_remind_is_for_the_creator_while_tasks_are_open(flow, staff):
    draft = flow.create(staff.emp, LEAVE, kind="annual", days=2)
    with pytest.raises(Forbidden):
        flow.act(staff.emp, LEAVE, draft["id"], "remind")

    leave_id = submitted_leave(flow, staff)
    with pytest.raises(Forbidden):
        flow.act(staff.hr1, LEAVE, leave_id, "remind")


def test_anyone_who_reads_the_record_may_comment(flow, staff):
    leave_id = submitted_leave(flow, staff)

    for user in (staff.emp, staff.boss, staff.bud, staff.hr1):
        flow.act(user, LEAVE, leave_id, "comment", comment=f"  Noted by {user.username} ")

    comments = [
        (e.actor, e.comment, e.from_state, e.to_state)
        for e in flow.events(LEAVE, leave_id)
        if e.action == "comment"
    ]
    assert comments == [(u, f"Noted by {u}", None, None) for u in ("emp", "boss", "bud", "hr1")]
    assert flow.state(LEAVE, leave_id) == "manager_review"
    with pytest.raises(ValidationFailed) as refused:
        flow.act(staff.emp, LEAVE, leave_id, "comment", comment=" ")
    assert list(refused.value.errors) == ["comment"]


# -- sending back ------------------------------------------------------------------------------


def test_send_back_to_previous_walks_back_one_step_at_a_time(flow, staff):
    leave_id = at_hr_review(flow, staff)

    flow.act(staff.hr2, LEAVE, leave_id, "send_back", comment="Ask your manager again")
    assert flow.state(LEAVE, leave_id) == "manager_review"
    assert flow.holders(LEAVE, leave_id) == ["boss"]

    flow.act(staff.boss, LEAVE, leave_id, "send_back", comment="Shorten it")
    assert flow.state(LEAVE, leave_id) == "draft"
    assert flow.moves(LEAVE, leave_id)[-2:] == [
        ("send_back", "hr_review", "manager_review"),
        ("send_back", "manager_review", "draft"),
    ]


def test_send_back_to_previous_follows_the_path_the_record_took(flow, runtime, make_user):
    desk = desk_staff(runtime, make_user)
    request = flow.create(
        desk.rita, REQUEST, route="owner", subject="Server", amount="9000", owner="olga"
    )
    flow.act(desk.rita, REQUEST, request["id"], "submit")
    flow.act(desk.olga, REQUEST, request["id"], "approve")
    assert flow.state(REQUEST, request["id"]) == "finance_review"

    flow.act(desk.cole, REQUEST, request["id"], "send_back")
    assert flow.state(REQUEST, request["id"]) == "owner_review"
    flow.act(desk.olga, REQUEST, request["id"], "send_back")
    assert flow.state(REQUEST, request["id"]) == "draft"
    flow.act(desk.rita, REQUEST, request["id"], "submit")
    assert flow.state(REQUEST, request["id"]) == "owner_review"


def test_rework_sends_back_to_a_named_earlier_state(flow, runtime, make_user):
    desk = desk_staff(runtime, make_user)
    request = flow.create(desk.rita, REQUEST, route="board", subject="Office move")
    flow.act(desk.rita, REQUEST, request["id"], "submit")
    with pytest.raises(ValidationFailed):
        flow.act(desk.b2, REQUEST, request["id"], "rework")

    flow.act(desk.b2, REQUEST, request["id"], "rework", comment="Add a floor plan")

    assert flow.state(REQUEST, request["id"]) == "draft"
    assert flow.moves(REQUEST, request["id"])[-1] == ("rework", "board_review", "draft")
    assert flow.holders(REQUEST, request["id"], "cancelled") == ["b1", "b3"]
