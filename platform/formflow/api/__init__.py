"""The REST API blueprint (``/api/v1``) and its OpenAPI document; :func:`init_app`
registers it with its problem+json error answers, and lets a Bearer call to any route,
the API's or a plugin's, recall its token from memory
(:func:`~formflow.api.authentication.init_app`)."""

from functools import cache

from flask import Flask

from formflow.api.routes import api

__all__ = ["api", "init_app"]


def init_app(app: Flask) -> None:
    _add_routes()
    app.register_blueprint(api)
    from formflow.api import authentication
    from formflow.api.problems import register_problem_handlers

    authentication.init_app(app)
    register_problem_handlers(app)


@cache
def _add_routes() -> None:
    """Import the route modules, each adding its routes to the blueprint: on the first
    app's set-up, so what imports a helper of this package (a plugin's routes, say) does
    not import every route."""
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
