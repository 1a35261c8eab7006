"""The app factory, in fixed phases: settings; the runtime (plugins discovered and their
field types and functions registered, metadata loaded and checked, database, services,
the plugin set completed); operations (logging, metrics, proxy headers) and the check
for newly published metadata; templates (plugin folders before ``templates/``); core
blueprints, then plugin blueprints; the ``startup`` hook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, g
from jinja2 import ChoiceLoader, FileSystemLoader

from formflow.api import api
from formflow.api.problems import register_problem_handlers
from formflow.http.language import request_language
from formflow.ops import init_ops
from formflow.outage import register_outage_handler
from formflow.reloading import watch_metadata
from formflow.request_limits import init_app as init_request_limits
from formflow.runtime import Runtime
from formflow.settings import SOURCE_ROOT, load_settings
from formflow.web import headers, web


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
    metrics = init_ops(app, runtime)
    init_request_limits(app)
    watch_metadata(app, on_reload=metrics.metadata_reloaded)

    plugin_templates = runtime.plugins.template_folders()
    if plugin_templates:
        app.jinja_loader = ChoiceLoader(
            [FileSystemLoader(plugin_templates), FileSystemLoader(app.template_folder)]
        )

    app.register_blueprint(api)
    app.register_blueprint(web)
    headers.init_app(app)
    for name, blueprint in runtime.plugins.pages():
        app.register_blueprint(blueprint, name=name)
    register_problem_handlers(app, api_language)
    register_outage_handler(app, api_language)
    runtime.plugins.startup(app)
    return app


def api_language() -> str:
    """The language of an API answer: the calling user's, else the browser's."""
    return request_language(g.get("api_user"))
