"""REST routes for the caller's notifications, and the process event log as CSV."""

from __future__ import annotations

from flask import jsonify, request

from formflow.api.authentication import current_api_user
from formflow.api.routes import BadRequest, api
from formflow.http.downloads import download
from formflow.http.language import request_language
from formflow.i18n import Message
from formflow.runtime import get_runtime


@api.get("/notifications")
def my_notifications():
    """Newest first; ``?unread=1`` for the unread ones only, ``?limit=`` (max 200)."""
    user = current_api_user()
    unread = request.args.get("unread", "0").lower() in ("1", "true", "yes")
    limit = request.args.get("limit", "50")
    if not (limit.isascii() and limit.isdigit() and 0 < int(limit) <= 200):
        raise BadRequest(Message("invalid_page", {"name": "limit", "min": 1, "max": 200}))
    result = get_runtime().notifications.list(
        user, request_language(user), unread=unread, limit=int(limit))
    return jsonify(result)


@api.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    user = current_api_user()
    return jsonify(get_runtime().notifications.mark_read(
        user, notification_id, request_language(user)))


@api.post("/notifications/read")
def read_all_notifications():
    user = current_api_user()
    return jsonify(marked=get_runtime().notifications.mark_all_read(user))


@api.get("/events.csv")
def events_csv():
    """The event log, for process mining; ``?entity=app.entity`` for one entity."""
    user = current_api_user()
    chunks = get_runtime().events.export(user, request.args.get("entity"))
    name = (request.args.get("entity") or "events").replace(".", "-")
    return download(chunks, "text/csv", f"{name}-events.csv")
