"""People acting on the same step at the same instant (threads released together, one
database connection each).  The record's row lock serializes them: the step moves once,
the others are told it moved meanwhile, and every vote of a countersign is recorded.

Meant for PostgreSQL (``FORMFLOW_TEST_DATABASE_URL``), where the transactions really
overlap; on SQLite the database lock serializes them and the outcome must be the same.
"""

from __future__ import annotations

import pytest

from formflow.errors import Conflict, Forbidden
from support.flow_fixtures import database_url, flow, metadata_path, template  # noqa: F401 (fixtures)
from support.process_helpers import (
    LEAVE,
    REQUEST,
    desk_staff,
    run_together,
)

ROUNDS = 3


@pytest.mark.parametrize("decisions", [("approve", "approve"), ("approve", "reject")])
def test_two_assignees_deciding_an_any_step_at_once_move_it_exactly_once(
    runtime, flow, make_user, decisions
):
    desk = desk_staff(runtime, make_user)
    clerks = [desk.cole, desk.cleo]
    for _ in range(ROUNDS):
        request = flow.create(
            desk.rita, REQUEST, route="owner", subject="Racks", amount="4000", owner="olga"
        )
        flow.act(desk.rita, REQUEST, request["id"], "submit")
        flow.act(desk.olga, REQUEST, request["id"], "approve")

        results = run_together(
            2,
            lambda i, request_id=request["id"]: runtime.process.act(
                clerks[i], REQUEST, request_id, decisions[i], {"comment": "Decided"}
            ),
        )

        assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"], results
        moves = [m for m in flow.moves(REQUEST, request["id"]) if m[1] == "finance_review"]
        assert len(moves) == 1
        winner = results.index(next(r for r in results if isinstance(r, dict)))
        assert moves[0][0] == decisions[winner]
        finance = [t for t in flow.tasks(REQUEST, request["id"]) if t.state == "finance_review"]
        assert sorted((t.username, t.status) for t in finance) == sorted(
            [(clerks[winner].username, "done"), (clerks[1 - winner].username, "cancelled")]
        )


def test_a_countersign_decided_by_everyone_at_once_moves_once_with_every_vote(
    runtime, flow, make_user
):
    boss = make_user("boss")
    emp = make_user("emp", manager="boss")
    hr = [make_user(f"hr{i}", roles=["hr_manager"]) for i in range(4)]
    for _ in range(ROUNDS):
        leave = flow.create(emp, LEAVE, kind="annual", days=5, reason="Trip")
        flow.act(emp, LEAVE, leave["id"], "submit")
        flow.act(boss, LEAVE, leave["id"], "approve")
        assert flow.holders(LEAVE, leave["id"]) == [u.username for u in hr]

        results = run_together(
            len(hr),
            lambda i, leave_id=leave["id"]: runtime.process.act(
                hr[i], LEAVE, leave_id, "approve", {"comment": f"Yes from hr{i}"}
            ),
        )

        assert all(isinstance(r, dict) for r in results), results
        assert [r["_state"] for r in results].count("approved") == 1
        events = [e for e in flow.events(LEAVE, leave["id"]) if e.from_state == "hr_review"]
        assert sorted(e.action for e in events) == ["approve", "vote", "vote", "vote"]
        assert events[-1].to_state == "approved"
        assert sorted(e.comment for e in events) == [f"Yes from hr{i}" for i in range(4)]
        hr_tasks = [t for t in flow.tasks(LEAVE, leave["id"]) if t.state == "hr_review"]
        assert {(t.status, t.decision) for t in hr_tasks} == {("done", "approve")}
        assert flow.state(LEAVE, leave["id"]) == "approved"


def test_withdrawing_while_the_assignee_decides_lets_exactly_one_happen(runtime, flow, make_user):
    boss = make_user("boss")
    emp = make_user("emp", manager="boss")
    for _ in range(ROUNDS):
        leave = flow.create(emp, LEAVE, kind="annual", days=2, reason="Trip")
        flow.act(emp, LEAVE, leave["id"], "submit")
        results = run_together(
            2,
            lambda i, leave_id=leave["id"]: runtime.process.act(
                *[(boss, LEAVE, leave_id, "approve", {}), (emp, LEAVE, leave_id, "withdraw", {})][i]
            ),
        )

        approved, withdrawn = results
        if isinstance(approved, dict):
            assert isinstance(withdrawn, Forbidden)
            assert flow.state(LEAVE, leave["id"]) == "approved"
        else:
            assert isinstance(approved, Conflict) and isinstance(withdrawn, dict)
            assert flow.state(LEAVE, leave["id"]) == "draft"
        assert len(flow.moves(LEAVE, leave["id"])) == 3  # start, submit, one of the two


def test_reminders_sent_at_once_nudge_only_once(runtime, flow, make_user):
    """The remind (催办) rate limit is decided under the record's row lock, so ten
    reminders sent together give one nudge, and the others are told to wait."""
    boss = make_user("boss")
    emp = make_user("emp", manager="boss")
    leave = flow.create(emp, LEAVE, kind="annual", days=2, reason="Trip")
    flow.act(emp, LEAVE, leave["id"], "submit")

    results = run_together(
        10, lambda i: runtime.process.act(emp, LEAVE, leave["id"], "remind", {})
    )

    assert sorted(type(r).__name__ for r in results) == ["TooManyRequests"] * 9 + ["dict"]
    assert [e.action for e in flow.events(LEAVE, leave["id"])].count("remind") == 1
    assert boss.username in flow.holders(LEAVE, leave["id"])
