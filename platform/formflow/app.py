"""The app factory, in fixed phases: settings; the runtime (plugins discovered and their
field types and functions registered, metadata loaded and checked, database, services,
the plugin set completed); then each piece registers itself with ``init_app(app)``:
operations (logging, metrics, proxy headers), request limits, the check for newly
published metadata, the REST API, the pages (templates with plugin folders before
``templates/``), security headers, the database-outage answer; then plugin blueprints
and the ``startup`` hook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from formflow import api, ops, outage, reloading, request_limits, web
from formflow.runtime import Runtime
from formflow.settings import SOURCE_ROOT, load_settings
from formflow.web import headers


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
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
    runtime = app.extensions["formflow"] = Runtime(settings)
    metrics = ops.init_app(app)
    request_limits.init_app(app)
    reloading.init_app(app, on_reload=metrics.metadata_reloaded)
    api.init_app(app)
    web.init_app(app)
    headers.init_app(app)
    outage.init_app(app)
    for name, blueprint in runtime.plugins.pages():
        app.register_blueprint(blueprint, name=name)
    runtime.plugins.startup(app)
    return app
