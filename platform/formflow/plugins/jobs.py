"""Scheduled plugin jobs: what ``formflow tick`` runs besides the SLA timers.

Each job has a row in ``ff_plugin_jobs``.  A tick claims a due job with one conditional
``UPDATE`` (due, and not held by another run whose lease is still valid) that moves its
next run on by the interval and takes the lease, in a transaction of its own; only the
process whose update changed the row runs the job.  Under PostgreSQL the second of two
concurrent updates waits for the first and then finds the row no longer due; SQLite
serializes writers.  So any number of tick processes on any number of hosts run each
job at most once per interval.  When the run ends the lease is released and the outcome
(error text, counts) recorded.
"""

from __future__ import annotations

import inspect
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from formflow.fields.columns import UtcDateTime, utcnow
from formflow.plugins.declarations import Job, call_with
from formflow.storage.system import system_metadata

log = logging.getLogger("formflow.plugins")

plugin_jobs = sa.Table(
    "ff_plugin_jobs",
    system_metadata,
    sa.Column("name", sa.String(130), primary_key=True),  # "<plugin>.<job>"
    sa.Column("next_run_at", UtcDateTime, nullable=False),
    sa.Column("locked_until", UtcDateTime),
    sa.Column("last_started_at", UtcDateTime),
    sa.Column("last_finished_at", UtcDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("runs", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
)


@dataclass
class JobsReport:
    run: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    handled: int = 0

    def summary(self) -> list[str]:
        if not self.run and not self.failed:
            return []
        lines = [f"Plugin jobs run: {len(self.run)} ({', '.join(self.run) or '-'}); "
                 f"items handled: {self.handled}"]
        if self.failed:
            lines.append(f"Plugin jobs that failed (see the log): {', '.join(self.failed)}")
        return lines


class JobRunner:
    def __init__(self, db, jobs: list[Job], plugins):
        self.db = db
        self.jobs = jobs
        self.plugins = plugins

    def run_due(self, now: datetime | None = None) -> JobsReport:
        """Run every job due at ``now`` (default: the current time) that no other
        process holds."""
        now = now or utcnow()
        report = JobsReport()
        if not self.jobs:
            return report
        self._add_missing(now)
        for job in self.jobs:
            if not self._claim(job, now):
                continue
            error = None
            started = time.perf_counter()
            try:
                handled = self._run(job, now)
                report.run.append(job.key)
                report.handled += handled if isinstance(handled, int) else 0
            except Exception as failure:  # noqa: BLE001 - logged, recorded, retried when next due
                log.exception("plugin %s failed in job %s", job.plugin, job.name)
                error = f"{type(failure).__name__}: {failure}"
                report.failed.append(job.key)
            finally:
                elapsed = time.perf_counter() - started
                timing = self.plugins.timings[(job.plugin, f"job {job.name}")]
                timing[0] += elapsed
                timing[1] += 1
                log.info("plugin %s job %s took %.2f s", job.plugin, job.name, elapsed)
            self._release(job, now, error)
        return report

    def status(self) -> list[dict]:
        with self.db.read() as conn:
            rows = {r.name: r for r in conn.execute(sa.select(plugin_jobs))}
        return [
            {"name": job.key, "interval": job.seconds,
             **({k: v for k, v in rows[job.key]._mapping.items() if k != "name"}
                if job.key in rows else {})}
            for job in self.jobs
        ]

    def _run(self, job: Job, now: datetime):
        available = {
            "db": self.db, "now": now, "settings": self.plugins.settings(job.plugin),
            "runtime": self.plugins.runtime,
        }
        if "conn" in _parameters(job.run):
            with self.db.write() as conn:
                return call_with(job.run, {**available, "conn": conn})
        return call_with(job.run, available)

    def _add_missing(self, now: datetime) -> None:
        with self.db.read() as conn:
            known = set(conn.execute(sa.select(plugin_jobs.c.name)).scalars())
        for job in self.jobs:
            if job.key in known:
                continue
            try:
                with self.db.write() as conn:
                    conn.execute(plugin_jobs.insert().values(name=job.key, next_run_at=now))
            except sa.exc.IntegrityError:
                pass  # another tick added it meanwhile

    def _claim(self, job: Job, now: datetime) -> bool:
        with self.db.write() as conn:
            claimed = conn.execute(
                plugin_jobs.update()
                .where(
                    plugin_jobs.c.name == job.key,
                    plugin_jobs.c.next_run_at <= now,
                    sa.or_(plugin_jobs.c.locked_until.is_(None), plugin_jobs.c.locked_until <= now),
                )
                .values(next_run_at=now + timedelta(seconds=job.seconds),
                        locked_until=now + job.lease, last_started_at=now)
            )
            return claimed.rowcount == 1

    def _release(self, job: Job, now: datetime, error: str | None) -> None:
        values = {"locked_until": None, "last_finished_at": utcnow(), "last_error": error,
                  "runs": plugin_jobs.c.runs + 1}
        if error:
            values["failures"] = plugin_jobs.c.failures + 1
        with self.db.write() as conn:
            conn.execute(plugin_jobs.update().where(plugin_jobs.c.name == job.key).values(**values))


def _parameters(function) -> set[str]:
    return set(inspect.signature(function).parameters)
