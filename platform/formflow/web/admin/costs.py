"""Admin page of hourly costs per role (``/admin/costs``), which process figures turn
into the cost of a case.  :class:`formflow.insights.feedback.FeedbackService` decides."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import ValidationFailed
from formflow.runtime import get_runtime
from formflow.web.admin.area import admin, admin_render
from formflow.web.auth import signed_in
from formflow.web.forms import field_errors


def _costs_page(status: int = 200, values=None, errors=None):
    user = signed_in()
    runtime = get_runtime()
    rows = runtime.directory.roles(user)
    costs = runtime.feedback.costs(user)
    if values is None:
        values = {role: str(cost) for role, cost in costs.items()}
    return admin_render("admin/costs", "costs", [(_("Hourly costs"), None)], status=status,
                        rows=rows, values=values, errors=errors or {})


@admin.get("/costs")
def costs():
    return _costs_page()


@admin.post("/costs")
def save_costs():
    user = signed_in()
    runtime = get_runtime()
    roles = [row.name for row in runtime.directory.roles(user)]
    values = {role: request.form.get(f"cost-{role}", "") for role in roles}
    try:
        runtime.feedback.set_costs(user, values, roles)
    except ValidationFailed as failed:
        return _costs_page(422, values, field_errors(failed))
    flash(_("Hourly costs saved."), "success")
    return redirect(url_for("web.admin.costs"))
