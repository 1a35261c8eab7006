"""Branches decided at the same instant (threads released together, one database
connection each): the record's row lock serializes them, so the join happens exactly once
and a rejection racing the join leaves exactly one outcome.

Meant for PostgreSQL (``FORMFLOW_TEST_DATABASE_URL``), where the transactions really
overlap; on SQLite the database lock serializes them and the outcome must be the same.
"""

from __future__ import annotations

from formflow.errors import Conflict
from support.branch_fixtures import (  # noqa: F401 (fixtures)
    DEAL,
    PICK,
    database_url,
    flow,
    metadata_path,
    staff,
    template,
)
from support.process_helpers import run_together

ROUNDS = 3


def test_the_last_two_branches_decided_at_once_join_exactly_once(runtime, flow, staff):
    for _ in range(ROUNDS):
        deal = flow.create(staff.ann, DEAL, subject="Supply", amount="5000")["id"]
        flow.act(staff.ann, DEAL, deal, "submit")
        flow.act(staff.lena, DEAL, deal, "approve", values={"legal_note": "Fine"})
        flow.act(staff.leo, DEAL, deal, "approve")
        deciders = [staff.fay, staff.otto]

        results = run_together(2, lambda i, deal=deal, people=deciders: runtime.process.act(
            people[i], DEAL, deal, "approve", {}))

        assert all(isinstance(r, dict) for r in results), results
        assert flow.state(DEAL, deal) == "signing"
        assert [m for m in flow.moves(DEAL, deal) if m[0] == "join"] == [
            ("join", "review", "signing")]
        assert flow.holders(DEAL, deal) == ["dora"]


def test_two_branches_of_a_first_n_join_decided_at_once_join_exactly_once(
    runtime, flow, staff
):
    for _ in range(ROUNDS):
        pick = flow.create(staff.ann, PICK, subject="Logo")["id"]
        flow.act(staff.ann, PICK, pick, "submit")
        flow.act(staff.lena, PICK, pick, "approve")
        deciders = [staff.fay, staff.otto]

        results = run_together(2, lambda i, pick=pick, people=deciders: runtime.process.act(
            people[i], PICK, pick, "approve", {}))

        # One decision joins; the other branch was cancelled by then, or joined itself.
        assert sorted(type(r).__name__ for r in results) in (["Conflict", "dict"],
                                                             ["dict", "dict"]), results
        assert flow.state(PICK, pick) == "done"
        assert len([m for m in flow.moves(PICK, pick) if m[0] == "join"]) == 1


def test_a_rejection_racing_the_join_decides_exactly_one_outcome(runtime, flow, staff):
    """The last branch's two assignees at once: fay's approval joins, fred's rejection
    ends the record; whichever comes first wins, the other is told the step moved."""
    for _ in range(ROUNDS * 2):
        deal = flow.create(staff.ann, DEAL, subject="Supply", amount="5000")["id"]
        flow.act(staff.ann, DEAL, deal, "submit")
        flow.act(staff.lena, DEAL, deal, "approve", values={"legal_note": "Fine"})
        flow.act(staff.leo, DEAL, deal, "approve")
        flow.act(staff.otto, DEAL, deal, "approve")
        calls = [
            lambda deal=deal: runtime.process.act(staff.fay, DEAL, deal, "approve", {}),
            lambda deal=deal: runtime.process.act(staff.fred, DEAL, deal, "reject",
                                                  {"comment": "No budget"}),
        ]

        results = run_together(2, lambda i, calls=calls: calls[i]())

        assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"], results
        joined = isinstance(results[0], dict)
        moves = flow.moves(DEAL, deal)
        assert flow.state(DEAL, deal) == ("signing" if joined else "rejected")
        assert len([m for m in moves if m[0] == "join"]) == (1 if joined else 0)
        assert len([m for m in moves if m[2] == "rejected"]) == (0 if joined else 1)
        assert flow.holders(DEAL, deal) == (["dora"] if joined else [])


def test_a_branch_rejection_racing_the_last_approval_leaves_one_outcome(runtime, flow, staff):
    for _ in range(ROUNDS * 2):
        deal = flow.create(staff.ann, DEAL, subject="Supply", amount="5000")["id"]
        flow.act(staff.ann, DEAL, deal, "submit")
        flow.act(staff.lena, DEAL, deal, "approve", values={"legal_note": "Fine"})
        flow.act(staff.otto, DEAL, deal, "approve")
        calls = [
            lambda deal=deal: runtime.process.act(staff.leo, DEAL, deal, "approve", {}),
            lambda deal=deal: runtime.process.act(staff.fay, DEAL, deal, "reject",
                                                  {"comment": "No budget"}),
        ]

        results = run_together(2, lambda i, calls=calls: calls[i]())

        state = flow.state(DEAL, deal)
        moves = flow.moves(DEAL, deal)
        assert state == "rejected"  # the join needs finance too: the rejection always ends it
        assert [m for m in moves if m[0] == "join"] == []
        assert len([m for m in moves if m[2] == "rejected"]) == 1
        assert flow.holders(DEAL, deal) == []
        assert all(isinstance(r, dict | Conflict) for r in results), results
