"""The REST API blueprint (``/api/v1``) and its OpenAPI document; :func:`init_app`
registers it with its problem+json error answers."""

from flask import Flask

from formflow.api import (
    admin_routes,  # noqa: F401  (the working calendar)
    design_check_routes,  # noqa: F401  (the designer's expression check)
    design_routes,  # noqa: F401  (the designer's API)
    insights_routes,  # noqa: F401  (process figures)
    io_routes,  # noqa: F401  (import and export)
    notification_routes,  # noqa: F401  (notifications, event log)
    plugin_routes,  # noqa: F401  (plugin record actions, plugin list)
    process_routes,  # noqa: F401  (registers the process routes)
)
from formflow.api.problems import register_problem_handlers
from formflow.api.routes import api

__all__ = ["api", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(api)
    register_problem_handlers(app)
