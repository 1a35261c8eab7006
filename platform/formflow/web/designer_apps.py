"""The designer's front page (``/designer/``): the apps (site and shipped) with their
entities, creating a site app and adding an entity to one.  Only admins and holders of
the ``designer`` role: the design service refuses everyone else (403)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.design.service import DesignService
from formflow.errors import ValidationFailed
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_model import label_of, posted_name, text
from formflow.web.forms import field_errors
from formflow.web.language import page_language
from formflow.web.rendering import render


def service() -> DesignService:
    return DesignService(get_runtime())


def _documents(user, app: dict, folder: str) -> list[str]:
    """The names of the app's entities or processes (``folder``)."""
    if app["owner"] != "site":
        return sorted(getattr(get_runtime().model.apps[app["name"]], folder))
    documents = service().draft(user, app["name"]).documents
    return sorted(key[len(folder) + 1:-len(".json")] for key in documents
                  if key.startswith(f"{folder}/"))


def _page(status: int = 200, **context):
    user = signed_in()
    apps = service().apps(user)
    lang = page_language()
    for app in apps:
        app["title"] = text(app["label"], lang) or app["name"]
        app["entities"] = _documents(user, app, "entities")
        app["processes"] = _documents(user, app, "processes")
    return render("designer/apps", status=status, apps=apps, lang=lang, **context)


@web.get("/designer/")
def designer_apps():
    return _page()


@web.post("/designer/")
def designer_create_app():
    user = signed_in()
    name = request.form.get("name", "").strip()
    label = {lang: request.form.get(f"label_{lang}", "").strip() for lang in ("en", "zh-CN")}
    body = {"name": name, "label": {k: v for k, v in label.items() if v} or None}
    try:
        service().create(user, body)
    except ValidationFailed as failed:
        return _page(422, errors=field_errors(failed), form=request.form)
    flash(_("The app %(app)s was created.", app=name), "success")
    return redirect(url_for("web.designer_apps", _anchor=f"app-{name}"))


@web.post("/designer/<app>/entities")
def designer_add_entity(app: str):
    """A new entity from its label (its name proposed from the label unless given)."""
    user = signed_in()
    draft = service().draft(user, app)
    label = label_of(request.form) or {}
    taken = {key[len("entities/"):-len(".json")] for key in draft.documents}
    name = posted_name(request.form, label, taken, "entity")
    value = {"label": label or name, "fields": [],
             "permissions": [{"role": "user", "create": True, "read": "all",
                              "update": "all"}]}
    op = {"op": "add", "path": f"entities/{name}", "value": value}
    try:
        service().apply(user, app, [op], draft.revision)
    except ValidationFailed as failed:
        for messages in field_errors(failed).values():
            flash(" ".join(messages), "error")
        return redirect(url_for("web.designer_apps", _anchor=f"app-{app}"))
    return redirect(url_for("web.designer_form", app=app, entity=name))
