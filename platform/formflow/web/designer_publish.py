"""Publishing an app from the designer (``/designer/<app>/publish``): the plan in
words, a confirmation for the steps that lose data, the note; the published versions
with what each changed, and restoring one as the draft.  A shipped app's versions are
its published overlays (its customisations), listed but not restored here."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.design.plan import localized
from formflow.design.publishing import PublishRefused
from formflow.errors import StaleVersion
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.designer_changes import change_text
from formflow.web.language import page_language
from formflow.web.rendering import render


def _page(app: str, status: int = 200, **context):
    user = signed_in()
    lang = page_language()
    plan = service().plan(user, app)
    draft = service().draft(user, app, present=True)
    return render("designer/publish", status=status, app=app, draft=draft,
                  problems=localized(plan["problems"], lang),
                  steps=localized(plan["steps"], lang),
                  versions=service().versions(user, app), change_text=change_text,
                  shipped=service().is_shipped(app), **context)


@web.get("/designer/<app>/publish")
def designer_publish_page(app: str):
    return _page(app)


@web.post("/designer/<app>/publish")
def designer_publish(app: str):
    user = signed_in()
    body = {"confirm_destructive": request.form.get("confirm_destructive") == "on",
            "note": request.form.get("note", "")}
    try:
        version, runtime = service().publish(user, app, body)
    except PublishRefused as refused:
        return _page(app, refused.status, refused=refused.message.render(page_language()),
                     note=body["note"])
    current_app.extensions["formflow_reloader"].adopt(current_app, runtime)
    flash(_("Published version %(n)s.", n=version), "success")
    return redirect(url_for("web.designer_publish_page", app=app))


@web.post("/designer/<app>/versions/<int:version>/restore")
def designer_restore(app: str, version: int):
    user = signed_in()
    try:
        service().restore(user, app, version, request.form.get("revision", type=int))
    except StaleVersion:
        flash(_("Someone else changed this draft meanwhile. Reload the page to see their "
                "change, then make yours again."), "error")
    else:
        flash(_("The draft is now version %(n)s; publish it to use it.", n=version),
              "success")
    return redirect(url_for("web.designer_publish_page", app=app))
