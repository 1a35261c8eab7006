"""Process figures over a set of cases, computed the same way for every source.

Definitions (docs/insights.md repeats them for readers):
- a case is *completed* when it enters a final state; its *cycle time* runs from its
  first event to that one, in calendar hours and in working hours of the calendar;
- a final state's *outcome* is approved, rejected or cancelled (metadata ``outcome``,
  else from the state's name: see :func:`~formflow.insights.cases.default_outcome`);
- *rework*: completed or open cases that entered some state a second time;
- *first-pass yield*: completed cases with an approved outcome and no rework ÷ completed;
- *rejection rate*: completed cases with a rejected outcome ÷ completed;
- *withdraw rate*: cases withdrawn at least once ÷ cases;
- a state's *waiting time*: from entering it to its first decision;
- *SLA compliance*: tasks decided by their due time ÷ tasks that had one and are decided
  or overdue;
- *satisfaction*: how many of the cases were rated by their requesters, and the mean
  score (1 to 5);
- *cost per case*: the cost of the approvers' handling time of the completed cases ÷
  completed cases (None when no role has an hourly cost).
Rates are fractions from 0 to 1, and None when nothing defines them (no completed case).

Pure: cases in, a JSON-ready dict out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from formflow.insights.cases import Case

#: At most this many variants (distinct paths) are listed, the most frequent first.
MAX_VARIANTS = 20
#: Below this many cases a comparison gives no verdict.
ENOUGH_CASES = 30

WorkingSeconds = Callable[[datetime, datetime], float]


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` quantile of ``values`` by linear interpolation between the closest
    ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(values: Sequence[float]) -> dict[str, float | None]:
    return {"p50": _round(percentile(values, 0.5)), "p90": _round(percentile(values, 0.9))}


def compute(
    cases: Sequence[Case],
    finals: Mapping[str, str],
    *,
    working_seconds: WorkingSeconds | None = None,
    sla: Mapping[str, tuple[int, int]] | None = None,
) -> dict:
    """The figures of ``cases``; ``finals`` maps each final state to its outcome,
    ``working_seconds(a, b)`` counts working time (None: business hours are not
    computed), ``sla`` maps states to (tasks on time, tasks with a due time).  A log
    holds no ratings and no handling times: satisfaction and cost per case come from
    the summary tables of live cases only."""
    completed: list[tuple[Case, datetime, str]] = []
    for case in cases:
        completion = case.completion(finals)
        if completion is not None:
            completed.append((case, *completion))
    hours = [(done - case.started_at).total_seconds() / 3600 for case, done, _ in completed]
    business = (
        [working_seconds(case.started_at, done) / 3600 for case, done, _ in completed]
        if working_seconds is not None else []
    )
    outcomes = Counter(outcome for _, _, outcome in completed)
    first_pass = sum(1 for case, _, outcome in completed
                     if outcome == "approved" and not case.reworked)
    return {
        "cases": {
            "started": len(cases),
            "completed": len(completed),
            "in_flight": len(cases) - len(completed),
        },
        "cycle_time_hours": spread(hours),
        "cycle_time_distribution": {f"p{n}": _round(percentile(hours, n / 100))
                                    for n in (10, 25, 50, 75, 90)},
        "business_hours": spread(business),
        "rework_rate": _rate(sum(1 for case in cases if case.reworked), len(cases)),
        "first_pass_yield": _rate(first_pass, len(completed)),
        "rejection_rate": _rate(outcomes["rejected"], len(completed)),
        "withdraw_rate": _rate(sum(1 for case in cases if "withdraw" in case.actions), len(cases)),
        "sla_compliance": _sla_total(sla),
        "satisfaction": {"count": 0, "mean": None},
        "cost_per_case": None,
        "states": _states(cases, sla or {}),
        "throughput": _throughput(completed),
        "wip": _wip(cases, completed),
        "variants": _variants(cases),
        "enough_data": len(cases) >= ENOUGH_CASES,
    }


def _states(cases: Sequence[Case], sla: Mapping[str, tuple[int, int]]) -> list[dict]:
    visits: Counter[str] = Counter()
    waits: dict[str, list[float]] = defaultdict(list)
    order: dict[str, int] = {}
    for case in cases:
        for visit in case.visits:
            visits[visit.state] += 1
            order.setdefault(visit.state, len(order))
            if visit.decided_at is not None:
                waited = visit.decided_at - visit.entered_at
                waits[visit.state].append(waited.total_seconds() / 3600)
    rows = []
    for state in sorted(visits, key=order.__getitem__):
        wait = spread(waits[state])
        rows.append({
            "name": state,
            "visits": visits[state],
            "wait_hours_p50": wait["p50"],
            "wait_hours_p90": wait["p90"],
            "sla_compliance": _rate(*sla[state]) if state in sla else None,
        })
    return rows


def _throughput(completed: Sequence[tuple[Case, datetime, str]]) -> list[dict]:
    weeks = Counter(_week(done) for _, done, _ in completed)
    return [{"week": week, "completed": count} for week, count in sorted(weeks.items())]


def _wip(cases: Sequence[Case], completed: Sequence[tuple[Case, datetime, str]]) -> list[dict]:
    """Cases in flight at the end of each ISO week that saw a case start or end."""
    change: Counter[str] = Counter()
    for case in cases:
        change[_week(case.started_at)] += 1
    for _, done, _ in completed:
        change[_week(done)] -= 1
    open_now, series = 0, []
    for week in sorted(change):
        open_now += change[week]
        series.append({"week": week, "in_flight": open_now})
    return series


def _week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def _variants(cases: Sequence[Case]) -> list[dict]:
    paths = Counter(case.path for case in cases)
    ranked = sorted(paths.items(), key=lambda item: (-item[1], item[0]))[:MAX_VARIANTS]
    return [{"path": list(path), "count": count} for path, count in ranked]


def _sla_total(sla: Mapping[str, tuple[int, int]] | None) -> float | None:
    if not sla:
        return None
    return _rate(sum(met for met, _ in sla.values()), sum(total for _, total in sla.values()))


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
