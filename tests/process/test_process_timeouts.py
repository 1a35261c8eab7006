"""Auto-actions on timeout in steps with several approvers: in a sequential (逐级) step
an automatic approval passes the late turn only and the next level gets a clock of its
own; an automatic rejection ends the step; the record page says what a deadline will
do, and the history shows the automatic decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from formflow.fields.columns import utcnow
from formflow.process.tables import tasks
from support.rules_support import CLAIM, flow, metadata_path, org, submitted  # noqa: F401


def test_an_automatic_approval_passes_one_turn_at_a_time(runtime, flow, org):
    claim_id = submitted(flow, org.emp, "timed")
    first = flow.tasks(CLAIM, claim_id)[0]

    report = runtime.sla.tick(now=first.due_at + timedelta(minutes=1))

    assert report.auto_actions == 1
    m1, m2 = flow.tasks(CLAIM, claim_id)
    assert (m1.username, m1.status, m1.decision) == ("m1", "done", "approve")
    assert (m2.username, m2.status) == ("m2", "open")
    assert m2.due_at > first.due_at  # the next level's own clock
    assert flow.state(CLAIM, claim_id) == "timed"
    timeout = [e for e in flow.events(CLAIM, claim_id) if e.action == "timeout"][0]
    assert timeout.actor is None and timeout.data["tasks_approved"] == [m1.id]

    runtime.sla.tick(now=m2.due_at + timedelta(minutes=1))

    assert flow.state(CLAIM, claim_id) == "approved"
    move = flow.events(CLAIM, claim_id)[-1]
    assert (move.action, move.actor) == ("approve", None)


def test_an_automatic_rejection_ends_the_step(runtime, flow, org):
    claim_id = submitted(flow, org.emp, "timed_reject")

    runtime.sla.tick(now=utcnow() + timedelta(hours=2))

    assert flow.state(CLAIM, claim_id) == "rejected"
    assert [t.status for t in flow.tasks(CLAIM, claim_id)] == ["cancelled", "cancelled"]


def test_a_tick_run_twice_approves_a_turn_once(runtime, flow, org):
    claim_id = submitted(flow, org.emp, "timed")
    now = flow.tasks(CLAIM, claim_id)[0].due_at + timedelta(minutes=1)

    runtime.sla.tick(now=now)
    with runtime.db.write() as conn:  # the next level's clock runs from the real time
        conn.execute(tasks.update().where(tasks.c.record_id == claim_id,
                                          tasks.c.status == "open")
                     .values(due_at=now + timedelta(hours=1)))
    again = runtime.sla.tick(now=now)

    assert again.auto_actions == 0
    assert [t.status for t in flow.tasks(CLAIM, claim_id)] == ["done", "open"]


@pytest.mark.parametrize(("lang", "texts"), [
    ("en", ["then “Approve” automatically", "the deadline passed"]),
    ("zh-CN", ["超时将自动“同意”", "超过了处理期限"]),
])
def test_the_record_page_says_what_the_deadline_will_do(runtime, flow, org, as_user, lang,
                                                        texts):
    claim_id = submitted(flow, org.emp, "timed")
    runtime.sla.tick(now=flow.tasks(CLAIM, claim_id)[0].due_at + timedelta(minutes=1))

    html = as_user("emp", lang).get(f"/approvals/claim/{claim_id}").get_data(as_text=True)

    assert texts[0] in html
    assert texts[1] in html
