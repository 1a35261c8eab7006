"""Which field type changes a publish allows: only between types whose values carry over
(text to a number or a date, a number to a wider one, a date to a date and time, ...).
Every value is still converted and checked before anything is written
(:mod:`formflow.storage.migrate_convert`); a change outside this table (a date to a yes/no,
a link to anything) is refused with a problem naming the types it may become instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from formflow.i18n import Message

_TEXTS = ("text", "textarea")
_NUMBERS = ("integer", "decimal", "money", "percent")
#: Published type -> the types its field may be changed to.
SAFE_CHANGES: dict[str, tuple[str, ...]] = {
    "text": ("textarea", "email", "phone", "url", "select", *_NUMBERS, "date", "datetime", "time"),
    "textarea": ("text",),
    "email": _TEXTS,
    "phone": _TEXTS,
    "url": _TEXTS,
    "select": (*_TEXTS, "multiselect"),
    "integer": ("decimal", "money", "percent", "rating", *_TEXTS),
    "decimal": ("integer", "money", "percent", *_TEXTS),
    "money": ("decimal", *_TEXTS),
    "percent": ("decimal", *_TEXTS),
    "rating": ("integer",),
    "date": ("datetime", *_TEXTS),
    "datetime": _TEXTS,
    "time": _TEXTS,
}


def unsafe_type_changes(published: Mapping[str, Any], draft: Mapping[str, Any]) -> list[dict]:
    """``{"path", "message"}`` for each field (and table column) whose type the draft
    changes from the published one in a way :data:`SAFE_CHANGES` does not allow."""
    problems: list[dict] = []
    for key, document in draft.items():
        before = published.get(key)
        if (
            not key.startswith("entities/")
            or not isinstance(before, dict)
            or not isinstance(document, dict)
        ):
            continue
        path = f"entities/{key[len('entities/') : -len('.json')]}"
        _compare(before.get("fields"), document.get("fields"), path, problems)
    return problems


def _compare(old: Any, new: Any, path: str, problems: list[dict]) -> None:
    if not isinstance(old, list) or not isinstance(new, list):
        return
    published = {f.get("name"): f for f in old if isinstance(f, dict)}
    for field in new:
        if not isinstance(field, dict):
            continue
        before = published.get(field.get("renamed_from") or field.get("name"))
        if before is None:
            continue
        where = f"{path}/fields/{field.get('name')}"
        was, now = before.get("type"), field.get("type")
        if was == now:
            if now == "table":
                _compare(before.get("fields"), field.get("fields"), where, problems)
            continue
        allowed = SAFE_CHANGES.get(was, ())
        if now not in allowed:
            params = {
                "field": field.get("name"),
                "old": was,
                "new": now,
                "allowed": ", ".join(allowed),
            }
            message = "design_type_change_to" if allowed else "design_type_fixed"
            problems.append({"path": where, "message": Message(message, params)})
