"""Bringing one case's summary rows up to date after one event, by its delta: the case
row and the visit the event acts in are updated and the visit it opens is added, instead
of rebuilding the case from its whole event log (:func:`formflow.insights.summary.refresh`).

The rows come out as a rebuild from the log makes them (the same definitions as
:func:`formflow.insights.cases.cases_from_events`): an event decides the latest stay in
the state it acts in (if still undecided), every event with a ``to_state`` opens a stay,
a case completes on its first entry into a final state, and a stay's SLA counts are its
approval tasks decided so far, counted again each time an event acts in it.  A case with
no summary row yet, or one already completed, is rebuilt from its log instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.insights.cases import NOT_DECISIONS
from formflow.insights.summary import (
    MAX_PATH,
    refresh,
    summary_cases,
    summary_handling,
    summary_visits,
)
from formflow.process.calendar.working import load_calendar
from formflow.process.tables import events, tasks


def apply_event(conn: Connection, event: Mapping[str, Any], creator: str | None,
                finals: Mapping[str, str], timezone: tzinfo) -> None:
    """Apply ``event`` (as stored: id, entity, record_id, action, from_state, to_state,
    at) to its case's summary rows (``creator``: the requester's user name; ``finals``:
    final state -> outcome)."""
    entity, record_id = event["entity"], event["record_id"]
    from_state, to_state = event["from_state"], event["to_state"]
    key = {"p_entity": entity, "p_record": record_id}
    completes = to_state in finals
    if from_state is None:
        rows = conn.execute(_CASE_AND_HANDLED if completes else _CASE, key).all()
    else:
        rows = conn.execute(_CASE_IN_STATE_AND_HANDLED if completes else _CASE_IN_STATE,
                            {**key, "p_state": from_state, "p_event": event["id"]}).all()
    row = rows[0] if rows else None
    if row is None or row.completed_at is not None:
        refresh(conn, entity, record_id, creator, finals, timezone)
        return
    if from_state is not None and row.visit_id is not None:
        params = {**key, "p_state": from_state, "p_visit": row.visit_id}
        if event["action"] in NOT_DECISIONS:
            conn.execute(_COUNT_SLA, params)
        else:
            wait = (event["at"] - row.entered_at).total_seconds() / 3600
            conn.execute(_DECIDE, {**params, "p_wait": wait})
    changes: dict[str, Any] = {}
    if event["action"] == "withdraw" and not row.withdrawn:
        changes["withdrawn"] = True
    if to_state is not None:
        changes["path"] = f"{row.path},{to_state}"[:MAX_PATH]
        if not row.reworked and _visited(conn, entity, record_id, row.path, to_state):
            changes["reworked"] = True
        conn.execute(_ADD_VISIT, {
            "entity": entity, "record_id": record_id, "version": row.version,
            "started_on": row.started_on, "creator_id": row.creator_id, "state": to_state,
            "wait_hours": None, "sla_tasks": 0, "sla_met": 0})
        if completes:
            changes.update(_completion(conn, event, rows, finals[to_state], timezone))
    if changes:
        conn.execute(_CHANGE_CASE, {**key, **changes})


# The statements, built once (parameters ``p_*``): an action runs them with new values.

_CASE_COLUMNS = (summary_cases.c.version, summary_cases.c.creator_id,
                 summary_cases.c.started_at, summary_cases.c.started_on,
                 summary_cases.c.completed_at, summary_cases.c.reworked,
                 summary_cases.c.withdrawn, summary_cases.c.path)
_IS_CASE = (summary_cases.c.entity == sa.bindparam("p_entity"),
            summary_cases.c.record_id == sa.bindparam("p_record"))
#: The case row.
_CASE = sa.select(*_CASE_COLUMNS, sa.null().label("visit_id")).where(*_IS_CASE)
#: The event that entered ``p_state`` last before event ``p_event``: the stay it acts in.
_ENTERING = sa.select(events.c.id, events.c.at).where(
    events.c.entity == sa.bindparam("p_entity"), events.c.record_id == sa.bindparam("p_record"),
    events.c.to_state == sa.bindparam("p_state"), events.c.id < sa.bindparam("p_event"),
).order_by(events.c.id.desc()).limit(1).subquery()
#: The case row, with that stay (``visit_id``, ``entered_at``).
_CASE_IN_STATE = sa.select(
    *_CASE_COLUMNS, _ENTERING.c.id.label("visit_id"), _ENTERING.c.at.label("entered_at"),
).select_from(summary_cases.outerjoin(_ENTERING, sa.true())).where(*_IS_CASE)
_HANDLED = sa.and_(
    tasks.c.entity == sa.bindparam("p_entity"), tasks.c.record_id == sa.bindparam("p_record"),
    tasks.c.kind == "approve", tasks.c.status == "done")
_HANDLED_COLUMNS = (tasks.c.id.label("task_id"), tasks.c.assignee_id.label("task_assignee_id"),
                    tasks.c.opened_at.label("task_opened_at"),
                    tasks.c.closed_at.label("task_closed_at"))


def _and_handled(case: sa.Select) -> sa.Select:
    """``case`` with a row per decided approval task of the case (none: one row with the
    task columns empty), in the order the tasks were opened: what a completion hands out."""
    joined = case.get_final_froms()[0].outerjoin(tasks, _HANDLED)
    return case.add_columns(*_HANDLED_COLUMNS).select_from(joined).order_by(tasks.c.id)


#: The case row and the case's decided approval tasks, read by an event that completes it.
_CASE_AND_HANDLED = _and_handled(_CASE)
_CASE_IN_STATE_AND_HANDLED = _and_handled(_CASE_IN_STATE)
#: The stay's decided approval tasks with a due time (visit ``p_visit``).
_DECIDED = sa.select(sa.func.count()).select_from(tasks).where(
    tasks.c.entity == sa.bindparam("p_entity"), tasks.c.record_id == sa.bindparam("p_record"),
    tasks.c.visit == sa.bindparam("p_visit"), tasks.c.kind == "approve",
    tasks.c.status == "done", tasks.c.due_at.is_not(None))
_SLA = {"sla_tasks": _DECIDED.scalar_subquery(),
        "sla_met": _DECIDED.where(tasks.c.closed_at <= tasks.c.due_at).scalar_subquery()}
#: The case's latest stay in ``p_state``.
_LATEST = summary_visits.update().where(summary_visits.c.id == sa.select(
    sa.func.max(summary_visits.c.id)).where(
    summary_visits.c.entity == sa.bindparam("p_entity"),
    summary_visits.c.record_id == sa.bindparam("p_record"),
    summary_visits.c.state == sa.bindparam("p_state")).scalar_subquery())
#: Its SLA counts again.
_COUNT_SLA = _LATEST.values(**_SLA)
#: Its SLA counts again and, if still undecided, its wait (``p_wait`` hours).
_DECIDE = _LATEST.values(**_SLA, wait_hours=sa.func.coalesce(
    summary_visits.c.wait_hours, sa.bindparam("p_wait", type_=sa.Float)))
_ADD_VISIT = sa.insert(summary_visits)
_ADD_HANDLING = sa.insert(summary_handling)
#: Executed with the columns to change.
_CHANGE_CASE = summary_cases.update().where(*_IS_CASE)


def _visited(conn: Connection, entity: str, record_id: int, path: str, state: str) -> bool:
    """Whether the case entered ``state`` before (its stored path is cut at MAX_PATH
    characters: past that, its stays tell)."""
    if state in path.split(","):
        return True
    if len(path) < MAX_PATH:
        return False
    return conn.execute(sa.select(summary_visits.c.id).where(
        *_case_key(summary_visits, entity, record_id), summary_visits.c.state == state,
    ).limit(1)).first() is not None


def _completion(conn: Connection, event: Mapping[str, Any], rows: list[sa.Row],
                outcome: str, timezone: tzinfo) -> dict[str, Any]:
    """The case's completion columns, and its approvers' handling rows written (``rows``:
    the case row with its decided approval tasks, as ``_CASE_AND_HANDLED`` reads them)."""
    entity, record_id = event["entity"], event["record_id"]
    row = rows[0]
    started, done = row.started_at, event["at"]
    calendar = load_calendar(conn, timezone, since=started.date())
    handled: dict[int, float] = {}
    for task in rows:
        if task.task_id is not None:
            handled[task.task_assignee_id] = handled.get(task.task_assignee_id, 0.0) + (
                calendar.working_seconds(task.task_opened_at, task.task_closed_at) / 3600)
    if handled:
        conn.execute(_ADD_HANDLING, [
            {"entity": entity, "record_id": record_id, "version": row.version,
             "started_on": row.started_on, "creator_id": row.creator_id,
             "user_id": user_id, "hours": hours} for user_id, hours in handled.items()])
    return {"completed_at": done, "completed_week": _week(done), "outcome": outcome,
            "cycle_hours": (done - started).total_seconds() / 3600,
            "business_hours": calendar.working_seconds(started, done) / 3600}


def _week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def _case_key(table: sa.Table, entity: str, record_id: int) -> tuple:
    return table.c.entity == entity, table.c.record_id == record_id
