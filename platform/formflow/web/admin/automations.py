"""Admin page for automations (``/admin/automations``): the automations the apps define,
and their runs, newest first, failures with the reason; filtered by status.  The run log
is :class:`formflow.automations.log.AutomationLog`, which only admins may read."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from formflow.automations.log import STATUSES
from formflow.runtime import get_runtime
from formflow.web.admin.area import admin, admin_render
from formflow.web.auth import signed_in
from formflow.web.language import page_language


@admin.get("/automations")
def automations():
    user = signed_in()
    runtime = get_runtime()
    status = request.args.get("status", "").strip()
    page = request.args.get("page", "1")
    listing = runtime.automation_log.runs(
        user, status=status if status in STATUSES else None,
        page=int(page) if page.isdigit() else 1)
    return admin_render(
        "admin/automations", "automations", [(_("Automations"), None)],
        automations=runtime.model.automations(), listing=listing, chosen=status,
        statuses=STATUSES, lang=page_language(), model=runtime.model,
    )
