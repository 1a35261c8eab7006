"""The REST API blueprint (``/api/v1``) and its OpenAPI document."""

from formflow.api.routes import api

__all__ = ["api"]
