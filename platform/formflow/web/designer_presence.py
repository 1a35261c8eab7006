"""Who else is editing an app: the line the designer pages show ("Zhang San is also
editing"), refreshed by htmx polling (``/designer/<app>/editors``), which also keeps the
polling user present on the app."""

from __future__ import annotations

from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.rendering import fragment


@web.get("/designer/<app>/editors")
def designer_editors(app: str):
    editors = service().editors(signed_in(), app)
    return fragment("designer/_editors", app=app, editors=editors)
