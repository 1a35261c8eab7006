"""The REST API blueprint (``/api/v1``) and its OpenAPI document."""

from formflow.api import process_routes  # noqa: F401  (registers the process routes)
from formflow.api import admin_routes  # noqa: F401  (the working calendar)
from formflow.api import notification_routes  # noqa: F401  (notifications, event log)
from formflow.api import io_routes  # noqa: F401  (import and export)
from formflow.api import plugin_routes  # noqa: F401  (plugin record actions, plugin list)
from formflow.api.routes import api

__all__ = ["api"]
