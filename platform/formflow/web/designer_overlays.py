"""A shipped app's customisations (``/designer/<app>/overlays``): each overlay operation
with the shipped value it was made against and its status against the shipped files;
accepting, re-applying or dropping one, and resetting an element to shipped.  Only
admins and designers: the design service refuses everyone else."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import ValidationFailed
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.forms import field_errors
from formflow.web.language import page_language
from formflow.web.rendering import render

DONE = {"accept": lambda: _("The shipped value is accepted; the site's value stays."),
        "reapply": lambda: _("The change applies again."),
        "drop": lambda: _("The change is dropped: the shipped value applies."),
        "reset": lambda: _("The element is reset to shipped.")}


def _shown(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def _elements(items: list[dict]) -> list[str]:
    """Every element an operation touches, and the elements holding it, for the reset
    box."""
    paths = set()
    for item in items:
        parts = str(item["path"]).split("/")
        paths.update("/".join(parts[:n]) for n in range(2, len(parts) + 1))
    return sorted(paths)


@web.get("/designer/<app>/overlays")
def designer_overlays(app: str):
    user = signed_in()
    items = [item | {"shown_value": _shown(item["value"]), "shown_was": _shown(item["was"])}
             for item in (o.as_json(page_language()) for o in service().overlay(user, app))]
    counts = {status: sum(1 for i in items if i["status"] == status)
              for status in ("applied", "conflict", "orphan", "invalid")}
    return render("designer/overlays", app=app, items=items, counts=counts,
                  elements=_elements(items),
                  processes=_processes(service().draft(user, app).documents))


def _processes(documents: dict) -> list[str]:
    """The processes an entity uses now: the ones that can be forked."""
    return sorted(document.get("process") for key, document in documents.items()
                  if key.startswith("entities/") and isinstance(document, dict)
                  and f"processes/{document.get('process')}.json" in documents)


def _act(app: str, action: str, **target):
    user = signed_in()
    try:
        service().overlay_action(user, app, action, **target)
    except ValidationFailed as failed:
        for messages in field_errors(failed).values():
            flash(" ".join(messages), "error")
    else:
        flash(DONE[action](), "success")
    return redirect(url_for("web.designer_overlays", app=app))


@web.post("/designer/<app>/overlays/<int:id>/<any(accept, reapply, drop):action>")
def designer_overlay_action(app: str, id: int, action: str):
    return _act(app, action, id=id)


@web.post("/designer/<app>/processes/fork")
def designer_fork_process(app: str):
    user = signed_in()
    try:
        fork = service().fork_process(user, app, request.form.get("process", ""),
                                      request.form.get("name", "").strip() or None)
    except ValidationFailed as failed:
        for messages in field_errors(failed).values():
            flash(" ".join(messages), "error")
    else:
        flash(_("The process is copied as %(name)s; publish to use it for new records.",
                name=fork["process"]), "success")
    return redirect(url_for("web.designer_overlays", app=app))


@web.post("/designer/<app>/overlays/reset")
def designer_overlay_reset(app: str):
    return _act(app, "reset", path=request.form.get("path", "").strip())
