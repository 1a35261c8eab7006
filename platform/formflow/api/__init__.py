"""The REST API blueprint (``/api/v1``) and its OpenAPI document."""

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
from formflow.api.routes import api

__all__ = ["api"]
