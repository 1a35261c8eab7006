"""The dashboard editor of the designer: ``/designer/<app>/dashboards`` lists an app's
dashboards and makes new ones; ``/designer/<app>/dashboards/<d>`` edits one — its title,
description and filters, and its widgets (number cards, bar, line and pie charts,
tables), each added, changed, moved or removed by one design operation on the draft.
Publishing the app makes the change live on ``/dashboards/<app>/<d>``."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _

from formflow.design.service import Draft
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.designer_model import label_of, order_op, posted_name, text
from formflow.web.designer_saving import saved
from formflow.web.language import page_language
from formflow.web.rendering import render

WIDGET_TYPES = ("number", "bar", "line", "pie", "table")
AGGREGATES = ("count", "sum", "avg")
BUCKETS = ("day", "week", "month")
SYSTEM_FIELDS = ("_number", "_title", "_state", "_created_at", "_updated_at", "_created_by")
#: Widget properties a form posts as one text each.
TEXT_PROPERTIES = ("aggregate", "field", "group_by", "bucket", "sort")
ACTIONS = frozenset({"settings", "add_widget", "widget", "move_up", "move_down",
                     "remove_widget", "remove"})


def _dashboards(draft: Draft) -> dict[str, dict]:
    return {key[len("dashboards/"):-len(".json")]: document
            for key, document in sorted(draft.documents.items())
            if key.startswith("dashboards/") and isinstance(document, dict)}


def _entities(draft: Draft) -> dict[str, list[str]]:
    """Each entity of the draft with the names its widgets may use."""
    found = {}
    for key, document in sorted(draft.documents.items()):
        if key.startswith("entities/") and isinstance(document, dict):
            fields = [f.get("name") for f in document.get("fields", [])
                      if isinstance(f, dict) and f.get("type") != "table" and f.get("name")]
            found[key[len("entities/"):-len(".json")]] = [*fields, *SYSTEM_FIELDS]
    return found


def widget_value(form, name: str) -> dict:
    """The widget document a widget form describes (empty choices left out)."""
    value: dict = {"name": name, "type": form.get("type", ""), "entity": form.get("entity", "")}
    label = label_of(form)
    if label:
        value["label"] = label
    for key in TEXT_PROPERTIES:
        if form.get(key, "").strip():
            value[key] = form[key].strip()
    columns = [c for c in form.getlist("columns") if c]
    if columns:
        value["columns"] = columns
    limit = form.get("limit", "").strip()
    if limit:
        value["limit"] = int(limit) if limit.isdigit() else limit
    return value


def _editor(app: str, dashboard: str):
    return redirect(url_for("web.designer_dashboard", app=app, dashboard=dashboard))


@web.get("/designer/<app>/dashboards")
def designer_dashboards(app: str):
    draft = service().draft(signed_in(), app)
    return render("designer/dashboards", app=app, draft=draft, dashboards=_dashboards(draft),
                  entities=_entities(draft), lang=page_language(), text=text)


@web.post("/designer/<app>/dashboards")
def designer_add_dashboard(app: str):
    """A new dashboard (name proposed from its title) with one number card counting the
    records of the chosen entity: a dashboard always shows at least one widget."""
    draft = service().draft(signed_in(), app)
    label = label_of(request.form)
    taken = set(_dashboards(draft))
    name = posted_name(request.form, label, taken, "dashboard")
    entity = request.form.get("entity", "")
    first = {"name": "records", "type": "number", "entity": entity,
             "label": {"en": "Records", "zh-CN": "记录数"}}
    value = {"label": label or name, "widgets": [first]}
    if saved(app, [{"op": "add", "path": f"dashboards/{name}", "value": value}]):
        return _editor(app, name)
    return redirect(url_for("web.designer_dashboards", app=app))


@web.get("/designer/<app>/dashboards/<dashboard>")
def designer_dashboard(app: str, dashboard: str):
    draft = service().draft(signed_in(), app)
    document = _dashboards(draft).get(dashboard)
    if document is None:
        abort(404)
    prefix = f"dashboards/{dashboard}"
    problems = [p for p in draft.problems
                if p["path"] == prefix or p["path"].startswith(prefix + "/")]
    entities = _entities(draft)
    return render("designer/dashboard", app=app, draft=draft, name=dashboard,
                  document=document, entities=entities, problems=problems,
                  filter_fields=_filter_fields(document, entities), **_words(),
                  lang=page_language(), text=text)


def _filter_fields(document: dict, entities: dict[str, list[str]]) -> list[str]:
    """The names a dashboard filter may use: those of its widgets' entities."""
    names: dict[str, None] = {}
    for widget in document.get("widgets", []):
        if isinstance(widget, dict):
            names.update(dict.fromkeys(entities.get(widget.get("entity"), [])))
    return list(names)


def _words() -> dict:
    """The choices of a widget's form, in the page's language."""
    return {
        "types": WIDGET_TYPES, "aggregates": AGGREGATES, "buckets": BUCKETS,
        "widget_types": {"number": _("Number card"), "bar": _("Bar chart"),
                         "line": _("Line chart"), "pie": _("Pie chart"), "table": _("Table")},
        "aggregate_words": {"count": _("Count"), "sum": _("Sum"), "avg": _("Average")},
        "bucket_words": {"day": _("Day"), "week": _("Week"), "month": _("Month")},
    }


@web.post("/designer/<app>/dashboards/<dashboard>")
def designer_change_dashboard(app: str, dashboard: str):
    form = request.form
    action = form.get("action")
    if action not in ACTIONS:
        abort(400)
    path = f"dashboards/{dashboard}"
    if action == "remove":
        if saved(app, [{"op": "remove", "path": path}]):
            return redirect(url_for("web.designer_dashboards", app=app))
        return _editor(app, dashboard)
    saved(app, _ops(app, dashboard, action, form))
    return _editor(app, dashboard)


def _ops(app: str, dashboard: str, action: str, form) -> list[dict]:
    """The operations of one of the editor's forms."""
    path = f"dashboards/{dashboard}"
    if action == "settings":
        filters = [f for f in form.getlist("filters") if f]
        return [{"op": "set", "path": f"{path}/label", "value": label_of(form) or dashboard},
                {"op": "set", "path": f"{path}/description",
                 "value": label_of(form, "description")},
                {"op": "set", "path": f"{path}/filters", "value": filters or None}]
    if action == "add_widget":
        draft = service().draft(signed_in(), app)
        widgets = (_dashboards(draft).get(dashboard) or {}).get("widgets", [])
        label = label_of(form)
        name = posted_name(form, label, {w.get("name") for w in widgets if isinstance(w, dict)},
                           "widget", field="widget")
        return [{"op": "add", "path": f"{path}/widgets/{name}",
                 "value": widget_value(form, name)}]
    widget = form.get("widget", "")
    at = f"{path}/widgets/{widget}"
    if action == "widget":
        return [{"op": "set", "path": at, "value": widget_value(form, widget)}]
    if action == "remove_widget":
        return [{"op": "remove", "path": at}]
    return [_move(app, dashboard, widget, up=action == "move_up")]


def _move(app: str, dashboard: str, widget: str, *, up: bool) -> dict:
    """The ``order`` operation moving ``widget`` one place up or down."""
    draft = service().draft(signed_in(), app)
    names = [w.get("name") for w in (_dashboards(draft).get(dashboard) or {}).get("widgets", [])
             if isinstance(w, dict)]
    return order_op(names, widget, f"dashboards/{dashboard}/widgets/{widget}", up=up)
