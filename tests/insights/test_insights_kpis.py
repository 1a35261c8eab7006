"""Process figures on hand-built event logs with known answers: cycle times in calendar
and working hours (across a holiday), rework from send-backs, first-pass yield, rejection
and withdraw rates, waiting times, SLA compliance, throughput and variants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from formflow.insights.cases import cases_from_events, cases_from_log, default_outcome
from formflow.insights.kpis import compute, percentile
from formflow.process.calendar.working import WorkCalendar

FINALS = {"approved": "approved", "rejected": "rejected", "cancelled": "cancelled"}
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC


def at(hours: float) -> datetime:
    return MONDAY + timedelta(hours=hours)


def event(record, action, from_state, to_state, hours, version=1):
    return {"record_id": record, "action": action, "from_state": from_state,
            "to_state": to_state, "at": at(hours), "process_version": version}


def straight(record, hours_to_approve, start=0.0):
    """start -> submit -> approve: approved ``hours_to_approve`` after the start."""
    return [
        event(record, "start", None, "draft", start),
        event(record, "submit", "draft", "review", start + 1),
        event(record, "approve", "review", "approved", start + hours_to_approve),
    ]


def test_a_straight_case_is_completed_with_its_cycle_time():
    figures = compute(cases_from_events(straight(1, 5)), FINALS)
    assert figures["cases"] == {"started": 1, "completed": 1, "in_flight": 0}
    assert figures["cycle_time_hours"] == {"p50": 5.0, "p90": 5.0}
    assert figures["first_pass_yield"] == 1.0
    assert figures["rework_rate"] == 0.0
    assert figures["rejection_rate"] == 0.0


def test_a_sent_back_case_is_rework_and_not_first_pass():
    rows = [
        event(1, "start", None, "draft", 0),
        event(1, "submit", "draft", "review", 1),
        event(1, "send_back", "review", "draft", 3),
        event(1, "submit", "draft", "review", 4),
        event(1, "approve", "review", "approved", 6),
        *straight(2, 2),
    ]
    figures = compute(cases_from_events(rows), FINALS)
    assert figures["rework_rate"] == 0.5
    assert figures["first_pass_yield"] == 0.5
    review = next(s for s in figures["states"] if s["name"] == "review")
    assert review["visits"] == 3
    # waits in review: 2 h (sent back), 2 h (approved), 1 h (case 2)
    assert review["wait_hours_p50"] == 2.0
    assert figures["variants"][0] == {"path": ["draft", "review", "approved"], "count": 1}
    assert len(figures["variants"]) == 2


def test_rejections_withdrawals_and_open_cases_are_counted_apart():
    rows = [
        *straight(1, 3),
        event(2, "start", None, "draft", 0),
        event(2, "submit", "draft", "review", 1),
        event(2, "reject", "review", "rejected", 2),
        event(3, "start", None, "draft", 0),
        event(3, "submit", "draft", "review", 1),
        event(3, "withdraw", "review", "draft", 2),
        event(4, "start", None, "draft", 0),
        event(4, "submit", "draft", "review", 1),
    ]
    figures = compute(cases_from_events(rows), FINALS)
    assert figures["cases"] == {"started": 4, "completed": 2, "in_flight": 2}
    assert figures["rejection_rate"] == 0.5
    assert figures["first_pass_yield"] == 0.5
    assert figures["withdraw_rate"] == 0.25
    assert figures["rework_rate"] == 0.25  # case 3 entered draft twice


def test_votes_of_a_countersign_end_the_wait_at_the_first_decision():
    rows = [
        event(1, "start", None, "draft", 0),
        event(1, "submit", "draft", "review", 1),
        event(1, "transfer", None, None, 1.5),
        event(1, "vote", "review", None, 3),  # first of two co-signers
        event(1, "approve", "review", "approved", 7),
    ]
    figures = compute(cases_from_events(rows), FINALS)
    review = next(s for s in figures["states"] if s["name"] == "review")
    assert review["wait_hours_p50"] == 2.0


def test_a_case_in_parallel_branches_waits_in_each_step_and_joins_once():
    def branched(record, action, from_state, to_state, hours, branch):
        return {**event(record, action, from_state, to_state, hours), "branch": branch}

    rows = [
        event(1, "start", None, "draft", 0),
        event(1, "submit", "draft", "review", 1),
        branched(1, "fork", "review", "legal", 1, "legal"),
        branched(1, "fork", "review", "finance", 1, "finance"),
        branched(1, "approve", "finance", "review", 3, "finance"),  # the branch ends
        branched(1, "approve", "legal", "review", 5, "legal"),
        event(1, "join", "review", "approved", 5),
        *straight(2, 2),
    ]
    figures = compute(cases_from_events(rows), FINALS)
    assert figures["cases"] == {"started": 2, "completed": 2, "in_flight": 0}
    assert figures["rework_rate"] == 0.0  # ending a branch is no second visit of review
    waits = {s["name"]: s["wait_hours_p50"] for s in figures["states"]}
    assert waits["legal"] == 4.0 and waits["finance"] == 2.0
    assert figures["variants"][0]["path"] in (["draft", "review", "legal", "finance", "approved"],
                                              ["draft", "review", "approved"])


def test_working_hours_skip_nights_weekends_and_holidays():
    calendar = WorkCalendar(
        timezone=UTC,
        weekdays=frozenset({1, 2, 3, 4, 5}),
        hours=((time(9), time(12)), (time(13), time(18))),
        exceptions={date(2026, 3, 3): False},  # Tuesday is a holiday
    )
    # Monday 09:00 -> Wednesday 10:00: Monday's 8 working hours, Tuesday none, 1 on Wednesday
    rows = straight(1, 49)
    figures = compute(cases_from_events(rows), FINALS, working_seconds=calendar.working_seconds)
    assert figures["cycle_time_hours"]["p50"] == 49.0
    assert figures["business_hours"]["p50"] == 9.0


def test_without_completed_cases_the_rates_are_undefined():
    rows = [event(1, "start", None, "draft", 0)]
    figures = compute(cases_from_events(rows), FINALS)
    assert figures["first_pass_yield"] is None
    assert figures["rejection_rate"] is None
    assert figures["cycle_time_hours"] == {"p50": None, "p90": None}
    assert figures["enough_data"] is False


def test_sla_compliance_per_state_and_overall():
    figures = compute(cases_from_events(straight(1, 2)), FINALS,
                      sla={"review": (3, 4), "draft": (1, 1)})
    review = next(s for s in figures["states"] if s["name"] == "review")
    assert review["sla_compliance"] == 0.75
    assert figures["sla_compliance"] == 0.8


def test_throughput_counts_completions_per_iso_week():
    rows = [*straight(1, 2), *straight(2, 2, start=24 * 7), *straight(3, 3, start=24 * 7)]
    figures = compute(cases_from_events(rows), FINALS)
    assert figures["throughput"] == [
        {"week": "2026-W10", "completed": 1},
        {"week": "2026-W11", "completed": 2},
    ]


def test_an_imported_log_gives_the_same_figures_as_the_live_one():
    log = [
        {"case_id": "A", "activity": "review", "timestamp": at(5), "resource": "ann"},
        {"case_id": "A", "activity": "draft", "timestamp": at(0), "resource": "bob"},
        {"case_id": "A", "activity": "approved", "timestamp": at(8), "resource": "ann"},
    ]
    live = [
        event(1, "start", None, "draft", 0),
        event(1, "submit", "draft", "review", 5),
        event(1, "approve", "review", "approved", 8),
    ]
    imported, measured = compute(cases_from_log(log), FINALS), compute(
        cases_from_events(live), FINALS)
    for key in ("cases", "cycle_time_hours", "rework_rate", "first_pass_yield", "variants"):
        assert imported[key] == measured[key]
    assert imported["states"] == measured["states"]


@pytest.mark.parametrize(("name", "outcome"), [
    ("approved", "approved"), ("done", "approved"), ("rejected", "rejected"),
    ("lost", "rejected"), ("cancelled", "cancelled"), ("withdrawn", "cancelled"),
])
def test_a_final_state_without_an_outcome_takes_it_from_its_name(name, outcome):
    assert default_outcome(name) == outcome


def test_percentiles_interpolate_between_ranks():
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([10], 0.9) == 10
    assert percentile([], 0.5) is None
    assert percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)
