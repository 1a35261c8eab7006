"""SLA timers (``formflow tick``): deadlines on tasks, reminders, each kind of
``on_breach``, idempotence, and concurrent ticks handling each breach exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from formflow.cli import main
from formflow.errors import Conflict
from formflow.fields.columns import utcnow
from formflow.process.calendar.working import add_business_time
from formflow.process.tables import events, notifications, tasks
from support import TEST_APPS
from support.sla_support import TICKET, submit

MUCH_LATER = timedelta(days=30)


@pytest.fixture
def metadata_path():
    return [TEST_APPS / "sla"]


def task_rows(runtime, record_id: int) -> list:
    with runtime.db.read() as conn:
        return conn.execute(sa.select(tasks).where(
            tasks.c.entity == TICKET, tasks.c.record_id == record_id).order_by(tasks.c.id)).all()


def event_rows(runtime, record_id: int) -> list:
    with runtime.db.read() as conn:
        return conn.execute(sa.select(events).where(
            events.c.entity == TICKET, events.c.record_id == record_id).order_by(events.c.id)).all()


def notices(runtime, user, kind: str) -> list:
    with runtime.db.read() as conn:
        return conn.execute(sa.select(notifications).where(
            notifications.c.user_id == user.id, notifications.c.kind == kind)).all()


def state_of(runtime, record_id: int) -> str:
    with runtime.db.read() as conn:
        return runtime.internal_records.load(conn, TICKET, record_id)["_state"]


def opened(runtime, record_id: int):
    return task_rows(runtime, record_id)[0].opened_at


def test_tasks_get_deadlines_from_the_sla(runtime, people):
    triage = task_rows(runtime, submit(runtime, people, "assign"))[0]
    assert triage.due_at - triage.opened_at == timedelta(hours=4)
    assert triage.remind_at - triage.opened_at == timedelta(hours=2)
    review = task_rows(runtime, submit(runtime, people, "action"))[0]
    with runtime.db.read() as conn:
        expected = add_business_time(conn, review.opened_at, 2, "bd", runtime.settings["TIMEZONE"])
    assert review.due_at == expected and review.remind_at is None


def test_a_reminder_is_sent_once(runtime, people):
    record_id = submit(runtime, people, "assign")
    now = opened(runtime, record_id) + timedelta(hours=3)
    report = runtime.sla.tick(now=now)
    assert (report.reminders, report.breaches) == (1, 0)
    assert len(notices(runtime, people.ann, "reminder")) == 1
    assert task_rows(runtime, record_id)[0].reminded_at == now
    again = runtime.sla.tick(now=now + timedelta(minutes=30))
    assert (again.reminders, again.breaches) == (0, 0)
    assert len(notices(runtime, people.ann, "reminder")) == 1


def test_a_breach_with_assign_escalates_once(runtime, people):
    record_id = submit(runtime, people, "assign")
    now = opened(runtime, record_id) + timedelta(hours=5)
    report = runtime.sla.tick(now=now)
    assert (report.breaches, report.escalations, report.reminders) == (1, 1, 0)
    late, escalated = task_rows(runtime, record_id)
    assert late.breached_at == now and late.status == "open"
    assert (escalated.assignee_id, escalated.origin, escalated.status) == (
        people.leo.id, "escalation", "open")
    assert (escalated.state, escalated.visit, escalated.position) == (
        late.state, late.visit, late.position)
    breach = event_rows(runtime, record_id)[-1]
    assert (breach.action, breach.actor_id, breach.from_state, breach.to_state) == (
        "breach", None, "triage", None)
    assert breach.data["users"] == ["leo"] and breach.task_id == late.id
    assert notices(runtime, people.ann, "reminder") == []  # the breach supersedes it
    assert len(notices(runtime, people.leo, "task")) == 1

    assert runtime.sla.tick(now=now) == type(report)()  # a second run does nothing
    assert len(task_rows(runtime, record_id)) == 2
    runtime.process.act(people.leo, TICKET, record_id, "approve", {})
    assert state_of(runtime, record_id) == "done"


def test_a_breach_with_an_action_decides_as_the_system(runtime, people):
    record_id = submit(runtime, people, "action")
    report = runtime.sla.tick(now=utcnow() + MUCH_LATER)
    assert (report.breaches, report.auto_actions) == (1, 1)
    assert state_of(runtime, record_id) == "done"
    timeout, move = event_rows(runtime, record_id)[-2:]
    assert (timeout.action, timeout.actor_id, timeout.from_state, timeout.to_state) == (
        "timeout", None, "review", None)
    assert timeout.data["action"] == "approve"
    assert (move.action, move.actor_id, move.from_state, move.to_state) == (
        "approve", None, "review", "done")
    assert move.seconds_in_state is not None
    (task,) = task_rows(runtime, record_id)
    assert (task.status, task.decision) == ("cancelled", "timeout")
    with runtime.db.read() as conn:
        record = runtime.internal_records.load(conn, TICKET, record_id)
    assert record["closed_on"] is not None  # the transition's "set" ran
    with pytest.raises(Conflict):  # the assignee comes too late
        runtime.process.act(people.ann, TICKET, record_id, "approve", {})
    assert runtime.sla.tick(now=utcnow() + MUCH_LATER).breaches == 0


def test_a_breach_with_notify_tells_the_people_named(runtime, people):
    record_id = submit(runtime, people, "notify")
    now = opened(runtime, record_id) + timedelta(hours=2)
    report = runtime.sla.tick(now=now)
    assert (report.breaches, report.breach_notices) == (1, 1)
    (breach_notice,) = notices(runtime, people.leo, "breach")
    (task,) = task_rows(runtime, record_id)
    assert breach_notice.task_id == task.id and breach_notice.record_id == record_id
    assert task.status == "open" and task.breached_at == now
    assert event_rows(runtime, record_id)[-1].data["users"] == ["leo"]
    assert runtime.sla.tick(now=now).breach_notices == 0
    assert len(notices(runtime, people.leo, "breach")) == 1


def test_a_refused_auto_action_is_logged_and_not_retried(runtime, people):
    record_id = submit(runtime, people, "strict")  # "close" requires a resolution
    report = runtime.sla.tick(now=utcnow() + MUCH_LATER)
    assert (report.breaches, report.auto_actions, report.failed) == (1, 0, 0)
    assert state_of(runtime, record_id) == "strict"
    breach = event_rows(runtime, record_id)[-1]
    assert breach.action == "breach" and breach.data["action"] == "close"
    assert "error" in breach.data
    assert [e.action for e in event_rows(runtime, record_id)].count("timeout") == 0
    (task,) = task_rows(runtime, record_id)
    assert task.status == "open" and task.breached_at is not None
    assert runtime.sla.tick(now=utcnow() + MUCH_LATER).breaches == 0


def test_a_breach_without_on_breach_is_only_logged(runtime, people):
    record_id = submit(runtime, people, "plain")
    report = runtime.sla.tick(now=utcnow() + timedelta(hours=1))
    assert (report.breaches, report.escalations, report.auto_actions) == (1, 0, 0)
    assert event_rows(runtime, record_id)[-1].action == "breach"
    assert state_of(runtime, record_id) == "plain"


def test_rules_naming_nobody_escalate_to_the_admins(runtime, make_user, admin):
    rita = make_user("rita")
    make_user("ann", roles=["agent"])
    record_id = submit(runtime, SimpleNamespace(rita=rita), "assign")
    runtime.sla.tick(now=utcnow() + timedelta(hours=5))
    escalated = task_rows(runtime, record_id)[-1]
    assert (escalated.assignee_id, escalated.flagged, escalated.origin) == (
        admin.id, True, "escalation")


def test_decided_tasks_never_breach(runtime, people):
    record_id = submit(runtime, people, "assign")
    runtime.process.act(people.ann, TICKET, record_id, "approve", {})
    report = runtime.sla.tick(now=utcnow() + MUCH_LATER)
    assert (report.reminders, report.breaches) == (0, 0)


def test_deadlines_set_in_the_past_are_run_by_a_plain_tick(runtime, people):
    record_id = submit(runtime, people, "assign")
    with runtime.db.write() as conn:
        conn.execute(tasks.update().where(tasks.c.record_id == record_id).values(
            remind_at=utcnow() - timedelta(hours=2), due_at=utcnow() + timedelta(hours=1)))
    assert runtime.sla.tick().reminders == 1
    with runtime.db.write() as conn:
        conn.execute(tasks.update().where(tasks.c.record_id == record_id).values(
            due_at=utcnow() - timedelta(minutes=1)))
    assert runtime.sla.tick().escalations == 1


def test_the_tick_command_prints_what_it_did(runner, runtime, people):
    record_id = submit(runtime, people, "notify")
    with runtime.db.write() as conn:
        conn.execute(tasks.update().where(tasks.c.record_id == record_id).values(
            due_at=utcnow() - timedelta(minutes=1)))
    result = runner.invoke(main, ["tick"])
    assert result.exit_code == 0, result.output
    assert "Reminders sent: 0" in result.output
    assert "Deadlines breached: 1" in result.output and "breach notices: 1" in result.output
    again = runner.invoke(main, ["tick"])
    assert again.exit_code == 0 and "Deadlines breached: 0" in again.output


def test_a_failing_record_does_not_stop_the_others(runtime, people, monkeypatch):
    first = submit(runtime, people, "plain")
    second = submit(runtime, people, "plain")
    original = runtime.sla.run_record

    def flaky(qualified, record_id, now, cache=None):
        if record_id == first:
            raise RuntimeError("the database went away")
        return original(qualified, record_id, now, cache)

    monkeypatch.setattr(runtime.sla, "run_record", flaky)
    report = runtime.sla.tick(now=utcnow() + timedelta(hours=1))
    assert (report.failed, report.breaches) == (1, 1)
    assert task_rows(runtime, first)[0].breached_at is None
    assert task_rows(runtime, second)[0].breached_at is not None


def test_concurrent_ticks_handle_each_breach_exactly_once(runtime, people):
    kinds = ["assign", "action", "notify", "plain"] * 6
    ids = {submit(runtime, people, kind, f"Ticket {n}"): kind for n, kind in enumerate(kinds)}
    now = utcnow() + MUCH_LATER
    start = threading.Barrier(2)
    reports, errors = [], []

    def run():
        try:
            start.wait()
            reports.append(runtime.sla.tick(now=now))
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sum(r.breaches for r in reports) == len(ids)
    assert sum(r.escalations for r in reports) == kinds.count("assign")
    assert sum(r.auto_actions for r in reports) == kinds.count("action")
    assert sum(r.breach_notices for r in reports) == kinds.count("notify")
    for record_id, kind in ids.items():
        actions = [e.action for e in event_rows(runtime, record_id)]
        assert actions.count("breach") + actions.count("timeout") == 1, (kind, actions)
        assert len([t for t in task_rows(runtime, record_id) if t.origin == "escalation"]) == (
            1 if kind == "assign" else 0)
    assert len(notices(runtime, people.leo, "breach")) == kinds.count("notify")
    # Whatever one tick left because the other held the record, the next one finishes.
    assert runtime.sla.tick(now=now).breaches == 0
