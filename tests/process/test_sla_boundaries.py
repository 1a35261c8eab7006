"""SLA timers at their edges: a tick exactly at a deadline runs it (a reminder, an
escalation, an automatic decision), a tick a moment before does not, and a deadline is
never run twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from formflow.process.tables import tasks

SLA_APPS = Path(__file__).resolve().parents[1] / "metadata" / "sla"
TICKET = "support.ticket"
MOMENT = timedelta(microseconds=1)


@pytest.fixture
def metadata_path():
    return [SLA_APPS]


def submitted(runtime, people, kind: str):
    """The first task of a ticket of ``kind`` (its step's SLA), once submitted."""
    record = runtime.records.create(people.rita, TICKET, {"subject": "Jam", "kind": kind})
    runtime.process.act(people.rita, TICKET, record["id"], "submit", {})
    return first_task(runtime, record["id"])


@pytest.fixture
def task(runtime, people):
    """The open triage task of a submitted ticket (remind after 2 hours, due after 4)."""
    return submitted(runtime, people, "assign")


def tasks_of(runtime, record_id: int) -> list:
    with runtime.db.read() as conn:
        return conn.execute(sa.select(tasks).where(
            tasks.c.entity == TICKET, tasks.c.record_id == record_id).order_by(tasks.c.id)
        ).all()


def first_task(runtime, record_id: int):
    return tasks_of(runtime, record_id)[0]


def test_a_reminder_waits_until_its_moment_and_runs_exactly_at_it(runtime, task):
    early = runtime.sla.tick(now=task.remind_at - MOMENT)
    assert (early.reminders, early.breaches) == (0, 0)
    assert first_task(runtime, task.record_id).reminded_at is None

    on_time = runtime.sla.tick(now=task.remind_at)
    assert (on_time.reminders, on_time.breaches) == (1, 0)
    assert first_task(runtime, task.record_id).reminded_at == task.remind_at


def test_a_breach_runs_exactly_at_the_deadline_and_only_once(runtime, task):
    runtime.sla.tick(now=task.remind_at)
    early = runtime.sla.tick(now=task.due_at - MOMENT)
    assert early.breaches == 0
    assert first_task(runtime, task.record_id).breached_at is None

    on_time = runtime.sla.tick(now=task.due_at)
    assert on_time.breaches == 1
    assert first_task(runtime, task.record_id).breached_at == task.due_at
    assert runtime.sla.tick(now=task.due_at + timedelta(hours=1)).breaches == 0


def state_of(runtime, record_id: int) -> str:
    with runtime.db.read() as conn:
        return runtime.internal_records.load(conn, TICKET, record_id)["_state"]


def test_an_automatic_decision_is_taken_exactly_at_the_deadline_not_a_moment_before(
    runtime, people
):
    task = submitted(runtime, people, "action")  # review: approved by the system when due
    early = runtime.sla.tick(now=task.due_at - MOMENT)
    assert (early.breaches, early.auto_actions) == (0, 0)
    assert state_of(runtime, task.record_id) == "review"
    assert first_task(runtime, task.record_id).status == "open"

    on_time = runtime.sla.tick(now=task.due_at)
    assert (on_time.breaches, on_time.auto_actions) == (1, 1)
    assert state_of(runtime, task.record_id) == "done"
    assert first_task(runtime, task.record_id).breached_at == task.due_at


def test_an_escalation_at_the_deadline_opens_the_new_tasks_once(runtime, task):
    runtime.sla.tick(now=task.due_at - MOMENT)
    assert len(tasks_of(runtime, task.record_id)) == 1
    runtime.sla.tick(now=task.due_at)
    escalated = tasks_of(runtime, task.record_id)
    assert len(escalated) == 2
    runtime.sla.tick(now=task.due_at)
    assert tasks_of(runtime, task.record_id) == escalated
