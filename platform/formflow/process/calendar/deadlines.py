"""Deadlines from SLA durations: ``30m``, ``24h``, ``3d`` run on the clock; ``2bd`` and
``4bh`` (business days and hours) run on the working calendar."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.engine import Connection

DURATION = re.compile(r"^(\d+)(m|h|d|bd|bh)$")
_CLOCK = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def deadline(conn: Connection, start: datetime, duration: str,
             timezone: tzinfo | None = None) -> datetime:
    """``start`` plus ``duration``; business units count on the working calendar, whose
    hours are in ``timezone`` (the business time zone)."""
    amount, unit = _parse(duration)
    if unit in _CLOCK:
        return start + amount * _CLOCK[unit]
    from formflow.process.calendar.working import add_business_time

    return add_business_time(conn, start, amount, unit, timezone)


def _parse(duration: str) -> tuple[int, str]:
    match = DURATION.match(duration)
    if match is None:
        raise ValueError(f"not a duration: {duration!r}")
    return int(match.group(1)), match.group(2)
