"""The process figures of live cases, read from the summary tables
(:mod:`formflow.insights.summary`) with grouped queries: the same numbers
:func:`formflow.insights.kpis.compute` gives from the event log, in time that does not
grow with the length of the log.

A percentile is read as the two values either side of its rank (``ORDER BY ... LIMIT 2
OFFSET rank``), walking an index that holds the value and the filter columns, so no list
of every case's time leaves the database and nothing is sorted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.tables import user_roles
from formflow.insights.feedback import ratings
from formflow.insights.kpis import ENOUGH_CASES, MAX_VARIANTS
from formflow.insights.summary import summary_cases, summary_handling, summary_visits
from formflow.process.tables import tasks

QUANTILES = (("p50", 50), ("p90", 90))
#: The box plot of cycle times: whiskers at p10 and p90, the box from p25 to p75.
DISTRIBUTION = (("p10", 10), ("p25", 25), ("p50", 50), ("p75", 75), ("p90", 90))
cases = summary_cases


@dataclass(frozen=True)
class CaseFilter:
    """Which cases of a process: by version, start day and requester."""

    entity: str
    version: int | None = None
    first: date | None = None
    last: date | None = None
    creators: set[int] | None = None

    def on(self, table: sa.Table) -> list:
        """The conditions on a summary table (each has the case's filter columns)."""
        where = [table.c.entity == self.entity]
        if self.version is not None:
            where.append(table.c.version == self.version)
        if self.first is not None:
            where.append(table.c.started_on >= self.first)
        if self.last is not None:
            where.append(table.c.started_on <= self.last)
        if self.creators is not None:
            where.append(table.c.creator_id.in_(sorted(self.creators)))
        return where


def figures(conn: Connection, chosen: CaseFilter, now: datetime,
            costs: Mapping[str, Decimal] | None = None) -> dict:
    """The figures of the ``chosen`` cases; ``costs``: hourly cost per role (None or
    empty: no cost per case)."""
    where = chosen.on(cases)
    done = cases.c.completed_at.is_not(None)
    counts = conn.execute(sa.select(
        sa.func.count(),
        sa.func.count(cases.c.completed_at),
        sa.func.count(cases.c.business_hours),
        _sum(cases.c.reworked),
        _sum(cases.c.withdrawn),
        _sum(done & (cases.c.outcome == "rejected")),
        _sum(done & (cases.c.outcome == "approved") & sa.not_(cases.c.reworked)),
    ).where(*where)).one()
    started, completed, in_hours, reworked, withdrawn, rejected, first_pass = (
        int(v or 0) for v in counts)
    cycle = _quantiles(conn, cases.c.cycle_hours, where, completed, DISTRIBUTION)
    business = _quantiles(conn, cases.c.business_hours, where, in_hours)
    states, sla_total = _states(conn, chosen, now)
    throughput = _weekly(conn, cases.c.completed_week, where)
    return {
        "cases": {"started": started, "completed": completed,
                  "in_flight": started - completed},
        "cycle_time_hours": {"p50": cycle["p50"], "p90": cycle["p90"]},
        "cycle_time_distribution": cycle,
        "business_hours": business,
        "rework_rate": _rate(reworked, started),
        "first_pass_yield": _rate(first_pass, completed),
        "rejection_rate": _rate(rejected, completed),
        "withdraw_rate": _rate(withdrawn, started),
        "sla_compliance": _rate(*sla_total) if sla_total[1] else None,
        "satisfaction": _satisfaction(conn, chosen),
        "cost_per_case": _cost_per_case(conn, chosen, completed, costs),
        "states": states,
        "throughput": [{"week": week, "completed": count} for week, count in throughput],
        "wip": _wip(dict(_weekly(conn, cases.c.started_week, where)), dict(throughput)),
        "variants": _variants(conn, where),
        "enough_data": started >= ENOUGH_CASES,
    }


def _states(conn: Connection, chosen: CaseFilter, now: datetime
            ) -> tuple[list[dict], tuple[int, int]]:
    visits = summary_visits
    where = chosen.on(visits)
    rows = conn.execute(
        sa.select(visits.c.state, sa.func.count(), sa.func.sum(visits.c.sla_met),
                  sa.func.sum(visits.c.sla_tasks), sa.func.min(visits.c.id),
                  sa.func.count(visits.c.wait_hours))
        .where(*where).group_by(visits.c.state)
    ).all()
    late = dict(conn.execute(
        sa.select(tasks.c.state, sa.func.count())
        .select_from(tasks.join(cases, sa.and_(cases.c.entity == tasks.c.entity,
                                               cases.c.record_id == tasks.c.record_id)))
        .where(*chosen.on(cases), tasks.c.kind == "approve", tasks.c.status == "open",
               tasks.c.due_at.is_not(None), tasks.c.due_at < now)
        .group_by(tasks.c.state)).all())
    found, met_total, due_total = [], 0, 0
    for state, count, met, due, _, waited in sorted(rows, key=lambda r: r[4]):
        met, due = int(met or 0), int(due or 0) + late.get(state, 0)
        met_total, due_total = met_total + met, due_total + due
        wait = _quantiles(conn, visits.c.wait_hours, [*where, visits.c.state == state], waited)
        found.append({"name": state, "visits": count, "wait_hours_p50": wait["p50"],
                      "wait_hours_p90": wait["p90"], "sla_compliance": _rate(met, due)})
    return found, (met_total, due_total)


def _quantiles(conn: Connection, value: sa.Column, where: list, size: int,
               wanted=QUANTILES) -> dict:
    """p50 and p90 (or the ``wanted`` percentiles) of the ``size`` non-null values of
    ``value`` under ``where`` (linear interpolation between the closest ranks, as
    :func:`formflow.insights.kpis.percentile`)."""
    found = {}
    for name, percent in wanted:
        if not size:
            found[name] = None
            continue
        low = (size - 1) * percent // 100
        pair = list(conn.scalars(sa.select(value).where(*where, value.is_not(None))
                                 .order_by(value).limit(2).offset(low)))
        high = pair[1] if len(pair) > 1 and low + 1 < size else pair[0]
        fraction = (size - 1) * percent / 100 - low
        found[name] = round(pair[0] + (high - pair[0]) * fraction, 2)
    return found


def _weekly(conn: Connection, column, where: list) -> list[tuple[str, int]]:
    return [(week, count) for week, count in conn.execute(
        sa.select(column, sa.func.count()).where(*where, column.is_not(None))
        .group_by(column).order_by(column))]


def _wip(started: Mapping[str, int], completed: Mapping[str, int]) -> list[dict]:
    """Cases in flight at the end of each ISO week that saw a case start or end."""
    open_now, series = 0, []
    for week in sorted(set(started) | set(completed)):
        open_now += started.get(week, 0) - completed.get(week, 0)
        series.append({"week": week, "in_flight": open_now})
    return series


def _variants(conn: Connection, where: list) -> list[dict]:
    count = sa.func.count().label("count")
    rows = conn.execute(sa.select(cases.c.path, count).where(*where).group_by(cases.c.path)
                        .order_by(count.desc(), cases.c.path).limit(MAX_VARIANTS))
    return [{"path": path.split(",") if path else [], "count": n} for path, n in rows]


def _satisfaction(conn: Connection, chosen: CaseFilter) -> dict:
    """Read from the ratings (few), each checked against the chosen cases."""
    chosen_case = sa.exists().where(cases.c.entity == ratings.c.entity,
                                    cases.c.record_id == ratings.c.record_id,
                                    *chosen.on(cases))
    count, mean = conn.execute(
        sa.select(sa.func.count(ratings.c.score), sa.func.avg(ratings.c.score))
        .where(ratings.c.entity == chosen.entity, chosen_case)).one()
    return {"count": int(count), "mean": None if mean is None else round(float(mean), 2)}


def _cost_per_case(conn: Connection, chosen: CaseFilter, completed: int,
                   costs: Mapping[str, Decimal] | None) -> float | None:
    if not costs or not completed:
        return None
    rates: dict[int, float] = {}
    for user_id, role in conn.execute(sa.select(user_roles.c.user_id, user_roles.c.role)
                                      .where(user_roles.c.role.in_(sorted(costs)))):
        rates[user_id] = max(rates.get(user_id, 0.0), float(costs[role]))
    handling = summary_handling
    spent = conn.execute(  # handling rows exist for completed cases only
        sa.select(handling.c.user_id, sa.func.sum(handling.c.hours))
        .where(*chosen.on(handling)).group_by(handling.c.user_id))
    total = sum(float(hours) * rates.get(user_id, 0.0) for user_id, hours in spent)
    return round(total / completed, 2)


def _sum(condition) -> sa.ColumnElement:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)
