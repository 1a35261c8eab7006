"""The working calendar: working weekdays and hours, public holidays and make-up working
days (调休), and business time counted on it (``2bd``, ``4bh`` in an SLA).

An admin sets the week (``ff_calendar``: one row; none means Monday to Friday,
09:00-12:00 and 13:00-18:00) and dated exceptions (``ff_calendar_days``: a holiday is a
non-working day, a make-up day a working one).  Hours are wall-clock times in the
business time zone (the ``TIMEZONE`` setting); every working day has the same hours.

Everything is read from the database on each use, so every worker and every ``tick``
host agrees the moment an admin saves a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.process.tables import calendar_days, calendar_week
from formflow.settings import DEFAULTS

#: The calendar's single row in ``ff_calendar``.
ROW_ID = 1
DEFAULT_WEEKDAYS = (1, 2, 3, 4, 5)  # ISO weekday numbers: Monday is 1, Sunday 7
DEFAULT_HOURS = ((time(9), time(12)), (time(13), time(18)))
#: How far a deadline may lie; a calendar with hardly any working day fails loudly.
MAX_DAYS = 3660

Period = tuple[time, time]


@dataclass(frozen=True)
class WorkCalendar:
    timezone: tzinfo
    weekdays: frozenset[int]
    hours: tuple[Period, ...]
    #: Dated exceptions: day -> working.
    exceptions: dict[date, bool]
    #: Each day's periods once worked out (day -> its periods).
    _periods: dict[date, list[tuple[datetime, datetime]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def is_working(self, day: date) -> bool:
        return self.exceptions.get(day, day.isoweekday() in self.weekdays)

    def periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working periods as UTC instants (none on a non-working day)."""
        found = self._periods.get(day)
        if found is None:
            found = self._periods[day] = [
                (self._instant(day, begin), self._instant(day, end)) for begin, end in self.hours
            ] if self.is_working(day) else []
        return found

    def _instant(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.timezone).astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.timezone).date()

    def next_working_instant(self, start: datetime) -> datetime:
        """``start`` when it falls in working hours, else the next moment work begins."""
        day = self.local_date(start)
        for _ in range(MAX_DAYS):
            for begin, end in self.periods(day):
                if end > start:
                    return max(begin, start)
            day += timedelta(days=1)
        raise ValueError("the working calendar has no working time ahead")

    def add_hours(self, start: datetime, hours: int) -> datetime:
        """``start`` plus ``hours`` counted inside working hours only."""
        remaining = timedelta(hours=hours)
        day = self.local_date(start)
        for _ in range(MAX_DAYS):
            for begin, end in self.periods(day):
                if end <= start:
                    continue
                begin = max(begin, start)
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            day += timedelta(days=1)
        raise ValueError("the working calendar has no working time ahead")

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """The working time between two instants, in seconds (0 when ``end`` is not
        after ``start``)."""
        total = 0.0
        day, last = self.local_date(start), self.local_date(end)
        while day <= last:
            for begin, finish in self.periods(day):
                overlap = (min(finish, end) - max(begin, start)).total_seconds()
                total += max(overlap, 0.0)
            day += timedelta(days=1)
        return total

    def add_days(self, start: datetime, days: int) -> datetime:
        """The same time of day on the ``days``-th next working day, counted from the
        first working moment at or after ``start`` and kept inside working hours."""
        begin = self.next_working_instant(start)
        local = begin.astimezone(self.timezone)
        day, moment = local.date(), local.time().replace(tzinfo=None)
        left = days
        for _ in range(MAX_DAYS):
            if left == 0:
                return self._clamp(day, moment)
            day += timedelta(days=1)
            if self.is_working(day):
                left -= 1
        raise ValueError("the working calendar has no working time ahead")

    def _clamp(self, day: date, moment: time) -> datetime:
        """``moment`` on ``day`` when it is working time; else the next start of work
        that day, or the end of the day's last period."""
        for begin, end in self.hours:
            if begin <= moment < end:
                return self._instant(day, moment)
            if moment < begin:
                return self._instant(day, begin)
        return self._instant(day, self.hours[-1][1])


def load_calendar(conn: Connection, timezone: tzinfo | None = None,
                  since: date | None = None) -> WorkCalendar:
    """The calendar as stored, with the exceptions from ``since`` on (all when None), read
    in one query: the week's row (its ``day`` empty) and the exceptions."""
    rows = (conn.execute(_WHOLE) if since is None
            else conn.execute(_SINCE, {"p_since": since}))
    week, exceptions = None, {}
    for row in rows:
        if row.day is None:
            week = row
        else:
            exceptions[row.day] = row.working
    weekdays, hours = (DEFAULT_WEEKDAYS, DEFAULT_HOURS) if week is None else (
        tuple(week.weekdays), tuple(parse_period(p) for p in week.hours)
    )
    return WorkCalendar(timezone or default_timezone(), frozenset(weekdays), hours, exceptions)


_WEEK = sa.select(calendar_week.c.weekdays, calendar_week.c.hours,
                  sa.type_coerce(sa.null(), sa.Date).label("day"),
                  sa.type_coerce(sa.null(), sa.Boolean).label("working"),
                  ).where(calendar_week.c.id == ROW_ID)
_DAYS = sa.select(sa.type_coerce(sa.null(), sa.JSON), sa.type_coerce(sa.null(), sa.JSON),
                  calendar_days.c.day, calendar_days.c.working)
#: The calendar with every exception; with those from day ``p_since`` on.
_WHOLE = sa.union_all(_WEEK, _DAYS)
_SINCE = sa.union_all(_WEEK, _DAYS.where(calendar_days.c.day >= sa.bindparam("p_since")))


def add_business_time(conn: Connection, start: datetime, amount: int, unit: str,
                      timezone: tzinfo | None = None) -> datetime:
    """``start`` plus ``amount`` business days (``"bd"``) or hours (``"bh"``) on the
    working calendar; the result is an aware UTC datetime."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    start = start.astimezone(UTC)
    calendar = load_calendar(conn, timezone, since=start.date() - timedelta(days=1))
    if unit == "bd":
        return calendar.add_days(start, amount)
    if unit == "bh":
        return calendar.add_hours(start, amount)
    raise ValueError(f"not a business time unit: {unit!r}")


def default_timezone() -> tzinfo:
    return ZoneInfo(DEFAULTS["TIMEZONE"])


# -- the stored form of hours ----------------------------------------------------------


def parse_time(text: str) -> time:
    """``"09:30"`` -> time(9, 30); a ``ValueError`` for anything else."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise ValueError(text)
    hour, minute = text.split(":")
    if not (hour.isdigit() and minute.isdigit()):
        raise ValueError(text)
    return time(int(hour), int(minute))


def parse_period(pair: Sequence[str]) -> Period:
    begin, end = pair
    return parse_time(begin), parse_time(end)


def format_period(period: Period) -> list[str]:
    return [period[0].strftime("%H:%M"), period[1].strftime("%H:%M")]


def valid_hours(periods: Iterable[Period]) -> bool:
    """Periods are valid when each starts before it ends and they follow one another
    without overlapping."""
    periods = list(periods)
    if not periods:
        return False
    previous_end = None
    for begin, end in periods:
        if begin >= end or (previous_end is not None and begin < previous_end):
            return False
        previous_end = end
    return True
