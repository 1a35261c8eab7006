"""Summary tables of the process figures, kept inside each process action so the figures
of a process with hundreds of thousands of cases are a few grouped queries, not a replay
of its event log.

- ``ff_insight_cases``: one row per case — version, requester, start, completion and
  outcome, cycle time in calendar and working hours, rework, withdrawal, path;
- ``ff_insight_visits``: one row per stay in a state — the wait to its first decision
  and the approval tasks decided on time there;
- ``ff_insight_handling``: per completed case and approver, the working hours their
  decided approval tasks were open (the cost per case multiplies them by hourly costs).

A case's rows are rebuilt from its own events (the definitions of
:mod:`formflow.insights.cases`, so the figures equal those computed from the log), after
every event that moves it or decides in it (:func:`refresh`); :func:`rebuild` does the
same for every case of a process at once (after a bulk load, or to fill the tables of an
existing database: ``formflow insights rebuild``).  A case with several active states
(parallel branches) has several open visits; each event closes the one it leaves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, tzinfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.tables import users
from formflow.fields.columns import UtcDateTime
from formflow.insights.cases import NOT_DECISIONS, Case, cases_from_events
from formflow.process.calendar.working import WorkCalendar, load_calendar
from formflow.process.tables import events, tasks
from formflow.storage.system import system_metadata

#: Events that change nothing the summaries hold.
UNCHANGING = NOT_DECISIONS | {"reassign"}
#: How many cases :func:`rebuild` summarizes per batch.
BATCH = 2000
#: A stored path is cut at this many characters.
MAX_PATH = 2000

summary_cases = sa.Table(
    "ff_insight_cases",
    system_metadata,
    sa.Column("entity", sa.String(130), primary_key=True),
    sa.Column("record_id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("creator_id", sa.Integer),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("started_on", sa.Date, nullable=False),  # in the business time zone
    sa.Column("started_week", sa.String(8), nullable=False),  # ISO week, UTC
    sa.Column("completed_at", UtcDateTime),
    sa.Column("completed_week", sa.String(8)),
    sa.Column("outcome", sa.String(16)),
    sa.Column("cycle_hours", sa.Float),
    sa.Column("business_hours", sa.Float),
    sa.Column("reworked", sa.Boolean, nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False),
    sa.Column("path", sa.Text, nullable=False),  # states entered, comma-separated
    sa.Index("ix_ff_insight_cases_started", "entity", "started_on"),
    sa.Index("ix_ff_insight_cases_version", "entity", "version"),
    # weekly counts and variants are grouped straight off these (no sort, no table read)
    sa.Index("ix_ff_insight_cases_started_week", "entity", "started_week", "version",
             "started_on"),
    sa.Index("ix_ff_insight_cases_completed_week", "entity", "completed_week", "version",
             "started_on"),
    sa.Index("ix_ff_insight_cases_path", "entity", "path", "version", "started_on"),
    # percentiles walk these in order (the filter columns ride along)
    sa.Index("ix_ff_insight_cases_cycle", "entity", "cycle_hours", "version", "started_on"),
    sa.Index("ix_ff_insight_cases_business", "entity", "business_hours", "version",
             "started_on"),
)

def _case_columns() -> list[sa.Column]:
    """The case's columns the figures filter on, repeated on the visit and handling rows
    so no figure needs a join."""
    return [sa.Column("version", sa.Integer, nullable=False),
            sa.Column("started_on", sa.Date, nullable=False),
            sa.Column("creator_id", sa.Integer)]


summary_visits = sa.Table(
    "ff_insight_visits",
    system_metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    *_case_columns(),
    sa.Column("state", sa.String(64), nullable=False),
    sa.Column("wait_hours", sa.Float),  # None until the first decision
    sa.Column("sla_tasks", sa.Integer, nullable=False),  # decided tasks with a due time
    sa.Column("sla_met", sa.Integer, nullable=False),  # ... decided by it
    sa.Index("ix_ff_insight_visits_case", "entity", "record_id"),
    # per-state figures read this index alone
    sa.Index("ix_ff_insight_visits_state", "entity", "state", "wait_hours", "version",
             "started_on", "sla_tasks", "sla_met"),
)

summary_handling = sa.Table(
    "ff_insight_handling",
    system_metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    *_case_columns(),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("hours", sa.Float, nullable=False),
    sa.Index("ix_ff_insight_handling_case", "entity", "record_id"),
)

TABLES = (summary_cases, summary_visits, summary_handling)


def refresh(conn: Connection, entity: str, record_id: int, creator: str | None,
            finals: Mapping[str, str], timezone: tzinfo) -> None:
    """Rebuild the summary rows of one case from its events (``creator``: the requester's
    user name; ``finals``: final state -> outcome)."""
    rows = conn.execute(_event_query().where(events.c.entity == entity,
                                             events.c.record_id == record_id)
                        .order_by(events.c.id))
    cases = cases_from_events(r._mapping for r in rows)
    for table in TABLES:
        conn.execute(sa.delete(table).where(table.c.entity == entity,
                                            table.c.record_id == record_id))
    if not cases:
        return
    case = cases[0]
    task_rows = conn.execute(task_query().where(tasks.c.entity == entity,
                                                 tasks.c.record_id == record_id)).all()
    completion = case.completion(finals)
    calendar = (load_calendar(conn, timezone, since=case.started_at.date())
                if completion is not None else None)
    creator_id = (conn.scalar(sa.select(users.c.id).where(users.c.username == creator))
                  if creator else None)
    _insert(conn, *summarize(entity, case, finals, timezone, calendar, task_rows),
            creator_ids={record_id: creator_id})


def rebuild(db, entity: str, finals: Mapping[str, str], timezone: tzinfo,
            main_table: sa.Table) -> int:
    """Summarize every case of ``entity`` anew (in batches, one transaction each); how
    many cases were summarized."""
    with db.write() as conn:
        for table in TABLES:
            conn.execute(sa.delete(table).where(table.c.entity == entity))
        calendar = load_calendar(conn, timezone)
    total = 0
    for ids in _record_batches(db, entity):
        with db.write() as conn:
            where = (events.c.entity == entity, events.c.record_id.in_(ids))
            rows = conn.execute(_event_query().where(*where)
                                .order_by(events.c.record_id, events.c.id))
            cases = cases_from_events(r._mapping for r in rows)
            by_record: dict[int, list] = defaultdict(list)
            for task in conn.execute(task_query().where(tasks.c.entity == entity,
                                                         tasks.c.record_id.in_(ids))):
                by_record[task.record_id].append(task)
            creators = dict(conn.execute(sa.select(main_table.c.id, main_table.c._created_by)
                                         .where(main_table.c.id.in_(ids))).all())
            case_rows, visit_rows, handling_rows = [], [], []
            for case in cases:
                found = summarize(entity, case, finals, timezone, calendar,
                                  by_record[case.record_id])
                case_rows += found[0]
                visit_rows += found[1]
                handling_rows += found[2]
            _insert(conn, case_rows, visit_rows, handling_rows, creator_ids=creators)
            total += len(cases)
    _refresh_statistics(db)
    return total


def _refresh_statistics(db) -> None:
    """After a bulk rewrite: planner statistics for the summaries, and on PostgreSQL the
    visibility map their index-only scans need (autovacuum would catch up later)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        command = "VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"
        for table in TABLES:
            conn.exec_driver_sql(f"{command} {table.name}")


def summarize(entity: str, case: Case, finals: Mapping[str, str], timezone: tzinfo,
              calendar: WorkCalendar | None, task_rows: Iterable[sa.Row]
              ) -> tuple[list[dict], list[dict], list[dict]]:
    """The summary rows (case, visits, handling) of one case (pure)."""
    started = case.started_at
    key = {"entity": entity, "record_id": case.record_id, "version": case.version or 1,
           "started_on": started.astimezone(timezone).date()}
    sla: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    handled: dict[int, float] = defaultdict(float)
    completion = case.completion(finals)
    for task in task_rows:
        if task.kind != "approve" or task.status != "done":
            continue
        if task.due_at is not None:
            sla[task.visit][0] += 1
            sla[task.visit][1] += task.closed_at <= task.due_at
        if completion is not None and calendar is not None:
            handled[task.assignee_id] += calendar.working_seconds(task.opened_at,
                                                                  task.closed_at) / 3600
    year, week, _ = started.astimezone(UTC).isocalendar()
    row = {
        **key, "started_at": started, "started_week": f"{year}-W{week:02d}",
        "completed_at": None, "completed_week": None,
        "outcome": None, "cycle_hours": None, "business_hours": None,
        "reworked": case.reworked, "withdrawn": "withdraw" in case.actions,
        "path": ",".join(case.path)[:MAX_PATH],
    }
    if completion is not None:
        done, outcome = completion
        year, week, _ = done.astimezone(UTC).isocalendar()
        row.update(completed_at=done, completed_week=f"{year}-W{week:02d}", outcome=outcome,
                   cycle_hours=(done - started).total_seconds() / 3600,
                   business_hours=(calendar.working_seconds(started, done) / 3600
                                   if calendar is not None else None))
    visits = [{
        **key, "state": visit.state,
        "wait_hours": (None if visit.decided_at is None
                       else (visit.decided_at - visit.entered_at).total_seconds() / 3600),
        "sla_tasks": sla[visit.event_id][0] if visit.event_id in sla else 0,
        "sla_met": sla[visit.event_id][1] if visit.event_id in sla else 0,
    } for visit in case.visits]
    handling = [{**key, "user_id": user_id, "hours": hours}
                for user_id, hours in handled.items()]
    return [row], visits, handling


def _insert(conn: Connection, case_rows: list[dict], visit_rows: list[dict],
            handling_rows: list[dict], *, creator_ids: Mapping[int, int | None]) -> None:
    for rows in (case_rows, visit_rows, handling_rows):
        for row in rows:
            row["creator_id"] = creator_ids.get(row["record_id"])
    for table, rows in ((summary_cases, case_rows), (summary_visits, visit_rows),
                        (summary_handling, handling_rows)):
        if rows:
            conn.execute(sa.insert(table), rows)


def _event_query():
    return sa.select(events.c.id, events.c.record_id, events.c.action, events.c.from_state,
                     events.c.to_state, events.c.at, events.c.process_version)


def task_query():
    return sa.select(tasks.c.record_id, tasks.c.visit, tasks.c.kind, tasks.c.status,
                     tasks.c.assignee_id, tasks.c.opened_at, tasks.c.due_at, tasks.c.closed_at)


def _record_batches(db, entity: str) -> Iterator[list[int]]:
    last = None
    while True:
        with db.read() as conn:
            query = (sa.select(events.c.record_id).where(events.c.entity == entity)
                     .group_by(events.c.record_id).order_by(events.c.record_id).limit(BATCH))
            if last is not None:
                query = query.where(events.c.record_id > last)
            ids = list(conn.scalars(query))
        if not ids:
            return
        last = ids[-1]
        yield ids


def is_summarized(action: str) -> bool:
    """Whether an event of ``action`` changes a case's summary."""
    return action not in UNCHANGING
