"""Admin page for the admin log (``/admin/audit``): who did what to users, roles,
departments, tokens, the calendar and webhooks, newest first, filtered by action,
actor and time (what ``GET /api/v1/admin/audit`` answers)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from formflow.errors import ValidationFailed
from formflow.runtime import get_runtime
from formflow.web.admin.area import admin, admin_render
from formflow.web.auth import signed_in
from formflow.web.forms import field_errors

FILTERS = ("action", "actor", "since", "until")


@admin.get("/audit")
def audit():
    user = signed_in()
    filters = {name: request.args.get(name, "").strip() for name in FILTERS}
    context = {"filters": filters, "actions": get_runtime().admin_log.actions, "errors": {},
               "listing": None}
    status = 200
    try:
        context["listing"] = get_runtime().admin_log.page(user, request.args)[1]
    except ValidationFailed as failed:
        context["errors"], status = field_errors(failed), 400
    return admin_render("admin/audit", "audit", [(_("Audit log"), None)],
                        partial="admin/_audit_results", status=status, **context)
