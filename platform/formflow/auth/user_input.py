"""Checks of what a user's account may hold: display names and e-mail addresses without
control characters (nor the bidirectional overrides that disguise a name), within their
lengths, and a language Formflow speaks.  Each problem is added to ``errors`` under the
input's name."""

from __future__ import annotations

import re

from formflow.i18n import LANGUAGES, Message

MAX_DISPLAY_NAME = 200
MAX_EMAIL = 254
_EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(text: str) -> bool:
    """Control characters, or the bidirectional overrides that make a name display as
    something else."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 or c in _BIDI_CONTROLS for c in text)


def clean_display_name(value: str | None, username: str, errors: dict[str, list[Message]]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return username if isinstance(username, str) else ""
    if not isinstance(value, str):
        errors["display_name"] = [Message("invalid_text")]
        return ""
    value = value.strip()
    if has_control_characters(value):
        errors["display_name"] = [Message("control_characters")]
    elif len(value) > MAX_DISPLAY_NAME:
        errors["display_name"] = [Message("max_length", {"max": MAX_DISPLAY_NAME})]
    return value


def clean_email(value: str | None, errors: dict[str, list[Message]]) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        errors["email"] = [Message("invalid_email")]
        return None
    value = value.strip()
    if (
        len(value) > MAX_EMAIL
        or has_control_characters(value)
        or _EMAIL_PATTERN.fullmatch(value) is None
    ):
        errors["email"] = [Message("invalid_email")]
    return value


def check_language(value: str | None, errors: dict[str, list[Message]]) -> None:
    if value is not None and value not in LANGUAGES:
        errors["language"] = [Message("invalid_choice", {"value": value})]
