"""The caller's language: the user's own setting, else the browser's, else the default."""

from __future__ import annotations

from flask import current_app, request

from formflow.auth import User
from formflow.i18n import LANGUAGES, negotiate


def request_language(user: User | None = None) -> str:
    if user is not None and user.language:
        return negotiate(user.language)
    best = request.accept_languages.best_match(
        [*LANGUAGES, "zh", "en-US", "en-GB", "zh-Hans", "zh-TW"]
    ) if request else None
    return negotiate(best or current_app.config.get("LANGUAGE"))
