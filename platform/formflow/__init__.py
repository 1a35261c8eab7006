"""Formflow: a low-code business process platform."""

from formflow.app import create_app

__all__ = ["create_app"]
