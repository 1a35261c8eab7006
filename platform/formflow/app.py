"""The app factory, in fixed phases: settings; the runtime (plugins discovered and their
field types and functions registered, metadata loaded and checked, database, services,
the plugin set completed); then each piece registers itself with ``init_app(app)``:
operations (logging, metrics, proxy headers), request limits, the check for newly
published metadata, the REST API, the pages (templates with plugin folders before
``templates/``), security headers, the database-outage answer; then plugin blueprints
and the ``startup`` hook.

``create_app(settings, pages=False)`` builds the same app without the REST API, the pages,
the security headers and the outage answer (nor imports them): the runtime in an app
context, for a command that works on data and answers no requests (``formflow import``,
``export``, ``tick``...), whose runtime builds each service on first use.  Plugin
blueprints are still registered and the ``startup`` hook still runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from formflow import ops, reloading, request_limits
from formflow.runtime import Runtime
from formflow.settings import SOURCE_ROOT, load_settings


def create_app(config: Mapping[str, Any] | None = None, *, pages: bool = True) -> Flask:
    settings = load_settings(config)
    app = Flask(
        "formflow",
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(SOURCE_ROOT / "templates"),
        static_folder=str(SOURCE_ROOT / "platform" / "formflow" / "static"),
    )
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["SECURE_COOKIES"],
        REMEMBER_COOKIE_SECURE=settings["SECURE_COOKIES"],
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    runtime = app.extensions["formflow"] = Runtime(settings, lazy=not pages)
    metrics = ops.init_app(app)
    request_limits.init_app(app)
    reloading.init_app(app, on_reload=metrics.metadata_reloaded)
    if pages:
        _init_pages(app)
    for name, blueprint in runtime.plugins.pages():
        app.register_blueprint(blueprint, name=name)
    runtime.plugins.startup(app)
    return app


def _init_pages(app: Flask) -> None:
    """What answers requests: the REST API, the pages, their headers, the outage answer."""
    from formflow import api, outage, web
    from formflow.web import headers

    api.init_app(app)
    web.init_app(app)
    headers.init_app(app)
    outage.init_app(app)
