"""The app factory: settings, runtime (database, metadata, schema), blueprints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, g

from formflow.api import api
from formflow.api.language import request_language
from formflow.api.problems import register_problem_handlers
from formflow.runtime import Runtime
from formflow.settings import SOURCE_ROOT, load_settings
from formflow.web import web


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
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["formflow"] = Runtime(settings)

    app.register_blueprint(api)
    app.register_blueprint(web)
    register_problem_handlers(app, lambda: request_language(g.get("api_user")))
    return app
