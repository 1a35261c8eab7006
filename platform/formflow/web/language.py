"""The language of a page: the one chosen with the language switch, else the user's own
setting, else the browser's, else the configured default (zh-CN when none)."""

from __future__ import annotations

from flask import current_app, session
from flask_login import current_user

from formflow.http.language import request_language
from formflow.i18n import LANGUAGES, negotiate


def page_language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    user = current_user.user if current_user and current_user.is_authenticated else None
    return request_language(user)


def babel_locale() -> str:
    """The Babel locale of the page language (``zh_CN``, ``en``)."""
    return negotiate(page_language()).replace("-", "_")


def babel_timezone() -> str:
    zone = current_app.config.get("TIMEZONE")
    return getattr(zone, "key", None) or str(zone or "UTC")
