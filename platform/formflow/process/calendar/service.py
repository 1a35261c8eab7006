"""Reading and setting the working calendar: the week (working weekdays and hours) and
dated exceptions (holidays, make-up working days).  Admins only.

The REST API and the CLI call these; the functions taking a connection do the writing
and are what the CLI uses (it runs as the operator, not as a signed-in user).  Each
write names its actor (a user, or :data:`~formflow.auth.admin_log.CLI`) and goes to the
admin log in its transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User
from formflow.auth.admin_log import Target, record
from formflow.errors import Forbidden, NotFound, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.process.calendar.working import (
    DEFAULT_HOURS,
    DEFAULT_WEEKDAYS,
    ROW_ID,
    Period,
    format_period,
    parse_period,
    parse_time,
    valid_hours,
)
from formflow.process.tables import calendar_days, calendar_week

MAX_NOTE = 200
MAX_DAYS_PER_CALL = 1000


# -- on a connection ---------------------------------------------------------------------


def read_week(conn: Connection) -> tuple[tuple[int, ...], tuple[Period, ...]]:
    row = conn.execute(sa.select(calendar_week).where(calendar_week.c.id == ROW_ID)).first()
    if row is None:
        return DEFAULT_WEEKDAYS, DEFAULT_HOURS
    return tuple(row.weekdays), tuple(parse_period(p) for p in row.hours)


def save_week(conn: Connection, weekdays, hours, *, actor) -> None:
    values = {"weekdays": sorted(weekdays), "hours": [format_period(p) for p in hours],
              "updated_at": utcnow(), "updated_by": getattr(actor, "id", None)}
    done = conn.execute(calendar_week.update().where(calendar_week.c.id == ROW_ID).values(values))
    if done.rowcount == 0:
        conn.execute(calendar_week.insert().values(id=ROW_ID, **values))
    record(conn, actor, "calendar.hours", Target("calendar", None, "week"),
           {"weekdays": values["weekdays"], "hours": ["-".join(p) for p in values["hours"]]})


def list_days(conn: Connection, year: int | None = None) -> list[dict[str, Any]]:
    query = sa.select(calendar_days).order_by(calendar_days.c.day)
    if year is not None:
        query = query.where(calendar_days.c.day >= date(year, 1, 1),
                            calendar_days.c.day <= date(year, 12, 31))
    return [_day_json(row) for row in conn.execute(query)]


def save_day(
    conn: Connection, day: date, working: bool, note: str | None = None, *, actor
) -> dict[str, Any]:
    """Mark ``day`` as a holiday (or with ``working`` a make-up working day)."""
    values = {"working": working, "note": note, "updated_at": utcnow()}
    done = conn.execute(calendar_days.update().where(calendar_days.c.day == day).values(values))
    if done.rowcount == 0:
        conn.execute(calendar_days.insert().values(day=day, **values))
    saved = {"day": day.isoformat(), "working": working, "note": note}
    record(conn, actor, "calendar.holiday", Target("calendar", day.isoformat(), day.isoformat()),
           saved)
    return saved


def delete_day(conn: Connection, day: date, *, actor) -> bool:
    """Make ``day`` an ordinary day again; False when it was not marked."""
    removed = conn.execute(calendar_days.delete().where(calendar_days.c.day == day)).rowcount > 0
    if removed:
        record(conn, actor, "calendar.holiday.remove",
               Target("calendar", day.isoformat(), day.isoformat()), {"day": day.isoformat()})
    return removed


def _day_json(row) -> dict[str, Any]:
    return {"day": row.day.isoformat(), "working": row.working, "note": row.note}


# -- for the API ---------------------------------------------------------------------------


class CalendarService:
    def __init__(self, db, timezone: tzinfo):
        self.db = db
        self.timezone = timezone

    def read(self, user: User, year: int | None = None) -> dict[str, Any]:
        """The week and the exceptions of ``year`` (default: this year on)."""
        _require_admin(user)
        with self.db.read() as conn:
            weekdays, hours = read_week(conn)
            days = list_days(conn, year)
        if year is None:
            this_year = f"{utcnow().astimezone(self.timezone).year:04d}"
            days = [d for d in days if d["day"] >= this_year]
        return self._week_json(weekdays, hours) | {"days": days}

    def update(self, user: User, payload: Any) -> dict[str, Any]:
        """Set the week: ``{"weekdays": [1..7], "hours": [{"start", "end"}]}``; a key
        left out keeps its value."""
        _require_admin(user)
        payload = _object(payload, {"weekdays", "hours"})
        errors: dict[str, list[Message]] = {}
        with self.db.write() as conn:
            weekdays, hours = read_week(conn)
            if "weekdays" in payload:
                weekdays = _weekdays(payload["weekdays"], errors)
            if "hours" in payload:
                hours = _hours(payload["hours"], errors)
            if errors:
                raise ValidationFailed(errors)
            save_week(conn, weekdays, hours, actor=user)
        return self._week_json(weekdays, hours)

    def days(self, user: User, year: int | None = None) -> list[dict[str, Any]]:
        _require_admin(user)
        with self.db.read() as conn:
            return list_days(conn, year)

    def set_day(self, user: User, day_text: str, payload: Any) -> dict[str, Any]:
        """Mark one day: ``{"working": false, "note": "National Day"}``."""
        _require_admin(user)
        day = parse_day(day_text)
        working, note = _day_values(_object(payload, {"working", "note"}), "")
        with self.db.write() as conn:
            return save_day(conn, day, working, note, actor=user)

    def set_days(self, user: User, payload: Any) -> list[dict[str, Any]]:
        """Mark many days at once: ``{"items": [{"day", "working", "note"}, ...]}``."""
        _require_admin(user)
        items = _object(payload, {"items"}).get("items")
        if not isinstance(items, list) or not items or len(items) > MAX_DAYS_PER_CALL:
            raise ValidationFailed({"items": [Message("invalid_rows")]})
        parsed, errors = [], {}
        for index, item in enumerate(items):
            try:
                item = _object(item, {"day", "working", "note"})
                day = parse_day(item.get("day"), f"items[{index}].day")
                parsed.append((day, *_day_values(item, f"items[{index}].")))
            except ValidationFailed as failed:
                errors.update(failed.errors)
        if errors:
            raise ValidationFailed(errors)
        with self.db.write() as conn:
            return [save_day(conn, *values, actor=user) for values in parsed]

    def remove_day(self, user: User, day_text: str) -> None:
        _require_admin(user)
        day = parse_day(day_text)
        with self.db.write() as conn:
            if not delete_day(conn, day, actor=user):
                raise NotFound(Message("not_found"))

    def _week_json(self, weekdays, hours) -> dict[str, Any]:
        return {
            "timezone": str(self.timezone),
            "weekdays": sorted(weekdays),
            "hours": [dict(zip(("start", "end"), format_period(p), strict=True)) for p in hours],
        }


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden(Message("forbidden"))


def _object(payload: Any, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise ValidationFailed({"": [Message("invalid_row")]})
    unknown = set(payload) - allowed
    if unknown:
        raise ValidationFailed({name: [Message("unknown_field")] for name in sorted(unknown)})
    return payload


def parse_day(text: Any, field: str = "day") -> date:
    if isinstance(text, str) and len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValidationFailed({field: [Message("invalid_date")]})


def _day_values(item: Mapping[str, Any], prefix: str) -> tuple[bool, str | None]:
    errors: dict[str, list[Message]] = {}
    working = item.get("working", False)
    if not isinstance(working, bool):
        errors[f"{prefix}working"] = [Message("invalid_boolean")]
    note = item.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        errors[f"{prefix}note"] = [Message("max_length", {"max": MAX_NOTE})]
    if errors:
        raise ValidationFailed(errors)
    return working, (note or "").strip() or None


def _weekdays(value: Any, errors) -> tuple[int, ...]:
    if (not isinstance(value, list) or not value
            or not all(type(v) is int and 1 <= v <= 7 for v in value)
            or len(set(value)) != len(value)):
        errors["weekdays"] = [Message("calendar_weekdays")]
        return ()
    return tuple(sorted(value))


def _hours(value: Any, errors) -> tuple[Period, ...]:
    periods = []
    try:
        for item in value:
            if set(item) != {"start", "end"}:
                raise ValueError(item)
            periods.append((parse_time(item["start"]), parse_time(item["end"])))
    except (TypeError, ValueError):
        periods = []
    if not valid_hours(periods):
        errors["hours"] = [Message("calendar_hours")]
    return tuple(periods)


def parse_hours_text(text: str) -> tuple[Period, ...]:
    """``"09:00-12:00,13:00-18:00"`` (the CLI's form) -> periods; ``ValueError`` when
    they are not valid working hours."""
    periods = tuple(parse_period(part.strip().split("-")) for part in text.split(","))
    if not valid_hours(periods):
        raise ValueError(text)
    return periods
