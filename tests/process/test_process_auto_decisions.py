"""Approver rules (审批人去重, 审批人为空): per process or step, what happens when an
approver is a requester, approved earlier in the round, or when the rules name nobody —
and every decision taken automatically is in the history and the event log."""

from __future__ import annotations

import pytest

from support.rules_support import CLAIM, flow, metadata_path, org, submitted  # noqa: F401


def tasks_of(flow, record_id) -> list[tuple[str, str, str | None]]:
    return [(t.username, t.status, t.origin) for t in flow.tasks(CLAIM, record_id)]


def automatic(flow, record_id) -> list[tuple[str, dict]]:
    return [(e.action, e.data) for e in flow.events(CLAIM, record_id)
            if e.action.startswith("auto_") and e.actor is None]


def test_by_default_a_requester_is_left_out(flow, org):
    claim_id = submitted(flow, org.emp, "self_exclude", owner="emp")

    assert flow.holders(CLAIM, claim_id) == ["fin1", "fin2"]
    assert automatic(flow, claim_id) == []


def test_a_requester_approving_automatically_passes_the_step(runtime, flow, org):
    claim_id = submitted(flow, org.emp, "self_approve", owner="emp")

    assert flow.state(CLAIM, claim_id) == "approved"
    assert tasks_of(flow, claim_id) == [("emp", "done", "auto")]
    assert automatic(flow, claim_id) == [
        ("auto_approve", {"reason": "requester", "user": "emp"})]
    move = flow.events(CLAIM, claim_id)[-1]
    assert (move.action, move.actor, move.to_state) == ("approve", None, "approved")
    csv = [r for r in runtime.events.rows([CLAIM])
           if r["record_id"] == claim_id]
    assert [r["activity"] for r in csv][-2:] == ["auto_approve", "approve"]
    assert csv[-2]["resource"] == ""


def test_in_a_countersign_the_requesters_automatic_vote_counts(flow, org):
    claim_id = submitted(flow, org.emp, "countersign", owner="emp")

    assert tasks_of(flow, claim_id) == [
        ("emp", "done", "auto"), ("fin1", "open", "assigned"), ("fin2", "open", "assigned")]
    flow.act(org.fin1, CLAIM, claim_id, "approve")
    assert flow.state(CLAIM, claim_id) == "countersign"
    flow.act(org.fin2, CLAIM, claim_id, "approve")
    assert flow.state(CLAIM, claim_id) == "approved"


def test_the_requester_may_still_withdraw_after_an_automatic_vote(flow, org):
    claim_id = submitted(flow, org.emp, "countersign", owner="emp")

    flow.act(org.emp, CLAIM, claim_id, "withdraw")

    assert flow.state(CLAIM, claim_id) == "draft"


def test_a_skipped_requester_alone_passes_the_step(flow, org):
    claim_id = submitted(flow, org.emp, "self_skip", owner="emp")

    assert flow.state(CLAIM, claim_id) == "approved"
    assert flow.tasks(CLAIM, claim_id) == []
    assert automatic(flow, claim_id) == [
        ("auto_skip", {"reason": "requester", "users": ["emp"]}),
        ("auto_approve", {"reason": "requester"}),
    ]


def test_a_requesters_place_goes_to_their_manager(flow, org):
    claim_id = submitted(flow, org.emp, "self_manager", owner="emp")

    assert flow.holders(CLAIM, claim_id) == ["m1", "fin1", "fin2"]
    reassign = [e.data for e in flow.events(CLAIM, claim_id) if e.action == "reassign"]
    assert reassign == [{"reason": "self_approval", "from": ["emp"], "to": ["m1"]}]


def test_a_requesters_place_goes_to_the_admins(flow, org, admin):
    claim_id = submitted(flow, org.emp, "self_admin", owner="emp")

    assert flow.holders(CLAIM, claim_id) == ["admin"]


def test_someone_who_approved_earlier_approves_again_automatically(flow, org):
    claim_id = submitted(flow, org.emp, "repeat_approve")
    flow.act(org.fin1, CLAIM, claim_id, "approve")

    assert flow.state(CLAIM, claim_id) == "again_approve"
    assert [t for t in tasks_of(flow, claim_id)[2:]] == [
        ("fin1", "done", "auto"), ("fin2", "open", "assigned")]
    assert automatic(flow, claim_id) == [
        ("auto_approve", {"reason": "repeated", "user": "fin1"})]


def test_someone_who_approved_earlier_is_skipped(flow, org):
    claim_id = submitted(flow, org.emp, "repeat_skip")
    flow.act(org.fin1, CLAIM, claim_id, "approve")

    assert flow.state(CLAIM, claim_id) == "approved"
    assert automatic(flow, claim_id) == [
        ("auto_skip", {"reason": "repeated", "users": ["fin1"]}),
        ("auto_approve", {"reason": "repeated"}),
    ]


def test_an_earlier_round_does_not_count(flow, org):
    claim_id = submitted(flow, org.emp, "repeat_skip")
    flow.act(org.fin2, CLAIM, claim_id, "send_back")
    flow.act(org.emp, CLAIM, claim_id, "submit")
    flow.act(org.fin2, CLAIM, claim_id, "approve")

    assert flow.state(CLAIM, claim_id) == "again_skip"
    assert flow.holders(CLAIM, claim_id) == ["fin1"]


@pytest.mark.parametrize(("route", "holder"), [
    ("empty_admin", "admin"),  # the state says so
    ("empty_manager", "m1"),  # the process says so
])
def test_a_step_naming_nobody_goes_where_the_rules_say(flow, org, admin, route, holder):
    claim_id = submitted(flow, org.emp, route)

    [task] = flow.tasks(CLAIM, claim_id)
    assert (task.username, task.flagged) == (holder, True)


def test_a_step_naming_nobody_may_pass_automatically(flow, org):
    claim_id = submitted(flow, org.emp, "empty_approve")

    assert flow.state(CLAIM, claim_id) == "approved"
    assert automatic(flow, claim_id) == [("auto_approve", {"reason": "empty"})]


def test_an_automatic_pass_refused_leaves_the_step_to_the_admins(flow, org, admin):
    claim_id = submitted(flow, org.emp, "strict")  # approve needs a budget code

    assert flow.state(CLAIM, claim_id) == "strict"
    [task] = flow.tasks(CLAIM, claim_id)
    assert (task.username, task.flagged, task.status) == ("admin", True, "open")
    refused = [e for e in flow.events(CLAIM, claim_id) if e.action == "auto_refused"]
    assert refused[0].data["action"] == "approve" and refused[0].data["to"] == ["admin"]
    assert "budget" in refused[0].data["error"].lower()


@pytest.mark.parametrize(("lang", "texts"), [
    ("en", ["approved automatically for emp, the requester", "system"]),
    ("zh-CN", ["代发起人 emp 自动同意", "系统"]),
])
def test_the_record_page_shows_an_automatic_decision_as_such(flow, org, as_user, lang, texts):
    claim_id = submitted(flow, org.emp, "self_approve", owner="emp")

    html = as_user("emp", lang).get(f"/approvals/claim/{claim_id}").get_data(as_text=True)

    for text in texts:
        assert text in html
