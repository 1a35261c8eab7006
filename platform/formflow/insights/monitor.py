"""Watching processes live: the process catalogue (every process a reader may watch, with
its volume this month and its current cycle time) and, per process, the cases in flight
per state, overdue tasks, the workload per assignee, the oldest open cases and how long
open tasks have waited per state (the bottleneck heat map).

Everything is scoped like the figures (:mod:`formflow.insights.service`): admins and a
process's managers see every case, department heads those of their department.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from formflow.auth import User
from formflow.auth.tables import departments, users
from formflow.errors import Forbidden
from formflow.fields.columns import utcnow
from formflow.insights.kpis import percentile
from formflow.insights.service import InsightsService, Selection
from formflow.metadata.model import Process
from formflow.process.registry import ProcessRegistry
from formflow.process.tables import tasks

#: How many rows each table of the monitoring page lists.
SHOWN = 20


@dataclass(frozen=True)
class CatalogueEntry:
    process: Process
    version: int | None
    steps: int
    started_this_month: int
    cycle_hours_p50: float | None


class Monitor:
    def __init__(self, db, insights: InsightsService, registry: ProcessRegistry):
        self.db = db
        self.insights = insights
        self.model = insights.model
        self.schema = insights.schema
        self.registry = registry

    def may_watch_any(self, user: User) -> bool:
        """Whether ``user`` may watch some process (for the navigation link)."""
        if user.is_admin or any(user.roles & set(p.managers) for p in self._processes()):
            return True
        with self.db.read() as conn:
            return conn.scalar(sa.select(sa.exists().where(departments.c.head_id == user.id)))

    def catalogue(self, user: User, now: datetime | None = None) -> list[CatalogueEntry]:
        """Every process ``user`` may watch, by app and name."""
        now = now or utcnow()
        month = now.astimezone(self.insights.timezone).date().replace(day=1)
        entries = []
        for process in self._processes():
            try:
                figures = self.insights.figures(user, process.app, process.name,
                                                Selection(start=month))
            except Forbidden:
                continue
            with self.db.read() as conn:
                version = self.registry.latest_version(conn, process.qualified_name)
            entries.append(CatalogueEntry(
                process=process,
                version=version,
                steps=sum(1 for s in process.states if not s.final),
                started_this_month=figures["cases"]["started"],
                cycle_hours_p50=figures["cycle_time_hours"]["p50"],
            ))
        return entries

    def live(self, user: User, app: str, name: str, now: datetime | None = None) -> dict:
        """What is happening in the process now."""
        now = now or utcnow()
        process = self.insights.process(app, name)
        with self.db.read() as conn:
            creators = self.insights.visible_creators(conn, user, process)
            table = self.schema[process.entity].main
            open_records = self._open_records(conn, process, table, creators)
            in_flight: dict[str, int] = defaultdict(int)
            for row in open_records:
                in_flight[row.state] += 1
            ids = {row.id for row in open_records}
            open_tasks = [t for t in self._open_tasks(conn, process) if t.record_id in ids]
        waits: dict[str, list[float]] = defaultdict(list)
        workload: dict[str, int] = defaultdict(int)
        overdue = []
        for task in open_tasks:
            waits[task.state].append((now - _aware(task.opened_at)).total_seconds() / 3600)
            workload[task.display_name] += 1
            if task.due_at is not None and _aware(task.due_at) < now:
                overdue.append({
                    "task_id": task.id, "record_id": task.record_id, "state": task.state,
                    "assignee": task.display_name, "username": task.username,
                    "hours_late": round((now - _aware(task.due_at)).total_seconds() / 3600, 1),
                })
        overdue.sort(key=lambda item: -item["hours_late"])
        # A record in a parallel state waits for its branches' approvers.
        with_approvers = {s.name for s in process.states if s.assignees or s.parallel}
        oldest = sorted((row for row in open_records if row.state in with_approvers),
                        key=lambda row: _aware(row.created_at))[:SHOWN]
        return {
            "process": process,
            "in_flight": dict(in_flight),
            "waiting": {
                state: {"tasks": len(hours), "median_hours": round(percentile(hours, 0.5), 1)}
                for state, hours in waits.items()
            },
            "overdue": overdue[:SHOWN],
            "overdue_total": len(overdue),
            "workload": sorted(workload.items(), key=lambda item: (-item[1], item[0]))[:SHOWN],
            "oldest": [
                {"record_id": row.id, "title": row.title, "state": row.state,
                 "age_hours": round((now - _aware(row.created_at)).total_seconds() / 3600, 1)}
                for row in oldest
            ],
        }

    # -- inside -----------------------------------------------------------------------

    def published_version(self, process: Process) -> int | None:
        """The newest published version of ``process`` (None before its first)."""
        with self.db.read() as conn:
            return self.registry.latest_version(conn, process.qualified_name)

    def _processes(self) -> list[Process]:
        return sorted((p for app in self.model.apps.values() for p in app.processes.values()),
                      key=lambda p: (p.app, p.name))

    def _open_records(self, conn, process: Process, table, creators):
        finals = [s.name for s in process.states if s.final] + ["cancelled"]
        query = sa.select(
            table.c.id, table.c._state.label("state"), table.c._title.label("title"),
            table.c._created_at.label("created_at"),
        ).where(table.c._deleted_at.is_(None), table.c._state.not_in(finals))
        if creators is not None:
            query = query.where(table.c._created_by.in_(sorted(creators)))
        return conn.execute(query).all()

    def _open_tasks(self, conn, process: Process):
        return conn.execute(
            sa.select(tasks.c.id, tasks.c.record_id, tasks.c.state, tasks.c.opened_at,
                      tasks.c.due_at, users.c.username, users.c.display_name)
            .join(users, users.c.id == tasks.c.assignee_id)
            .where(tasks.c.entity == process.entity, tasks.c.kind == "approve",
                   tasks.c.status == "open")
        ).all()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

