"""The notifications page (``/notifications``): what the process engine told the user (a
new task, a copy, a reminder, a breached deadline, a nudge, the outcome of their
request), newest first, each linking
to its record; mark one or all read.  The words come from
:mod:`formflow.process.notifications.service`, in the page's language.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l

from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.records.display import titles_in
from formflow.web.rendering import fragment, is_htmx, render

#: How many notifications a page lists, and how far back the pages go.
SHOWN = 100
MAX_PAGE = 50
KINDS = {
    "task": (_l("Task"), "text-bg-primary"),
    "cc": (_l("Copy"), "text-bg-info"),
    "reminder": (_l("Reminder"), "text-bg-warning"),
    "breach": (_l("Overdue"), "text-bg-danger"),
    "nudge": (_l("Nudge"), "text-bg-secondary"),
    "approved": (_l("Approved"), "text-bg-success"),
    "rejected": (_l("Rejected"), "text-bg-danger"),
    "sent_back": (_l("Sent back"), "text-bg-warning"),
    "transferred": (_l("Transferred"), "text-bg-secondary"),
    "commented": (_l("Comment"), "text-bg-info"),
}


def _unread_only() -> bool:
    return (request.values.get("unread") or "") in ("1", "true")


def _page_number() -> int:
    text = request.values.get("page") or ""
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_PAGE else 1


def _listing(unread: bool) -> dict:
    user, lang, page = signed_in(), page_language(), _page_number()
    found = get_runtime().notifications.list(
        user, lang, unread=unread, limit=SHOWN, offset=(page - 1) * SHOWN,
        titles=lambda pairs: titles_in(user, lang, pairs),
    )
    for item in found["items"]:
        item["url"] = url_for(
            "web.view_record", app=item["app"], entity=item["entity"], record_id=item["record_id"]
        )
    return {"listing": found, "unread_only": unread, "kinds": KINDS, "page_area": "notifications",
            "page_number": page, "more": found["total"] > page * SHOWN}


@web.get("/notifications")
def notifications():
    return render("notifications/notifications", "notifications/_list", **_listing(_unread_only()))


@web.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    get_runtime().notifications.mark_read(signed_in(), notification_id, page_language())
    return _again()


@web.post("/notifications/read")
def read_all_notifications():
    get_runtime().notifications.mark_all_read(signed_in())
    return _again()


def _again():
    """The list again (htmx, with the navigation counts out of band), or back to it."""
    unread = _unread_only()
    if is_htmx():
        return fragment("notifications/_marked", **_listing(unread))
    return redirect(url_for("web.notifications", unread=1 if unread else None))
