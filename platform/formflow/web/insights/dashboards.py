"""Dashboards over records (``/dashboards/<app>/<name>``): number cards, charts drawn on
the server with a table of their numbers beside, tables, and the dashboard's filters.
What each reader sees is decided by :class:`formflow.insights.dashboards.DashboardService`.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from formflow.errors import ValidationFailed
from formflow.i18n import render_errors
from formflow.insights.dashboards import Shown
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.insights.charts import bar_chart, line_chart, pie_chart
from formflow.web.language import page_language
from formflow.web.rendering import render

CHARTS = {"bar": bar_chart, "line": line_chart, "pie": pie_chart}


@web.get("/dashboards/<app>/<name>")
def view_dashboard(app: str, name: str):
    user, lang = signed_in(), page_language()
    service = get_runtime().dashboards
    dashboard = service.dashboard(user, app, name)
    errors, widgets = {}, []
    try:
        chosen = service.parse_filters(dashboard, request.args)
    except ValidationFailed as failed:
        errors, chosen = render_errors(failed.errors, lang), {}
    widgets = service.show(user, dashboard, chosen, lang)
    filters = [(f, service.filter_kind(dashboard, f)) for f in dashboard.filters]
    return render("insights/dashboard", dashboard=dashboard, widgets=widgets,
                  charts={w.widget.name: _chart(w, lang) for w in widgets}, filters=filters,
                  field_label=lambda f: _field_label(widgets, f, lang), args=request.args,
                  errors=errors, lang=lang, amount=_amount, status=422 if errors else 200,
                  page_area="dashboards")


def _chart(shown: Shown, lang: str) -> str | None:
    draw = CHARTS.get(shown.widget.type)
    if draw is None or not shown.points:
        return None
    return draw(shown.points, shown.widget.label.text(lang), _amount,
                f"chart-{shown.widget.name}")


def _field_label(widgets: list[Shown], name: str, lang: str) -> str:
    system = {"_created_at": _("Created"), "_updated_at": _("Updated"), "_state": _("State"),
              "_created_by": _("Created by")}
    if name in system:
        return system[name]
    for shown in widgets:
        found = next((f for f in shown.entity.scalar_fields if f.name == name), None)
        if found is not None:
            return found.label.text(lang)
    return name


def _amount(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
