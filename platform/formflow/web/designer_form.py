"""The form designer (``/designer/<app>/<entity>``): palette, canvas and property panel.

Every change the page makes is one request carrying the draft revision it edited; it
becomes one call of the design service (one or a few operations in one transaction)
and answers the whole designer again: "Saved ✓", the problems, or — when someone else
changed the draft meanwhile (a stale revision) — a message asking to reload."""

from __future__ import annotations

from flask import abort, redirect, request, url_for

from formflow.design.operations import HIDDEN
from formflow.design.overlay_rules import SITE_PREFIX
from formflow.design.service import Draft
from formflow.errors import NotFound, StaleVersion, ValidationFailed
from formflow.i18n import Message
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.designer_conditions import condition_ops, panel_builders, rule_builders
from formflow.web.designer_model import (
    LABEL_LANGUAGES,
    add_section_ops,
    field_path,
    move_op,
    options_text,
    panel,
    parse_options,
    place_ops,
    property_value,
    propose_name,
    section_of,
    sections,
    text,
    with_hidden,
)
from formflow.web.forms import field_errors
from formflow.web.language import page_language
from formflow.web.rendering import render

ACTIONS = frozenset({"add", "move", "drop", "set", "options", "remove", "undo", "redo",
                     "section", "columns", "place", "hide", "condition", "rule",
                     "rule_remove"})


def _entity(draft: Draft, entity: str) -> dict:
    document = draft.documents.get(f"entities/{entity}.json")
    if not isinstance(document, dict):
        raise NotFound(Message("design_path_missing", {"path": f"entities/{entity}"}))
    return document


def _fields(document: dict, table: str | None) -> list[dict]:
    fields = [f for f in document.get("fields", []) if isinstance(f, dict)]
    if table is None:
        return fields
    owner = next((f for f in fields if f.get("name") == table), {})
    return [f for f in owner.get("fields", []) if isinstance(f, dict)]


def _page(app: str, entity: str, draft: Draft | None = None, status: int = 200,
          selected: str | None = None, table: str | None = None, **context):
    user = signed_in()
    draft = draft or service().draft(user, app, present=True)
    document = _entity(draft, entity)
    lang = page_language()
    palette = get_runtime().field_types.palette()
    schemas = {item["name"]: item["property_schema"] for item in palette}
    field = next((f for f in _fields(document, table) if f.get("name") == selected), None)
    summary = next((a for a in service().apps(user) if a["name"] == app), {})
    shipped = summary.get("owner") == "shipped"
    controls = panel(schemas.get(field.get("type"), {}), field, lang) if field else []
    published = _fields(service().published(user, app).get(f"entities/{entity}.json") or {},
                        table)
    published_names = {f.get("name") for f in published}
    return render("designer/form", "designer/_workbench", status=status, app=app,
                  entity_name=entity, draft=draft, document=document, lang=lang, text=text,
                  palette=palette, field=field, table=table, controls=controls,
                  options=options_text(field.get("options")) if field else "",
                  languages=LABEL_LANGUAGES, shipped=shipped,
                  published_field=bool(field) and (
                      field.get("renamed_from") or field.get("name")) in published_names,
                  hidden_if=HIDDEN, sections=sections(document),
                  section=section_of(document, field.get("name")) if field else "",
                  conditions=panel_builders(app, entity, document, field, table, draft, True),
                  rules=[] if field or table else rule_builders(app, entity, document, draft,
                                                                True),
                  **context)


def _columns(raw) -> int:
    """A section's number of columns: 1 to 4."""
    return int(raw) if raw in ("1", "2", "3", "4") else 1


@web.get("/designer/<app>/<entity>")
def designer_form(app: str, entity: str):
    return _page(app, entity, selected=request.args.get("field"),
                 table=request.args.get("table") or None)


def _ops(action: str, entity: str, document: dict, form, own: str) -> list[dict]:
    """The operations one submission of the page stands for; ``own`` starts the names
    it gives (``x_`` on a shipped app)."""
    table = form.get("table") or None
    name = form.get("field", "")
    fields = _fields(document, table)
    if action == "add":
        label = form.get("label", "").strip() or form.get("type", "")
        taken = {f.get("name") for f in fields}
        new = {"name": propose_name(label, taken, own=own), "type": form.get("type", ""),
               "label": {"zh-CN" if page_language() == "zh-CN" else "en": label}}
        if new["type"] in ("select", "multiselect"):
            new["options"] = [{"value": "a", "label": {"en": "A", "zh-CN": "A"}}]
        op = {"op": "add", "path": field_path(entity, new["name"], table), "value": new}
        if form.get("after") is not None:
            op["after"] = form["after"]
        return [op]
    if action == "move":
        op = move_op(entity, fields, name, -1 if form.get("step") == "up" else 1, table)
        return [op] if op else []
    if action == "drop":
        return [{"op": "order", "path": field_path(entity, name, table),
                 "after": form.get("after", "")}]
    if action in ("remove", "hide"):
        return [{"op": action, "path": field_path(entity, name, table)}]
    if action == "section":
        return add_section_ops(entity, document, form.get("label", "").strip(),
                               _columns(form.get("value")), page_language(), own)
    if action == "columns":
        return [{"op": "set", "path": f"entities/{entity}/form/sections/"
                 f"{form.get('section', '')}/columns", "value": _columns(form.get("value"))}]
    if action == "place":
        return place_ops(entity, document, name, form.get("value", ""))
    if action in ("condition", "rule", "rule_remove"):
        return condition_ops(action, entity, document, form, table)
    field = next((f for f in fields if f.get("name") == name), {})
    if action == "options":
        return [{"op": "set", "path": field_path(entity, name, table) + "/options",
                 "value": with_hidden(parse_options(form.get("value", "")),
                                      field.get("options"))}]
    palette = {t["name"]: t["property_schema"] for t in get_runtime().field_types.palette()}
    schema = palette.get(field.get("type"), {"properties": {}})
    prop = form.get("prop", "")
    if prop not in schema["properties"]:
        abort(400)
    return [{"op": "set", "path": f"{field_path(entity, name, table)}/{prop}",
             "value": property_value(schema, prop, form)}]


@web.post("/designer/<app>/<entity>/ops")
def designer_form_ops(app: str, entity: str):
    user = signed_in()
    form = request.form
    action = form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    revision = form.get("revision", type=int)
    table = form.get("table") or None
    selected = form.get("field") or None
    try:
        if action in ("undo", "redo"):
            draft = getattr(service(), action)(user, app, revision)
        else:
            current = service().draft(user, app)
            own = SITE_PREFIX if service().is_shipped(app) else ""
            ops = _ops(action, entity, _entity(current, entity), form, own)
            if action == "add":
                selected = ops[0]["value"]["name"]
            draft = service().apply(user, app, ops, revision) if ops else current
            if action == "set" and form.get("prop") == "name":
                selected = form.get("value", "").strip()
            if action == "remove":
                selected = None
    except StaleVersion:
        return _page(app, entity, status=412, selected=selected, table=table, stale=True)
    except ValidationFailed as failed:
        errors = [m for ms in field_errors(failed).values() for m in ms]
        return _page(app, entity, status=422, selected=selected, table=table, errors=errors)
    if request.headers.get("HX-Request") != "true":
        return redirect(url_for("web.designer_form", app=app, entity=entity,
                                field=selected, table=table))
    return _page(app, entity, draft, selected=selected, table=table, saved=True)
