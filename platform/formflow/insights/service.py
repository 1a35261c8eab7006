"""The process figures service: who may see a process's figures, which cases they cover
(a process version, a period, an imported baseline) and the comparison of two such sets.

Readers: admins and the roles a process lists in ``managers`` see every case; a
department head sees the cases started by people in their department and below it;
anyone else gets a 403.  A period covers the cases that started in it (dates in the
business time zone, both ends included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo

import sqlalchemy as sa

from formflow.auth import User, subtree_ids
from formflow.auth.tables import departments, users
from formflow.errors import Forbidden, NotFound, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.insights import baseline as baselines
from formflow.insights import summary
from formflow.insights.cases import cases_from_log, finals_of
from formflow.insights.feedback import FeedbackService
from formflow.insights.kpis import compute
from formflow.insights.summary_figures import CaseFilter
from formflow.insights.summary_figures import figures as summary_figures
from formflow.insights.version_diff import diff
from formflow.metadata.model import Model, Process
from formflow.process.calendar.working import load_calendar
from formflow.process.tables import process_versions
from formflow.records.refused_saves import refused_count
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
    def __init__(self, db, model: Model, schema: Schema, timezone: tzinfo,
                 feedback: FeedbackService):
        self.db = db
        self.feedback = feedback
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
        result["difference"]["satisfaction"] = _difference(
            result["a"]["satisfaction"]["mean"], result["b"]["satisfaction"]["mean"])
        result["difference"]["cost_per_case"] = _difference(
            result["a"]["cost_per_case"], result["b"]["cost_per_case"])
        for spread in ("cycle_time_hours", "business_hours"):
            result["difference"][spread] = {
                q: _difference(result["a"][spread][q], result["b"][spread][q])
                for q in ("p50", "p90")
            }
        result["enough_data"] = result["a"]["enough_data"] and result["b"]["enough_data"]
        result["changes"] = None
        if sides["a"].version is not None and sides["b"].version is not None:
            with self.db.read() as conn:
                documents = self._documents(conn, process, sides["a"].version,
                                            sides["b"].version)
            if len(documents) == 2:
                result["changes"] = diff(*documents)
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

    def rebuild(self, process_name: str | None = None) -> dict[str, int]:
        """Summarize every case of ``app.process`` (None: of every process) anew from the
        event log (the operator's command; no user check); cases per process."""
        if process_name is None:
            chosen = sorted((p for a in self.model.apps.values() for p in a.processes.values()),
                            key=lambda p: p.qualified_name)
        else:
            app, _, name = process_name.partition(".")
            chosen = [self.process(app, name)]
        return {p.qualified_name: summary.rebuild(self.db, p.entity, finals_of(p), self.timezone,
                                                  self.schema[p.entity].main)
                for p in chosen}

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

    @staticmethod
    def _documents(conn, process: Process, *numbers: int) -> list[dict]:
        """The published documents of versions ``numbers`` that exist, in that order."""
        rows = dict(conn.execute(
            sa.select(process_versions.c.version, process_versions.c.document)
            .where(process_versions.c.process == process.qualified_name,
                   process_versions.c.version.in_(numbers))).all())
        return [rows[n] for n in numbers if n in rows]

    def _figures(self, conn, process: Process, selection: Selection,
                 creators: set[int] | None) -> dict:
        if selection.baseline is not None:
            figures = self._baseline(conn, process, selection)
        else:
            chosen = CaseFilter(process.entity, selection.version, selection.start,
                                selection.end, creators)
            figures = summary_figures(conn, chosen, utcnow(), self.feedback.hourly_costs(conn))
            refused = refused_count(conn, process.entity, selection.start, selection.end)
            started = figures["cases"]["started"]
            figures["validation_failures"] = {
                "entity": process.entity, "refused": refused,
                "per_case": round(refused / started, 4) if started else None,
            }
        figures["source"] = _describe(selection)
        return figures

    def _baseline(self, conn, process: Process, selection: Selection) -> dict:
        rows = baselines.log_rows(conn, process.qualified_name, selection.baseline)
        if not rows:
            raise NotFound(Message("insights_no_baseline", {"label": selection.baseline}))
        cases = cases_from_log(rows)
        if selection.start is not None or selection.end is not None:
            first, last = selection.start or date.min, selection.end or date.max
            cases = [c for c in cases
                     if first <= c.started_at.astimezone(self.timezone).date() <= last]
        calendar = load_calendar(conn, self.timezone)
        figures = compute(cases, finals_of(process), working_seconds=calendar.working_seconds)
        figures["validation_failures"] = None
        return figures


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


def _describe(selection: Selection) -> dict:
    return {
        "version": selection.version,
        "from": selection.start.isoformat() if selection.start else None,
        "to": selection.end.isoformat() if selection.end else None,
        "baseline": selection.baseline,
    }


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 4)



