"""Deciding from the inbox: one task with one click (``POST /inbox/tasks/<id>/decide``,
the action and an optional comment), or several approved at once (``POST
/inbox/approve``, the chosen ``task`` ids).  Both go through the inbox service, which
takes each decision with the process action service; the to-do tab comes back with
what happened (htmx), or the browser is sent back to it with a message.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import ServiceError, ValidationFailed
from formflow.i18n import render_errors
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.process.inbox import TodoFilter, render_inbox
from formflow.web.rendering import is_htmx


@web.post("/inbox/tasks/<int:task_id>/decide")
def decide_task(task_id: int):
    user = signed_in()
    action = request.form.get("action", "")
    comment = request.form.get("comment", "")
    try:
        get_runtime().inbox.decide(user, task_id, action, comment)
    except ServiceError as error:
        return _answer("", {task_id: _reason(error)}, error.status)
    return _answer(_("Done."), {})


@web.post("/inbox/approve")
def approve_tasks():
    user = signed_in()
    ids = [int(v) for v in request.form.getlist("task") if v.isdigit()]
    try:
        outcome = get_runtime().inbox.approve_all(user, ids, request.form.get("comment", ""))
    except ValidationFailed as error:
        return _answer(_reason(error), {}, error.status)
    lang = page_language()
    failures = {task_id: message.render(lang) for task_id, message in outcome.items()
                if message is not None}
    done = len(outcome) - len(failures)
    notice = _("Approved %(done)s of %(total)s.", done=done, total=len(outcome))
    return _answer(notice, failures, 422 if failures and not done else 200)


def _answer(notice: str, failures: dict[int, str], status: int = 200):
    """The to-do tab with ``notice`` and the refused rows' reasons (htmx), or a redirect
    back to it with them as flash messages."""
    if is_htmx():
        return render_inbox("todo", notice=notice, failures=failures, status=status)
    if notice:
        flash(notice, "success" if not failures else "warning")
    for message in failures.values():
        flash(message, "danger")
    chosen = TodoFilter.from_args(request.form)
    args = {k: v for k, v in vars(chosen).items() if v}
    return redirect(url_for("web.inbox", tab="todo", **args))


def _reason(error: ServiceError) -> str:
    lang = page_language()
    if isinstance(error, ValidationFailed):
        messages = render_errors(error.errors, lang)
        return " ".join(text for texts in messages.values() for text in texts)
    return error.message.render(lang)
