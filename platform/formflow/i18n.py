"""Messages shown to users, in their language.

Services know no request, so they raise errors carrying :class:`Message` objects (a
catalog key and its parameters); the web and API layers render them in the caller's
language.  The catalogs live in :mod:`formflow.catalog`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from formflow.catalog import CATALOG
from formflow.metadata.model import DEFAULT_LANGUAGE, Label

LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True)
class Message:
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str | None = None) -> str:
        lang = negotiate(lang)
        params = {name: _localize(value, lang) for name, value in self.params.items()}
        texts = CATALOG.get(self.key)
        if texts is None:
            return self.key
        return texts.get(lang, texts["en"]).format(**params)


def _localize(value: Any, lang: str) -> Any:
    if isinstance(value, Label):
        return value.text(lang)
    if isinstance(value, Message):
        return value.render(lang)
    return value


def negotiate(lang: str | None) -> str:
    """The supported language closest to ``lang`` (a tag like ``en-US`` or ``zh``)."""
    if not lang:
        return DEFAULT_LANGUAGE
    if lang in LANGUAGES:
        return lang
    prefix = lang.split("-")[0].lower()
    return next((tag for tag in LANGUAGES if tag.split("-")[0] == prefix), DEFAULT_LANGUAGE)


def render_errors(errors: dict[str, list[Message]], lang: str | None) -> dict[str, list[str]]:
    return {name: [m.render(lang) for m in messages] for name, messages in errors.items()}


def wait_span(seconds: float) -> Message:
    """How long to wait, as people say it: "12 seconds", "about 5 minutes", "about
    1 hour" (3,598 seconds is about an hour, not "3598 seconds")."""
    if seconds < 60:
        return Message("span_seconds", {"n": max(1, math.ceil(seconds))})
    if seconds < 50 * 60:
        minutes = math.ceil(seconds / 60)
        return Message("span_minute" if minutes == 1 else "span_minutes", {"n": minutes})
    hours = max(1, round(seconds / 3600))
    return Message("span_hour" if hours == 1 else "span_hours", {"n": hours})

