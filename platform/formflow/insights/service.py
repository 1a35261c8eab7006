"""The process figures service: who may see a process's figures, which cases they cover
(a process version, a period, an imported baseline) and the comparison of two such sets.

Readers: admins and the roles a process lists in ``managers`` see every case; a
department head sees the cases started by people in their department and below it;
anyone else gets a 403.  A period covers the cases that started in it (dates in the
business time zone, both ends included).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, tzinfo

import sqlalchemy as sa

from formflow.auth import User, subtree_ids
from formflow.auth.tables import departments, users
from formflow.errors import Forbidden, NotFound, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.insights import baseline as baselines
from formflow.insights.cases import Case, cases_from_events, cases_from_log, default_outcome
from formflow.insights.kpis import compute
from formflow.metadata.model import CANCELLED, Model, Process
from formflow.process.calendar.working import load_calendar
from formflow.process.tables import events, tasks
from formflow.storage.tables import Schema

#: Scalar figures a comparison states the difference of (b minus a).
COMPARED = ("rework_rate", "first_pass_yield", "rejection_rate", "withdraw_rate",
            "sla_compliance")


@dataclass(frozen=True)
class Selection:
    """Which cases: a version and/or a period of the live log, or an imported baseline."""

    version: int | None = None
    start: date | None = None
    end: date | None = None
    baseline: str | None = None


class InsightsService:
    def __init__(self, db, model: Model, schema: Schema, timezone: tzinfo):
        self.db = db
        self.model = model
        self.schema = schema
        self.timezone = timezone

    def figures(self, user: User, app: str, process_name: str,
                selection: Selection = Selection()) -> dict:
        """The figures of the process's cases in ``selection`` that ``user`` may see."""
        process = self.process(app, process_name)
        with self.db.read() as conn:
            creators = self.visible_creators(conn, user, process)
            return self._figures(conn, process, selection, creators)

    def compare(self, user: User, app: str, process_name: str, a: str, b: str) -> dict:
        """The figures of two selections side by side (``version:N``, ``baseline:LABEL``
        or ``period:FROM..TO``), with the difference of each rate (b - a)."""
        process = self.process(app, process_name)
        sides = {"a": parse_source(a, "a"), "b": parse_source(b, "b")}
        with self.db.read() as conn:
            creators = self.visible_creators(conn, user, process)
            result = {key: self._figures(conn, process, chosen, creators)
                      for key, chosen in sides.items()}
        result["difference"] = {
            name: _difference(result["a"][name], result["b"][name]) for name in COMPARED
        }
        for spread in ("cycle_time_hours", "business_hours"):
            result["difference"][spread] = {
                q: _difference(result["a"][spread][q], result["b"][spread][q])
                for q in ("p50", "p90")
            }
        result["enough_data"] = result["a"]["enough_data"] and result["b"]["enough_data"]
        return result

    def import_baseline(self, process_name: str, label: str, text: str,
                        mapping_text: str | None = None) -> int:
        """Store an event log of the old way of working as baseline ``label`` of the
        process ``app.process`` (the operator's command; no user check)."""
        app, _, name = process_name.partition(".")
        process = self.process(app, name)
        mapping = baselines.read_mapping(mapping_text) if mapping_text is not None else None
        rows = baselines.parse_rows(text, [s.name for s in process.states], mapping)
        with self.db.write() as conn:
            return baselines.store(conn, process.qualified_name, label, rows)

    def baselines(self, user: User, app: str, process_name: str) -> list[str]:
        process = self.process(app, process_name)
        with self.db.read() as conn:
            self.visible_creators(conn, user, process)
            return baselines.labels(conn, process.qualified_name)

    def process(self, app: str, name: str) -> Process:
        """The process ``name`` of ``app``; 404 when there is none."""
        found = self.model.apps.get(app)
        process = found.processes.get(name) if found else None
        if process is None:
            raise NotFound(Message("not_found"))
        return process

    def visible_creators(self, conn, user: User, process: Process) -> set[int] | None:
        """The users whose cases ``user`` may see (None: everybody's)."""
        if user.is_admin or user.roles & set(process.managers):
            return None
        headed = conn.scalars(sa.select(departments.c.id).where(departments.c.head_id == user.id))
        below = set().union(*(subtree_ids(conn, d) for d in headed))
        if not below:
            raise Forbidden(Message("insights_forbidden"))
        return set(conn.scalars(sa.select(users.c.id).where(users.c.department_id.in_(below))))

    # -- inside -----------------------------------------------------------------------

    def _figures(self, conn, process: Process, selection: Selection,
                 creators: set[int] | None) -> dict:
        if selection.baseline is not None:
            rows = baselines.log_rows(conn, process.qualified_name, selection.baseline)
            if not rows:
                raise NotFound(Message("insights_no_baseline", {"label": selection.baseline}))
            cases, sla = self._in_period(cases_from_log(rows), selection), None
        else:
            cases = self._in_period(self._live_cases(conn, process, selection, creators),
                                    selection)
            sla = self._sla(conn, process, {c.record_id for c in cases})
        calendar = load_calendar(conn, self.timezone)
        figures = compute(cases, _finals(process), working_seconds=calendar.working_seconds,
                          sla=sla)
        figures["source"] = _describe(selection)
        return figures

    def _live_cases(self, conn, process: Process, selection: Selection,
                    creators: set[int] | None) -> list[Case]:
        condition = [events.c.entity == process.entity]
        if selection.version is not None:
            condition.append(events.c.process_version == selection.version)
        if creators is not None:
            table = self.schema[process.entity].main
            condition.append(events.c.record_id.in_(
                sa.select(table.c.id).where(table.c._created_by.in_(sorted(creators)))
            ))
        rows = conn.execute(
            sa.select(events.c.record_id, events.c.action, events.c.from_state,
                      events.c.to_state, events.c.at, events.c.process_version,
                      events.c.branch)
            .where(*condition).order_by(events.c.record_id, events.c.id)
        )
        return cases_from_events(row._mapping for row in rows)

    def _in_period(self, cases: list[Case], selection: Selection) -> list[Case]:
        if selection.start is None and selection.end is None:
            return cases
        first, last = selection.start or date.min, selection.end or date.max
        return [c for c in cases if first <= c.started_at.astimezone(self.timezone).date() <= last]

    def _sla(self, conn, process: Process, record_ids: set[int]) -> dict[str, tuple[int, int]]:
        """(on time, with a due time) of the approval tasks of these records, per state;
        an open task counts once it is overdue."""
        now = utcnow()
        rows = conn.execute(
            sa.select(tasks.c.record_id, tasks.c.state, tasks.c.status, tasks.c.due_at,
                      tasks.c.closed_at)
            .where(tasks.c.entity == process.entity, tasks.c.kind == "approve",
                   tasks.c.due_at.is_not(None), tasks.c.status.in_(("done", "open")))
        )
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in rows:
            if row.record_id not in record_ids:
                continue
            if row.status == "open" and row.due_at > now:
                continue  # not decided and not late yet
            on_time = row.status == "done" and row.closed_at <= row.due_at
            counts[row.state][0] += on_time
            counts[row.state][1] += 1
        return {state: (met, total) for state, (met, total) in counts.items()}


def parse_source(text: str, field: str = "source") -> Selection:
    """``version:N``, ``baseline:LABEL`` or ``period:YYYY-MM-DD..YYYY-MM-DD``."""
    kind, _, value = (text or "").partition(":")
    if kind == "version":
        return Selection(version=parse_version(value, field))
    if kind == "baseline" and value.strip():
        return Selection(baseline=value.strip())
    if kind == "period" and ".." in value:
        start, _, end = value.partition("..")
        return Selection(start=parse_date(start, field), end=parse_date(end, field))
    raise ValidationFailed({field: [Message("insights_source")]})


def parse_version(text: str | None, field: str = "version") -> int | None:
    if text in (None, ""):
        return None
    if not text.isdigit() or int(text) < 1 or len(text) > 9:
        raise ValidationFailed({field: [Message("insights_version")]})
    return int(text)


def parse_date(text: str | None, field: str) -> date | None:
    if text in (None, ""):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed({field: [Message("insights_date")]}) from None


def _finals(process: Process) -> Mapping[str, str]:
    finals = {s.name: s.outcome or default_outcome(s.name) for s in process.states if s.final}
    if process.cancel:
        finals.setdefault(CANCELLED, "cancelled")
    return finals


def _describe(selection: Selection) -> dict:
    return {
        "version": selection.version,
        "from": selection.start.isoformat() if selection.start else None,
        "to": selection.end.isoformat() if selection.end else None,
        "baseline": selection.baseline,
    }


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 4)



