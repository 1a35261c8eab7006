"""The ``web`` blueprint every page module adds its routes to."""

from __future__ import annotations

from flask import Blueprint

web = Blueprint("web", __name__)
