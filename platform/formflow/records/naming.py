"""Record numbers (``numbering``) and titles (``title``) from their patterns.

In a pattern, ``{field}`` is the field's display value (a link shows its target's
title), ``{YYYY}``, ``{YY}``, ``{MM}``, ``{DD}`` the creation date, and ``{seq:N}`` a
counter padded to N digits that restarts whenever the rest of the pattern changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from formflow.metadata.model import Entity, Field
from formflow.storage.sequences import next_value

TOKEN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*|seq:\d+)\}")
DATE_TOKENS = {
    "YYYY": "%Y",
    "YY": "%y",
    "MM": "%m",
    "DD": "%d",
}
TITLE_MAX = 255

#: Gives a linked record's title: (qualified entity, id) -> title or None.
TitleOf = Callable[[str, int], str | None]


def render(
    pattern: str, entity: Entity, values: Mapping[str, Any], created: datetime, title_of: TitleOf
) -> str:
    """The pattern with every token but ``{seq:N}`` replaced."""

    def replace(match: re.Match) -> str:
        token = match.group(1)
        if token.startswith("seq:"):
            return match.group(0)
        if token in DATE_TOKENS:
            return created.strftime(DATE_TOKENS[token])
        field = entity.field(token)
        if field is None:
            return str(values.get(token) or "")
        return display(field, values.get(token), title_of)

    return TOKEN.sub(replace, pattern)


def allocate_number(
    conn: Connection, entity: Entity, values: Mapping[str, Any], created: datetime,
    title_of: TitleOf,
) -> str:
    rendered = render(entity.numbering or "", entity, values, created, title_of)
    sequence = next_value(conn, f"{entity.qualified_name}:{rendered}")
    return re.sub(r"\{seq:(\d+)\}", lambda m: str(sequence).zfill(int(m.group(1))), rendered)


def make_title(
    entity: Entity, values: Mapping[str, Any], created: datetime, title_of: TitleOf
) -> str | None:
    if entity.title:
        title = render(entity.title, entity, values, created, title_of).strip()
    else:
        field = _default_title_field(entity)
        title = display(field, values.get(field.name), title_of) if field else ""
    title = title or values.get("_number") or ""
    return title[:TITLE_MAX] or None


def display(field: Field, value: Any, title_of: TitleOf) -> str:
    """A value as plain text for titles and numbers."""
    if value is None:
        return ""
    if field.type == "link":
        return title_of(field.to or "", value) or f"#{value}"
    if field.type == "select":
        option = next((o for o in field.options if o.value == value), None)
        return option.label.text() if option else str(value)
    if field.type == "multiselect":
        return ", ".join(value)
    if field.type == "boolean":
        return "✓" if value else "✗"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _default_title_field(entity: Entity) -> Field | None:
    text_fields = [f for f in entity.scalar_fields if f.type == "text"]
    preferred = [f for f in text_fields if f.name in ("name", "title", "subject")]
    return (preferred or text_fields or [None])[0]
