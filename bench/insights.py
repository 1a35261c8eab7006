"""The process figures of 100k finished cases: read from the summary tables against the
baseline of computing them from the event log on each request.

    python bench/insights.py                              # SQLite and PostgreSQL
    python bench/insights.py --database sqlite --cases 100000 --calls 5

Installs the shipped apps, writes ``--cases`` leave requests of ``hr.leave_approval``
straight into the event log (with their approval tasks and due times) over the past
year — most approved at once, some rejected, sent back and resubmitted, through HR, or
still open — then summarizes them (``formflow insights rebuild``, timed) and times:

- **figures**: ``GET /api/v1/insights/hr/leave_approval`` as the service answers it
  (all cases, then one version, then the last quarter), median of ``--calls``;
- **baseline**: the same figures replayed from the event log (every event read, cases
  rebuilt and measured in Python), as the figures were computed before the summaries.

Each figure is printed as the median wall time and the CPU time this process spent (on
SQLite the database work runs in the process; on PostgreSQL the server's share is not
in it).  Target (insights issue): under 1 s for a process with 100k finished cases.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402

from formflow import create_app  # noqa: E402
from formflow.auth import get_user_by_name  # noqa: E402
from formflow.insights.cases import cases_from_events, finals_of  # noqa: E402
from formflow.insights.kpis import compute  # noqa: E402
from formflow.insights.service import Selection  # noqa: E402
from formflow.process.calendar.working import load_calendar  # noqa: E402
from formflow.process.tables import events, tasks  # noqa: E402

ENTITY = "hr.leave_request"
#: (share, the states entered after draft, as (action, state) moves)
PATHS = [
    (0.70, [("submit", "manager_review"), ("approve", "approved")]),
    (0.10, [("submit", "manager_review"), ("reject", "rejected")]),
    (0.08, [("submit", "manager_review"), ("send_back", "draft"), ("submit", "manager_review"),
            ("approve", "approved")]),
    (0.07, [("submit", "manager_review"), ("approve", "hr_review"), ("approve", "approved")]),
    (0.05, [("submit", "manager_review")]),
]
REVIEWS = {"manager_review", "hr_review"}


def build(conn, cases: int, approver_id: int, seed: int = 7) -> int:
    """Write the events and tasks of ``cases`` leave requests; how many events."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    event_rows, task_rows, event_id = [], [], 0
    shares = [share for share, _ in PATHS]
    for record_id in range(1, cases + 1):
        at = now - timedelta(days=rng.uniform(1, 365))
        event_id += 1
        event_rows.append(_event(event_id, record_id, "start", None, "draft", at))
        state, entered_id = "draft", event_id
        for action, target in rng.choices(PATHS, weights=shares)[0][1]:
            opened = at
            at += timedelta(hours=rng.expovariate(1 / 20))
            if state in REVIEWS:
                task_rows.append({
                    "entity": ENTITY, "record_id": record_id, "process_version": 1,
                    "state": state, "visit": entered_id, "kind": "approve",
                    "assignee_id": approver_id, "status": "done", "decision": action,
                    "opened_at": opened, "due_at": opened + timedelta(hours=24),
                    "closed_at": at,
                })
            event_id += 1
            event_rows.append(_event(event_id, record_id, action, state, target, at))
            state, entered_id = target, event_id
        if len(event_rows) >= 20_000:
            _flush(conn, event_rows, task_rows)
    _flush(conn, event_rows, task_rows)
    return event_id


def _event(event_id, record_id, action, from_state, to_state, at) -> dict:
    return {"id": event_id, "entity": ENTITY, "record_id": record_id, "process_version": 1,
            "action": action, "from_state": from_state, "to_state": to_state, "at": at}


def _flush(conn, event_rows: list, task_rows: list) -> None:
    if event_rows:
        conn.execute(sa.insert(events), event_rows)
    if task_rows:
        conn.execute(sa.insert(tasks), task_rows)
    event_rows.clear()
    task_rows.clear()


def from_the_log(runtime, process) -> dict:
    """The figures as computed before the summary tables: the whole log replayed."""
    with runtime.db.read() as conn:
        rows = conn.execute(
            sa.select(events.c.record_id, events.c.action, events.c.from_state,
                      events.c.to_state, events.c.at, events.c.process_version)
            .where(events.c.entity == ENTITY).order_by(events.c.record_id, events.c.id))
        found = cases_from_events(r._mapping for r in rows)
        calendar = load_calendar(conn, runtime.settings["TIMEZONE"])
    return compute(found, finals_of(process), working_seconds=calendar.working_seconds)


def timed(call, times: int) -> tuple[tuple[float, float], object]:
    """(median wall seconds, median CPU seconds of this process) and the last result,
    after one call to warm the caches.  On a busy machine the wall time waits for the
    CPU; the CPU time is the work itself (on SQLite all of it runs in this process)."""
    result = call()
    walls, cpus = [], []
    for _ in range(times):
        began, cpu = time.perf_counter(), time.process_time()
        result = call()
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    return (statistics.median(walls), statistics.median(cpus)), result


def measure(kind: str, cases: int, calls: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = run.sqlite_database(instance) if kind == "sqlite" else run.postgres_database()
        run.prepare(url, instance)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                          "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
        runtime = app.extensions["formflow"]
        try:
            with runtime.db.write() as conn:
                admin = get_user_by_name(conn, "admin")
                count = build(conn, cases, admin.id)
            process = runtime.model.apps["hr"].processes["leave_approval"]
            began = time.perf_counter()
            runtime.insights.rebuild("hr.leave_approval")
            rebuild = time.perf_counter() - began
            quarter = Selection(start=date.today() - timedelta(days=91))
            figures = {
                "all": timed(lambda: runtime.insights.figures(admin, "hr", "leave_approval"),
                             calls),
                "version 1": timed(lambda: runtime.insights.figures(
                    admin, "hr", "leave_approval", Selection(version=1)), calls),
                "last quarter": timed(lambda: runtime.insights.figures(
                    admin, "hr", "leave_approval", quarter), calls),
            }
            began, cpu = time.perf_counter(), time.process_time()
            logged = from_the_log(runtime, process)
            baseline = (time.perf_counter() - began, time.process_time() - cpu), logged
        finally:
            runtime.db.dispose()
    summary = figures["all"][1]
    assert summary["cases"] == baseline[1]["cases"], (summary["cases"], baseline[1]["cases"])
    return {"database": kind, "cases": summary["cases"], "events": count, "rebuild": rebuild,
            "figures": {name: spent for name, (spent, _) in figures.items()},
            "baseline": baseline[0]}


def report(result: dict) -> list[str]:
    c = result["cases"]
    lines = [f"{result['database']}: {c['started']} cases ({c['completed']} finished), "
             f"{result['events']} events; summaries rebuilt in {result['rebuild']:.1f} s"]
    for name, (wall, cpu) in result["figures"].items():
        lines.append(f"  figures, {name:<13} {wall * 1000:8.0f} ms ({cpu * 1000:.0f} ms CPU)")
    wall, cpu = result["baseline"]
    lines.append(f"  baseline (from the log) {wall * 1000:8.0f} ms ({cpu * 1000:.0f} ms CPU)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    for kind in args.database or ["sqlite", "postgresql"]:
        print("\n".join(report(measure(kind, args.cases, args.calls))), flush=True)


if __name__ == "__main__":
    main()
