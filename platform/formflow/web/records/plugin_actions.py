"""The record page's plugin action buttons (``POST /<app>/<entity>/<id>/plugin-actions/<name>``).

The page lists what :meth:`RecordActionService.available` offers the user; pressing a
button runs the action through :meth:`RecordActionService.run` and reloads the record
page with the outcome as a flash message: the action's own ``message`` (a text, or
texts by language, under ``"message"`` in what it returns) or a plain "done"; a refusal
or a failing plugin shows its message instead, never an error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from formflow.errors import ServiceError
from formflow.metadata.model import Label
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.records.entities import entity_or_404
from formflow.web.shell import flash_error


@web.post("/<app>/<entity>/<int:record_id>/plugin-actions/<name>")
def run_record_action(app: str, entity: str, record_id: int, name: str):
    user = signed_in()
    found = entity_or_404(app, entity)
    actions = get_runtime().record_actions
    try:
        done = actions.run(user, found.qualified_name, record_id, name, {})
    except ServiceError as error:
        flash_error(error)
    else:
        label = next((a.label for a in actions.actions if a.name == name), name)
        flash(result_message(done["result"])
              or _("Done: %(action)s.", action=Label.of(label).text(page_language())), "success")
    return redirect(url_for("web.view_record", app=app, entity=entity, record_id=record_id))


def result_message(result: Any) -> str | None:
    """The ``message`` an action returned, in the page's language (None: it gave none)."""
    if not isinstance(result, Mapping) or not result.get("message"):
        return None
    text = result["message"]
    if not isinstance(text, str | Mapping):
        return None
    return Label.of(text).text(page_language())
