"""REST routes for admins: the working calendar (working weekdays and hours, holidays
and make-up working days) and the admin log.  Every route answers 403 to a caller who
is not an admin."""

from __future__ import annotations

from flask import jsonify, request

from formflow.api.authentication import current_api_user
from formflow.api.routes import BadRequest, api, json_body
from formflow.i18n import Message
from formflow.runtime import get_runtime


def _year() -> int | None:
    text = request.args.get("year")
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise BadRequest(Message("invalid_choice", {"value": text[:40]}))
    return int(text)


@api.get("/admin/calendar")
def get_calendar():
    """The week, and the dated exceptions of ``?year=`` (default: this year on)."""
    user = current_api_user()
    return jsonify(get_runtime().calendar.read(user, _year()))


@api.put("/admin/calendar")
def put_calendar():
    user = current_api_user()
    return jsonify(get_runtime().calendar.update(user, json_body()))


@api.get("/admin/calendar/days")
def calendar_days():
    user = current_api_user()
    return jsonify(items=get_runtime().calendar.days(user, _year()))


@api.post("/admin/calendar/days")
def set_calendar_days():
    user = current_api_user()
    return jsonify(items=get_runtime().calendar.set_days(user, json_body()))


@api.put("/admin/calendar/days/<day>")
def set_calendar_day(day: str):
    user = current_api_user()
    return jsonify(get_runtime().calendar.set_day(user, day, json_body()))


@api.delete("/admin/calendar/days/<day>")
def delete_calendar_day(day: str):
    user = current_api_user()
    get_runtime().calendar.remove_day(user, day)
    return "", 204


@api.get("/admin/audit")
def admin_audit():
    """The admin log, newest first: ``?action=&actor=&since=&until=&page=&per_page=``."""
    user = current_api_user()
    _, found = get_runtime().admin_log.page(user, request.args)
    return jsonify(items=found.items, total=found.total, page=found.page,
                   per_page=found.per_page)
