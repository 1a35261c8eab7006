"""Formflow: a low-code business process platform."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formflow.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # The app (with its REST API and pages) is imported on first use only, so a command
    # or a worker that needs only part of the platform does not pay for the rest.
    if name == "create_app":
        from formflow.app import create_app

        return create_app
    raise AttributeError(f"module 'formflow' has no attribute {name!r}")
