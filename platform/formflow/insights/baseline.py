"""Baselines: event logs of the old way of working (before Formflow, or from another
system), imported so a process's figures can be compared with them from day one.

A baseline is a CSV with the process-mining columns ``case_id, activity, timestamp,
resource``, where an activity is the state the case entered: one of the process's state
names, or mapped to one by a mapping file (CSV ``activity,state``; an activity mapped to
nothing is left out).  Rows are stored under the process and a label such as
"v0 (before Formflow)"; importing the same label again replaces it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime

import sqlalchemy as sa

from formflow.errors import ValidationFailed
from formflow.fields.columns import UtcDateTime
from formflow.i18n import Message
from formflow.storage.system import system_metadata

COLUMNS = ("case_id", "activity", "timestamp", "resource")
#: A baseline larger than this is refused before anything is stored.
MAX_ROWS = 1_000_000
MAX_LABEL = 100
#: How many problems are reported at most.
MAX_PROBLEMS = 50

baseline_events = sa.Table(
    "ff_insight_baseline_events",
    system_metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("process", sa.String(130), nullable=False),  # "app.process"
    sa.Column("label", sa.String(MAX_LABEL), nullable=False),
    sa.Column("case_id", sa.String(200), nullable=False),
    sa.Column("activity", sa.String(64), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("resource", sa.String(200)),
    sa.Index("ix_ff_insight_baseline_events", "process", "label", "case_id"),
)


def read_mapping(text: str) -> dict[str, str]:
    """``activity,state`` rows (a header row is optional) as a mapping."""
    mapping = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[0].strip() and row[0].strip().lower() != "activity":
            mapping[row[0].strip()] = row[1].strip()
    return mapping


def parse_rows(text: str, states: Iterable[str],
               mapping: Mapping[str, str] | None = None) -> list[dict]:
    """The rows of a baseline CSV, checked: every column present, timestamps ISO 8601,
    every activity a state (after the mapping).  Raises ValidationFailed listing the
    first problems by line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        columns = ", ".join(missing)
        raise ValidationFailed({"file": [Message("baseline_columns", {"columns": columns})]})
    known = set(states)
    rows, problems = [], {}
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise ValidationFailed({"file": [Message("baseline_too_long", {"limit": MAX_ROWS})]})
        activity = (row["activity"] or "").strip()
        if mapping is not None:
            if activity not in mapping or not mapping[activity]:
                continue
            activity = mapping[activity]
        error = _row_problem(row, activity, known)
        if error is not None:
            if len(problems) < MAX_PROBLEMS:
                problems[f"line {line}"] = [error]
            continue
        rows.append({
            "case_id": row["case_id"].strip(),
            "activity": activity,
            "at": _instant(row["timestamp"]),
            "resource": (row.get("resource") or "").strip() or None,
        })
    if problems:
        raise ValidationFailed(problems)
    return rows


def store(conn, process: str, label: str, rows: list[dict]) -> int:
    """Replace the baseline ``label`` of ``process`` with ``rows``; how many were stored."""
    label = label.strip()
    if not label or len(label) > MAX_LABEL:
        raise ValidationFailed({"label": [Message("baseline_label", {"limit": MAX_LABEL})]})
    conn.execute(sa.delete(baseline_events).where(
        baseline_events.c.process == process, baseline_events.c.label == label))
    for chunk in _chunks(rows, 5000):
        conn.execute(sa.insert(baseline_events),
                     [{"process": process, "label": label, **row} for row in chunk])
    return len(rows)


def labels(conn, process: str) -> list[str]:
    return list(conn.scalars(
        sa.select(baseline_events.c.label).where(baseline_events.c.process == process)
        .group_by(baseline_events.c.label).order_by(baseline_events.c.label)))


def log_rows(conn, process: str, label: str) -> list[dict]:
    """The baseline's rows as :func:`~formflow.insights.cases.cases_from_log` reads them."""
    rows = conn.execute(
        sa.select(baseline_events).where(baseline_events.c.process == process,
                                         baseline_events.c.label == label)
        .order_by(baseline_events.c.case_id, baseline_events.c.at, baseline_events.c.id))
    return [{"case_id": r.case_id, "activity": r.activity, "timestamp": r.at,
             "resource": r.resource} for r in rows]


def _row_problem(row: Mapping, activity: str, known: set[str]) -> Message | None:
    if not (row.get("case_id") or "").strip():
        return Message("baseline_case_id")
    if activity not in known:
        return Message("baseline_activity", {"activity": activity})
    try:
        _instant(row.get("timestamp") or "")
    except ValueError:
        return Message("baseline_timestamp", {"value": (row.get("timestamp") or "")[:40]})
    return None


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _chunks(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]
