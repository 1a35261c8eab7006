"""The list and permission tabs of the form designer: ``/designer/<app>/<entity>/list``
(columns, filters, search fields, default sort, page size) and ``.../permissions`` (per
role: create, and read/update/delete with a scope, as a matrix).  Saving a tab is one operation."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.design.service import DESIGNER_ROLE
from formflow.errors import StaleVersion, ValidationFailed
from formflow.metadata.schema import schemas
from formflow.records.query import DEFAULT_PER_PAGE
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.designer_model import text
from formflow.web.forms import field_errors
from formflow.web.language import page_language
from formflow.web.rendering import render

SYSTEM_FIELDS = ("_number", "_title", "_created_at", "_updated_at")
SCOPES = ("all", "department", "own")
ACTIONS = ("read", "update", "delete")


def _context(app: str, entity: str) -> dict:
    user = signed_in()
    draft = service().draft(user, app, present=True)
    document = draft.documents.get(f"entities/{entity}.json") or {}
    app_document = draft.documents.get("app.json") or {}
    fields = [f.get("name") for f in document.get("fields", []) if isinstance(f, dict)
              and f.get("type") != "table"]
    permissions = {p.get("role"): p for p in document.get("permissions", [])
                   if isinstance(p, dict)}
    roles = ["user", *[r.get("name") for r in app_document.get("roles", [])
                       if isinstance(r, dict)]]
    roles += [role for role in permissions if role not in roles and role != DESIGNER_ROLE]
    return {"app": app, "entity_name": entity, "draft": draft, "document": document,
            "names": [*SYSTEM_FIELDS, *fields], "permissions": permissions, "roles": roles,
            "scopes": SCOPES, "actions": ACTIONS, "lang": page_language(), "text": text}


def _save(app: str, entity: str, op: dict, tab: str):
    user = signed_in()
    try:
        service().apply(user, app, [op], request.form.get("revision", type=int))
    except StaleVersion:
        flash(_("Someone else changed this draft meanwhile. Reload the page to see their "
                "change, then make yours again."), "error")
    except ValidationFailed as failed:
        for messages in field_errors(failed).values():
            flash(" ".join(messages), "error")
    else:
        flash(_("Saved ✓"), "success")
    return redirect(url_for(f"web.designer_{tab}", app=app, entity=entity))


@web.get("/designer/<app>/<entity>/list")
def designer_list(app: str, entity: str):
    low, high = page_size_limits()
    return render("designer/list", tab="list", page_size_min=low, page_size_max=high,
                  page_size_default=DEFAULT_PER_PAGE,
                  **_context(app, entity))


def page_size_limits() -> tuple[int, int]:
    """The smallest and largest page size the metadata language allows."""
    schema = schemas()["entity"]["$defs"]["list"]["properties"]["page_size"]
    return schema["minimum"], schema["maximum"]


def _page_size(raw: str) -> int | None:
    """The submitted page size (None: the default); ValueError when it is not allowed."""
    if not raw.strip():
        return None
    low, high = page_size_limits()
    number = int(raw)
    if not low <= number <= high:
        raise ValueError(raw)
    return number


@web.post("/designer/<app>/<entity>/list")
def designer_save_list(app: str, entity: str):
    form = request.form
    value = {key: form.getlist(key) for key in ("columns", "filters", "search")
             if form.getlist(key)}
    sort = form.get("sort", "").strip()
    if sort:
        value["sort"] = ("-" if form.get("descending") == "on" else "") + sort
    try:
        page_size = _page_size(form.get("page_size", ""))
    except ValueError:
        low, high = page_size_limits()
        flash(_("The page size must be a whole number from %(low)s to %(high)s.", low=low,
                high=high), "error")
        return redirect(url_for("web.designer_list", app=app, entity=entity))
    if page_size is not None:
        value["page_size"] = page_size
    op = {"op": "set", "path": f"entities/{entity}/list", "value": value or None}
    return _save(app, entity, op, "list")


@web.get("/designer/<app>/<entity>/permissions")
def designer_permissions(app: str, entity: str):
    return render("designer/permissions", tab="permissions", **_context(app, entity))


@web.post("/designer/<app>/<entity>/permissions")
def designer_save_permissions(app: str, entity: str):
    form = request.form
    rows = []
    for role in form.getlist("role"):
        row = {"role": role}
        if form.get(f"{role}.create") == "on":
            row["create"] = True
        for action in ACTIONS:
            if form.get(f"{role}.{action}") in SCOPES:
                row[action] = form[f"{role}.{action}"]
        if len(row) > 1:
            rows.append(row)
    op = {"op": "set", "path": f"entities/{entity}/permissions", "value": rows}
    return _save(app, entity, op, "permissions")
