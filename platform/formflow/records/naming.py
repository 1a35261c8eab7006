"""Record numbers (``numbering``) and titles (``title``) from their patterns.

In a pattern, ``{field}`` is the field's display value (a link shows its target's
title, a user their display name, a department its name, an option its label, a date
and time the local minute), ``{YYYY}``, ``{YY}``, ``{MM}``, ``{DD}`` the creation date,
and ``{seq:N}`` a counter padded to N digits that restarts whenever the rest of the
pattern changes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.engine import Connection

from formflow.metadata.model import Entity, Field
from formflow.storage.sequences import reserve

_SEQ = re.compile(r"\{seq:(\d+)\}")
TOKEN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*|seq:\d+)\}")
DATE_TOKENS = {
    "YYYY": "%Y",
    "YY": "%y",
    "MM": "%m",
    "DD": "%d",
}
TITLE_MAX = 255

#: Gives a linked record's title: (qualified entity, id) -> title or None; with
#: ``USER`` or ``DEPARTMENT`` for the entity, a user's display name or a department's name.
TitleOf = Callable[[str, Any], str | None]
USER = "@user"
DEPARTMENT = "@department"


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
        return display(field, values.get(token), title_of, created.tzinfo)

    return TOKEN.sub(replace, pattern)


def allocate_number(
    conn: Connection, entity: Entity, values: Mapping[str, Any], created: datetime,
    title_of: TitleOf,
) -> str:
    return allocate_numbers(conn, entity, [values], created, title_of)[0]


def number_pattern(
    entity: Entity, values: Mapping[str, Any], created: datetime, title_of: TitleOf,
) -> tuple[str, list[str], list[int]]:
    """A new record's number before its counter is drawn: the counter's key, the texts
    between the ``{seq:N}`` tokens and each N (for the database to join them)."""
    text = render(entity.numbering or "", entity, values, created, title_of)
    pieces = _SEQ.split(text)  # text, width, text, width, ..., text
    return (_counter_key(entity, text), pieces[0::2], [int(width) for width in pieces[1::2]])


def allocate_numbers(
    conn: Connection, entity: Entity, records: Sequence[Mapping[str, Any]], created: datetime,
    title_of: TitleOf,
) -> list[str]:
    """The numbers of new records, in order: one counter statement for each distinct
    rest of the pattern (a block of values for all the records sharing it)."""
    rendered = [render(entity.numbering or "", entity, values, created, title_of)
                for values in records]
    counts = Counter(rendered)
    following = {text: reserve(conn, _counter_key(entity, text), count)
                 for text, count in counts.items()}
    numbers = []
    for text in rendered:
        sequence = following[text]
        following[text] += 1
        numbers.append(_SEQ.sub(lambda m, n=sequence: str(n).zfill(int(m.group(1))), text))
    return numbers


def _counter_key(entity: Entity, rendered: str) -> str:
    """The counter of the numbers whose pattern renders to ``rendered``."""
    return f"{entity.qualified_name}:{rendered}"


def make_title(
    entity: Entity, values: Mapping[str, Any], created: datetime, title_of: TitleOf
) -> str | None:
    if entity.title:
        title = render(entity.title, entity, values, created, title_of).strip()
    else:
        field = _default_title_field(entity)
        title = display(field, values.get(field.name), title_of, created.tzinfo) if field else ""
    title = title or values.get("_number") or ""
    return title[:TITLE_MAX] or None


def display(field: Field, value: Any, title_of: TitleOf, zone: tzinfo | None = None) -> str:
    """A value as plain text for titles and numbers (a date and time in ``zone``)."""
    if value is None:
        return ""
    if field.type == "link":
        return title_of(field.to or "", value) or f"#{value}"
    if field.type in ("user", "department"):
        return title_of(USER if field.type == "user" else DEPARTMENT, value) or str(value)
    if field.type in ("select", "multiselect"):
        chosen = value if isinstance(value, list) else [value]
        labels = {o.value: o.label.text() for o in field.options}
        return ", ".join(labels.get(v, str(v)) for v in chosen)
    if field.type == "boolean":
        return "✓" if value else "✗"
    if isinstance(value, datetime):
        local = value.astimezone(zone) if zone is not None and value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _default_title_field(entity: Entity) -> Field | None:
    text_fields = [f for f in entity.scalar_fields if f.type == "text"]
    preferred = [f for f in text_fields if f.name in ("name", "title", "subject")]
    return (preferred or text_fields or [None])[0]
