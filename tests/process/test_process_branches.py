"""Parallel branches (并行分支): a record forks into branches that run side by side, each
through its own steps and assignees, and joins again; rejections, send-backs and
conditional branches."""

from __future__ import annotations

import pytest

from formflow.errors import Conflict, Forbidden, ValidationFailed
from support.branch_fixtures import (  # noqa: F401 (fixtures)
    DEAL,
    MEMO,
    PICK,
    database_url,
    flow,
    metadata_path,
    staff,
    submitted,
    template,
)


def test_a_parallel_state_opens_a_task_in_every_branch_at_once(flow, staff):
    deal = submitted(flow, staff)

    assert flow.state(DEAL, deal) == "review"
    open_tasks = {(t.state, t.username) for t in flow.tasks(DEAL, deal) if t.status == "open"}
    assert open_tasks == {("legal_review", "lena"), ("legal_review", "leo"),
                          ("finance_review", "fay"), ("finance_review", "fred"),
                          ("ops_review", "otto")}
    forks = [(e.action, e.from_state, e.to_state, e.branch) for e in flow.events(DEAL, deal)
             if e.action == "fork"]
    assert forks == [("fork", "review", "legal_review", "legal"),
                     ("fork", "review", "finance_review", "finance"),
                     ("fork", "review", "ops_review", "ops")]


def test_the_record_joins_only_when_every_branch_is_done(flow, staff):
    deal = submitted(flow, staff)

    flow.act(staff.fay, DEAL, deal, "approve")
    flow.act(staff.otto, DEAL, deal, "approve")
    flow.act(staff.lena, DEAL, deal, "approve", values={"legal_note": "Fine"})
    assert flow.state(DEAL, deal) == "review"
    assert flow.holders(DEAL, deal) == ["lena", "leo"]  # the legal branch's second step

    flow.act(staff.leo, DEAL, deal, "approve")

    assert flow.state(DEAL, deal) == "signing"
    assert flow.holders(DEAL, deal) == ["dora"]
    joins = [m for m in flow.moves(DEAL, deal) if m[0] == "join"]
    assert joins == [("join", "review", "signing")]


def test_a_conditional_branch_starts_only_when_its_condition_holds(flow, staff):
    deal = submitted(flow, staff, amount="200")

    states = {t.state for t in flow.tasks(DEAL, deal)}
    assert states == {"legal_review", "ops_review"}
    flow.act(staff.otto, DEAL, deal, "approve")
    flow.act(staff.lena, DEAL, deal, "approve", values={"legal_note": "Fine"})
    flow.act(staff.lena, DEAL, deal, "approve")
    assert flow.state(DEAL, deal) == "signing"


def test_a_rejection_in_a_branch_ends_the_whole_record_by_default(flow, staff):
    deal = submitted(flow, staff)
    flow.act(staff.otto, DEAL, deal, "approve")

    flow.act(staff.fay, DEAL, deal, "reject", comment="Too dear")

    assert flow.state(DEAL, deal) == "rejected"
    assert flow.holders(DEAL, deal) == []
    assert {t.username for t in flow.tasks(DEAL, deal) if t.status == "cancelled"} == {
        "lena", "leo", "fred"}
    assert flow.moves(DEAL, deal)[-1] == ("reject", "finance_review", "rejected")
    with pytest.raises(Conflict):
        flow.act(staff.lena, DEAL, deal, "approve", values={"legal_note": "Late"})


def test_a_send_back_inside_a_branch_moves_only_that_branch(flow, staff):
    deal = submitted(flow, staff)
    flow.act(staff.lena, DEAL, deal, "approve", values={"legal_note": "Fine"})

    flow.act(staff.leo, DEAL, deal, "redo", comment="Check clause 4")

    assert flow.state(DEAL, deal) == "review"
    open_tasks = {(t.state, t.username) for t in flow.tasks(DEAL, deal) if t.status == "open"}
    assert open_tasks == {("legal_review", "lena"), ("legal_review", "leo"),
                          ("finance_review", "fay"), ("finance_review", "fred"),
                          ("ops_review", "otto")}


def test_a_send_back_to_a_named_step_outside_the_branches_ends_them_all(flow, staff):
    deal = submitted(flow, staff)
    flow.act(staff.otto, DEAL, deal, "approve")

    flow.act(staff.fay, DEAL, deal, "send_back", comment="Amount?")

    assert flow.state(DEAL, deal) == "draft"
    assert flow.holders(DEAL, deal) == []
    flow.act(staff.ann, DEAL, deal, "submit")
    assert {t.state for t in flow.tasks(DEAL, deal) if t.status == "open"} == {
        "legal_review", "finance_review", "ops_review"}


def test_each_step_edits_only_its_own_fields_by_its_own_assignees(flow, staff):
    deal = submitted(flow, staff)

    with pytest.raises(ValidationFailed) as refused:
        flow.act(staff.fay, DEAL, deal, "approve", values={"legal_note": "Mine"})
    assert "legal_note" in refused.value.errors
    with pytest.raises(Forbidden):
        flow.act(staff.otto, DEAL, deal, "redo", comment="Not mine")
    flow.act(staff.fay, DEAL, deal, "approve", values={"finance_note": "Budgeted"})
    assert flow.record(DEAL, deal)["finance_note"] == "Budgeted"
    assert flow.record(DEAL, deal)["legal_note"] is None


def test_withdraw_before_anyone_acts_cancels_every_branch(flow, staff):
    deal = submitted(flow, staff)

    flow.act(staff.ann, DEAL, deal, "withdraw")

    assert flow.state(DEAL, deal) == "draft"
    assert flow.holders(DEAL, deal) == []


def test_withdraw_is_refused_once_a_branch_has_decided(flow, staff):
    deal = submitted(flow, staff)
    flow.act(staff.otto, DEAL, deal, "approve")

    with pytest.raises(Forbidden):
        flow.act(staff.ann, DEAL, deal, "withdraw")
    assert flow.state(DEAL, deal) == "review"


def test_a_join_of_the_first_two_cancels_the_third_branch(flow, staff):
    pick = flow.create(staff.ann, PICK, subject="Logo")["id"]
    flow.act(staff.ann, PICK, pick, "submit")

    flow.act(staff.lena, PICK, pick, "approve")
    assert flow.state(PICK, pick) == "vote"
    flow.act(staff.otto, PICK, pick, "approve")

    assert flow.state(PICK, pick) == "done"
    finance = [t.status for t in flow.tasks(PICK, pick) if t.state == "b_review"]
    assert finance == ["cancelled", "cancelled"]


def test_a_rejection_that_ends_only_its_branch_lets_the_others_join(flow, staff):
    pick = flow.create(staff.ann, PICK, subject="Logo")["id"]
    flow.act(staff.ann, PICK, pick, "submit")

    flow.act(staff.fay, PICK, pick, "reject")
    assert flow.state(PICK, pick) == "vote"
    assert sorted(flow.holders(PICK, pick)) == ["lena", "leo", "otto"]  # fred's task ended
    flow.act(staff.lena, PICK, pick, "approve")
    flow.act(staff.otto, PICK, pick, "approve")

    assert flow.state(PICK, pick) == "done"


def test_a_join_that_can_no_longer_be_met_ends_in_the_rejection(flow, staff):
    pick = flow.create(staff.ann, PICK, subject="Logo")["id"]
    flow.act(staff.ann, PICK, pick, "submit")

    flow.act(staff.fay, PICK, pick, "reject")
    flow.act(staff.otto, PICK, pick, "reject")

    assert flow.state(PICK, pick) == "rejected"
    assert flow.holders(PICK, pick) == []


def test_when_no_conditional_branch_starts_the_record_joins_at_once(flow, staff):
    memo = flow.create(staff.ann, MEMO, subject="Note", urgent=False)["id"]

    flow.act(staff.ann, MEMO, memo, "submit")

    assert flow.state(MEMO, memo) == "filed"
    assert flow.record(MEMO, memo)["closed_on"] is not None
    assert [m[0] for m in flow.moves(MEMO, memo)] == ["start", "submit", "join"]


def test_a_join_on_any_goes_on_with_the_first_branch_done(flow, staff):
    memo = flow.create(staff.ann, MEMO, subject="Note", urgent=True)["id"]
    flow.act(staff.ann, MEMO, memo, "submit")
    assert flow.state(MEMO, memo) == "checks"

    flow.act(staff.dora, MEMO, memo, "approve")

    assert flow.state(MEMO, memo) == "filed"
