"""Saving and deleting a user's own list views (``POST /<app>/<entity>/views``); the
list page offers them (see :mod:`formflow.records.list_views`)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.records.list_views import BadView
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.records.entities import entity_or_404


def _list_url(entity, query: str = "") -> str:
    url = url_for("web.list_records", app=entity.app, entity=entity.name)
    return f"{url}?{query}" if query else url


@web.post("/<app>/<entity>/views")
def save_view(app: str, entity: str):
    user = signed_in()
    found = entity_or_404(app, entity)
    if not get_runtime().records.grant(user, found).read:
        abort(403)
    name = request.form.get("name", "")
    try:
        view = get_runtime().list_views.save(
            user, found.qualified_name, name, request.form.get("query", "")
        )
    except BadView as error:
        flash(error.message.render(page_language()), "danger")
        return redirect(_list_url(found, request.form.get("query", "")))
    flash(_("Saved the view “%(name)s”.", name=view.name), "success")
    return redirect(_list_url(found, view.query))


@web.post("/<app>/<entity>/views/<int:view_id>/delete")
def delete_view(app: str, entity: str, view_id: int):
    user = signed_in()
    found = entity_or_404(app, entity)
    if not get_runtime().list_views.delete(user, found.qualified_name, view_id):
        abort(404)
    flash(_("Deleted the view."), "success")
    return redirect(_list_url(found))
