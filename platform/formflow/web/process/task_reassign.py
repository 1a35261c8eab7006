"""An admin hands a pending task to someone else from the record page
(``POST /tasks/<id>/reassign``: ``user``, optional ``comment``), through
:meth:`ProcessService.reassign`; back on the record page with what happened."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import ServiceError, ValidationFailed
from formflow.i18n import render_errors
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language


@web.post("/tasks/<int:task_id>/reassign")
def reassign_task(task_id: int):
    user = signed_in()
    body = {"user": request.form.get("user", "").strip(),
            "comment": request.form.get("comment", "").strip() or None}
    try:
        task = get_runtime().process.reassign(user, task_id, body)
    except ValidationFailed as error:
        for texts in render_errors(error.errors, page_language()).values():
            for text in texts:
                flash(text, "danger")
        return redirect(_back())
    except ServiceError as error:
        flash(error.message.render(page_language()), "danger")
        return redirect(_back())
    flash(_("Handed the task to %(user)s.", user=task["assignee"]), "success")
    return redirect(url_for("web.view_record", app=task["app"], entity=task["entity"],
                            record_id=task["record_id"]))


def _back() -> str:
    """The page the form was on (a path of this site only), else the inbox."""
    path = request.form.get("next", "")
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return url_for("web.inbox")
