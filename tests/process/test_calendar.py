"""The working calendar: durations on the clock and in business days and hours (across
weekends, lunch, holidays and make-up days), the admin API and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from formflow.auth.admin_log import CLI
from formflow.cli import main
from formflow.process.calendar.deadlines import deadline
from formflow.process.calendar.service import save_day, save_week
from formflow.process.calendar.working import DEFAULT_HOURS, WorkCalendar, add_business_time
from support import TEST_APPS
from support.helpers import problem

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def metadata_path():
    return [TEST_APPS / "sla"]


def at(day: str, clock: str = "00:00", zone=SHANGHAI) -> datetime:
    """A moment in Shanghai (the default business time zone): at("2025-01-03", "17:00")."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=zone)


# 2025: Friday 3 January, the weekend of 4-5 January, Monday 6 January.  Spring Festival:
# holidays 28 January - 4 February, make-up working days Sunday 26 January and Saturday
# 8 February (调休).
SPRING_FESTIVAL = {
    **{date(2025, 1, d): False for d in range(28, 32)},
    **{date(2025, 2, d): False for d in range(1, 5)},
    date(2025, 1, 26): True,
    date(2025, 2, 8): True,
}
WEEK = WorkCalendar(SHANGHAI, frozenset({1, 2, 3, 4, 5}), DEFAULT_HOURS, {})
FESTIVE = WorkCalendar(SHANGHAI, frozenset({1, 2, 3, 4, 5}), DEFAULT_HOURS, SPRING_FESTIVAL)


@pytest.mark.parametrize(("start", "duration", "expected"), [
    (at("2025-01-03", "17:50"), "30m", at("2025-01-03", "18:20")),
    (at("2025-01-03", "17:00"), "24h", at("2025-01-04", "17:00")),  # the clock ignores weekends
    (at("2025-01-03", "17:00"), "3d", at("2025-01-06", "17:00")),
])
def test_clock_durations_ignore_the_calendar(start, duration, expected):
    assert deadline(None, start, duration) == expected


@pytest.mark.parametrize(("start", "hours", "expected"), [
    (at("2025-01-06", "10:00"), 1, at("2025-01-06", "11:00")),
    (at("2025-01-06", "11:00"), 2, at("2025-01-06", "14:00")),  # the lunch break does not count
    (at("2025-01-06", "17:00"), 1, at("2025-01-06", "18:00")),  # ends with the day
    (at("2025-01-03", "17:00"), 4, at("2025-01-06", "12:00")),  # Friday to Monday
    (at("2025-01-04", "10:00"), 1, at("2025-01-06", "10:00")),  # from a Saturday
    (at("2025-01-06", "07:00"), 1, at("2025-01-06", "10:00")),  # before work starts
    (at("2025-01-06", "12:30"), 1, at("2025-01-06", "14:00")),  # during lunch
    (at("2025-01-06", "19:00"), 8, at("2025-01-07", "18:00")),  # a whole working day
    (at("2025-01-06", "19:00"), 9, at("2025-01-08", "10:00")),
])
def test_business_hours_count_working_time_only(start, hours, expected):
    assert WEEK.add_hours(start, hours) == expected


@pytest.mark.parametrize(("start", "days", "expected"), [
    (at("2025-01-06", "10:00"), 1, at("2025-01-07", "10:00")),
    (at("2025-01-03", "10:00"), 1, at("2025-01-06", "10:00")),  # over the weekend
    (at("2025-01-03", "20:00"), 1, at("2025-01-07", "09:00")),  # after hours: from Monday 9:00
    (at("2025-01-06", "07:30"), 1, at("2025-01-07", "09:00")),  # before hours
    (at("2025-01-06", "12:30"), 1, at("2025-01-07", "13:00")),  # during lunch
    (at("2025-01-04", "10:00"), 2, at("2025-01-08", "09:00")),  # from a Saturday
    (at("2025-01-06", "10:00"), 5, at("2025-01-13", "10:00")),
])
def test_business_days_keep_the_time_of_day_inside_working_hours(start, days, expected):
    assert WEEK.add_days(start, days) == expected


@pytest.mark.parametrize(("start", "amount", "unit", "expected"), [
    # Friday 24 January + 2bd: the make-up Sunday 26th counts, then Monday 27th.
    (at("2025-01-24", "10:00"), 2, "bd", at("2025-01-27", "10:00")),
    # Monday 27th + 1bd jumps the eight holidays.
    (at("2025-01-27", "10:00"), 1, "bd", at("2025-02-05", "10:00")),
    (at("2025-01-27", "17:00"), 2, "bh", at("2025-02-05", "10:00")),
    # A make-up Saturday is a working day; Sunday after it is not.
    (at("2025-02-07", "17:00"), 2, "bh", at("2025-02-08", "10:00")),
    (at("2025-02-07", "10:00"), 2, "bd", at("2025-02-10", "10:00")),
    (at("2025-01-25", "12:00"), 1, "bh", at("2025-01-26", "10:00")),
])
def test_holidays_and_make_up_days_are_respected(start, amount, unit, expected):
    result = FESTIVE.add_days(start, amount) if unit == "bd" else FESTIVE.add_hours(start, amount)
    assert result == expected


def test_a_calendar_without_working_days_fails_loudly():
    never = WorkCalendar(SHANGHAI, frozenset(), DEFAULT_HOURS, {})
    with pytest.raises(ValueError):
        never.add_hours(at("2025-01-06", "10:00"), 1)


def test_results_are_utc_and_follow_the_business_time_zone():
    start = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    result = WEEK.add_hours(start, 1)
    assert result.tzinfo == UTC and result == datetime(2025, 1, 6, 2, 0, tzinfo=UTC)
    berlin = WorkCalendar(ZoneInfo("Europe/Berlin"), frozenset({1, 2, 3, 4, 5}), DEFAULT_HOURS, {})
    assert berlin.add_hours(start, 1) == at("2025-01-06", "10:00", ZoneInfo("Europe/Berlin"))


def test_stored_exceptions_and_hours_drive_deadlines(runtime):
    with runtime.db.write() as conn:
        for day, working in SPRING_FESTIVAL.items():
            save_day(conn, day, working, actor=CLI)
        assert deadline(conn, at("2025-01-27", "10:00"), "1bd", SHANGHAI) == \
            at("2025-02-05", "10:00")
        assert add_business_time(conn, at("2025-01-24", "10:00"), 2, "bd", SHANGHAI) == \
            at("2025-01-27", "10:00")
        save_week(conn, (1, 2, 3, 4, 5, 6), ((time(8, 30), time(17, 30)),), actor=CLI)
        # Saturday 11 January now works, from 8:30.
        assert deadline(conn, at("2025-01-10", "17:00"), "2bh", SHANGHAI) == \
            at("2025-01-11", "10:00")


def test_deadlines_use_the_default_hours_without_a_stored_calendar(runtime):
    with runtime.db.read() as conn:
        assert deadline(conn, at("2025-01-03", "17:00"), "4bh") == at("2025-01-06", "12:00")


# -- the admin API ------------------------------------------------------------------------


def test_admin_reads_the_default_calendar(admin_api):
    response = admin_api.get("admin/calendar")
    assert response.status_code == 200
    assert response.get_json() == {
        "timezone": "Asia/Shanghai", "weekdays": [1, 2, 3, 4, 5],
        "hours": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
        "days": [],
    }


def test_admin_sets_the_working_week(admin_api, runtime):
    body = {"weekdays": [1, 2, 3, 4, 5, 6], "hours": [{"start": "08:30", "end": "17:30"}]}
    response = admin_api.put("admin/calendar", json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["hours"] == [{"start": "08:30", "end": "17:30"}]
    assert admin_api.get("admin/calendar").get_json()["weekdays"] == [1, 2, 3, 4, 5, 6]
    with runtime.db.read() as conn:
        # Half an hour on Friday until 17:30, the other half on Saturday from 8:30.
        assert deadline(conn, at("2025-01-10", "17:00"), "1bh", SHANGHAI) == \
            at("2025-01-11", "09:00")
    # A key left out keeps its value.
    assert admin_api.put("admin/calendar", json={"weekdays": [1, 2, 3]}).get_json()["hours"] == \
        [{"start": "08:30", "end": "17:30"}]


@pytest.mark.parametrize(("body", "field"), [
    ({"weekdays": []}, "weekdays"),
    ({"weekdays": [0, 1]}, "weekdays"),
    ({"weekdays": [1, 1]}, "weekdays"),
    ({"weekdays": "1-5"}, "weekdays"),
    ({"hours": []}, "hours"),
    ({"hours": [{"start": "12:00", "end": "09:00"}]}, "hours"),
    ({"hours": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "18:00"}]}, "hours"),
    ({"hours": [{"start": "9:00", "end": "12:00"}]}, "hours"),
    ({"hours": [["09:00", "12:00"]]}, "hours"),
    ({"weekend": [6, 7]}, "weekend"),
])
def test_invalid_calendars_are_refused(admin_api, body, field):
    body = problem(admin_api.put("admin/calendar", json=body), 422)
    assert field in body["errors"]
    assert admin_api.get("admin/calendar").get_json()["weekdays"] == [1, 2, 3, 4, 5]


def test_admin_marks_holidays_and_make_up_days(admin_api):
    response = admin_api.put("admin/calendar/days/2025-10-01",
                             json={"working": False, "note": "National Day"})
    assert response.status_code == 200
    assert response.get_json() == {"day": "2025-10-01", "working": False, "note": "National Day"}
    bulk = admin_api.post("admin/calendar/days", json={"items": [
        {"day": "2025-09-28", "working": True, "note": "调休"},
        {"day": "2025-10-02"},
        {"day": "2026-01-01", "note": "New Year"},
    ]})
    assert bulk.status_code == 200, bulk.get_json()
    days = admin_api.get("admin/calendar/days?year=2025").get_json()["items"]
    assert [(d["day"], d["working"]) for d in days] == [
        ("2025-09-28", True), ("2025-10-01", False), ("2025-10-02", False)]
    assert len(admin_api.get("admin/calendar/days").get_json()["items"]) == 4
    assert admin_api.delete("admin/calendar/days/2025-10-02").status_code == 204
    problem(admin_api.delete("admin/calendar/days/2025-10-02"), 404)
    assert len(admin_api.get("admin/calendar/days?year=2025").get_json()["items"]) == 2


@pytest.mark.parametrize(("path", "body", "field"), [
    ("admin/calendar/days/2025-13-01", {"working": False}, "day"),
    ("admin/calendar/days/tomorrow", {"working": False}, "day"),
    ("admin/calendar/days/2025-10-01", {"working": "no"}, "working"),
    ("admin/calendar/days/2025-10-01", {"note": "x" * 201}, "note"),
    ("admin/calendar/days/2025-10-01", {"holiday": True}, "holiday"),
])
def test_invalid_days_are_refused(admin_api, path, body, field):
    assert field in problem(admin_api.put(path, json=body), 422)["errors"]


def test_bulk_errors_name_the_item(admin_api):
    body = problem(admin_api.post("admin/calendar/days", json={"items": [
        {"day": "2025-10-01"}, {"day": "2025-02-30"}]}), 422)
    assert list(body["errors"]) == ["items[1].day"]
    assert admin_api.get("admin/calendar/days").get_json()["items"] == []


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "admin/calendar", None),
    ("put", "admin/calendar", {"weekdays": [1]}),
    ("get", "admin/calendar/days", None),
    ("post", "admin/calendar/days", {"items": [{"day": "2025-10-01"}]}),
    ("put", "admin/calendar/days/2025-10-01", {"working": False}),
    ("delete", "admin/calendar/days/2025-10-01", None),
])
def test_only_admins_may_use_the_calendar_api(make_user, api_as, method, path, body):
    client = api_as(make_user("lena", roles=["lead"]))
    kwargs = {"json": body} if body is not None else {}
    problem(getattr(client, method)(path, **kwargs), 403)


# -- the CLI ------------------------------------------------------------------------------


def test_cli_marks_days_and_sets_hours(runner, runtime):
    result = runner.invoke(main, ["calendar", "holiday", "2025-10-01", "--note", "National Day"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["calendar", "holiday", "2025-09-28", "--working"])
    assert result.exit_code == 0 and "working day" in result.output
    result = runner.invoke(main, ["calendar", "hours", "--weekdays", "1,2,3,4,5,6",
                                  "--hours", "08:00-12:00,13:00-17:00"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(main, ["calendar", "show", "--year", "2025"]).output
    assert "1,2,3,4,5,6" in shown and "08:00-12:00, 13:00-17:00" in shown
    assert "2025-10-01  holiday" in shown and "National Day" in shown
    assert "2025-09-28  working day" in shown
    assert runner.invoke(main, ["calendar", "remove", "2025-10-01"]).exit_code == 0
    assert "2025-10-01" not in runner.invoke(main, ["calendar", "show"]).output
    with runtime.db.read() as conn:
        assert deadline(conn, at("2025-01-10", "16:00"), "2bh", SHANGHAI) == \
            at("2025-01-11", "09:00")


@pytest.mark.parametrize("args", [
    ["calendar", "holiday", "2025-02-30"],
    ["calendar", "hours", "--hours", "12:00-09:00"],
    ["calendar", "hours", "--weekdays", "0,1"],
])
def test_cli_refuses_bad_input(runner, args):
    result = runner.invoke(main, args)
    assert result.exit_code != 0
