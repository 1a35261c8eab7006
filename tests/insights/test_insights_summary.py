"""The summary tables kept inside each process action: the figures read from them equal
the figures computed from the event log (send-backs, withdrawals, a countersign,
rejections, cancels, open cases), a rebuild from the log gives the same, WIP over time,
refused saves counted per entity, and cases in several states at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from formflow.errors import ValidationFailed
from formflow.insights.cases import Visit, cases_from_events, finals_of
from formflow.insights.kpis import compute
from formflow.insights.summary import summarize, summary_cases
from formflow.process.calendar.working import load_calendar
from formflow.process.tables import events
from formflow.records.refused_saves import refused_saves
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.helpers import problem
from support.process_helpers import LEAVE

FIGURES = "/api/v1/insights/flow/leave_flow"
COMPARED = ("cases", "cycle_time_hours", "business_hours", "rework_rate", "first_pass_yield",
            "rejection_rate", "withdraw_rate", "throughput", "wip")


def leave(flow, user, days=2):
    record = flow.create(user, LEAVE, kind="annual", days=days, reason="Trip")
    flow.act(user, LEAVE, record["id"], "submit")
    return record["id"]


@pytest.fixture
def history(flow, staff):
    """Approved, rejected, sent back and approved, withdrawn and resubmitted, cancelled,
    through the HR countersign, and open."""
    approved = leave(flow, staff.emp)
    flow.act(staff.boss, LEAVE, approved, "approve")
    rejected = leave(flow, staff.emp)
    flow.act(staff.boss, LEAVE, rejected, "reject", comment="No")
    reworked = leave(flow, staff.emp)
    flow.act(staff.boss, LEAVE, reworked, "send_back", comment="Dates?")
    flow.act(staff.emp, LEAVE, reworked, "submit")
    flow.act(staff.boss, LEAVE, reworked, "approve")
    withdrawn = leave(flow, staff.emp)
    flow.act(staff.emp, LEAVE, withdrawn, "withdraw")
    flow.act(staff.emp, LEAVE, withdrawn, "submit")
    cancelled = leave(flow, staff.emp)
    flow.act(staff.emp, LEAVE, cancelled, "cancel")
    countersigned = leave(flow, staff.emp, days=5)
    flow.act(staff.boss, LEAVE, countersigned, "approve")
    flow.act(staff.hr1, LEAVE, countersigned, "approve")
    flow.act(staff.hr2, LEAVE, countersigned, "approve")
    leave(flow, staff.emp)


def from_the_log(runtime) -> dict:
    process = runtime.model.apps["flow"].processes["leave_flow"]
    with runtime.db.read() as conn:
        rows = conn.execute(sa.select(events).where(events.c.entity == LEAVE)
                            .order_by(events.c.record_id, events.c.id)).all()
        calendar = load_calendar(conn, runtime.settings["TIMEZONE"])
    return compute(cases_from_events(r._mapping for r in rows), finals_of(process),
                   working_seconds=calendar.working_seconds)


def test_the_summary_figures_equal_those_computed_from_the_event_log(
        runtime, admin_api, history):
    summarized = admin_api.get(FIGURES).get_json()
    logged = from_the_log(runtime)
    assert summarized["cases"] == {"started": 7, "completed": 5, "in_flight": 2}
    for name in COMPARED:
        assert summarized[name] == logged[name], name
    assert sorted(summarized["variants"], key=str) == sorted(logged["variants"], key=str)
    by_name = {s["name"]: s for s in logged["states"]}
    for state in summarized["states"]:
        expected = by_name[state["name"]]
        assert (state["visits"], state["wait_hours_p50"], state["wait_hours_p90"]) == (
            expected["visits"], expected["wait_hours_p50"], expected["wait_hours_p90"])


def test_a_rebuild_from_the_log_gives_the_same_figures(runtime, admin_api, history):
    before = admin_api.get(FIGURES).get_json()
    with runtime.db.write() as conn:
        conn.execute(sa.delete(summary_cases))
    assert admin_api.get(FIGURES).get_json()["cases"]["started"] == 0
    assert runtime.insights.rebuild("flow.leave_flow") == {"flow.leave_flow": 7}
    assert admin_api.get(FIGURES).get_json() == before


def test_wip_over_time_counts_the_cases_open_at_each_weeks_end(admin_api, history):
    wip = admin_api.get(FIGURES).get_json()["wip"]
    assert wip[-1]["in_flight"] == 2


def test_a_refused_save_is_counted_for_its_entity_and_nothing_else_is_written(
        runtime, flow, staff, api_as, admin_api):
    leave(flow, staff.emp)
    client = api_as(staff.emp)
    body = problem(client.post("/api/v1/flow/leave", json={"kind": "annual"}), 422)
    assert "days" in body["errors"]
    with pytest.raises(ValidationFailed):
        flow.create(staff.emp, LEAVE, kind="annual", days=0)
    figures = admin_api.get(FIGURES).get_json()
    assert figures["validation_failures"] == {"entity": LEAVE, "refused": 2, "per_case": 2.0}
    assert admin_api.get("/api/v1/flow/leave").get_json()["total"] == 1


def test_a_live_preview_is_not_a_refused_save(runtime, staff):
    runtime.records.preview(staff.emp, LEAVE, {"kind": "annual"})
    with runtime.db.read() as conn:
        assert conn.execute(sa.select(refused_saves)).all() == []


def test_a_case_in_two_states_at_once_is_summarized():
    """Parallel branches: each decision closes the stay in the state it acts in."""
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    rows = [
        {"id": 1, "record_id": 9, "action": "start", "from_state": None, "to_state": "draft",
         "at": start, "process_version": 1},
        {"id": 2, "record_id": 9, "action": "submit", "from_state": "draft",
         "to_state": "legal", "at": start + timedelta(hours=1), "process_version": 1},
        {"id": 3, "record_id": 9, "action": "fork", "from_state": None,
         "to_state": "finance", "at": start + timedelta(hours=1), "process_version": 1},
        {"id": 4, "record_id": 9, "action": "approve", "from_state": "legal",
         "to_state": None, "at": start + timedelta(hours=4), "process_version": 1},
        {"id": 5, "record_id": 9, "action": "approve", "from_state": "finance",
         "to_state": "approved", "at": start + timedelta(hours=3), "process_version": 1},
    ]
    case = cases_from_events(rows)[0]
    assert case.visits[1] == Visit("legal", start + timedelta(hours=1),
                                   decided_at=start + timedelta(hours=4), event_id=2)
    assert case.visits[2].decided_at == start + timedelta(hours=3)
    case_rows, visits, _ = summarize("x.y", case, {"approved": "approved"}, UTC, None, [])
    assert case_rows[0]["cycle_hours"] == 3.0
    assert [v["wait_hours"] for v in visits] == [1.0, 3.0, 2.0, None]
