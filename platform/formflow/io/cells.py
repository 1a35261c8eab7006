"""Values as spreadsheet cells, and cells back as the text a field type parses.

A cell holds a value's JSON form as text: decimals as written (``12.50``), dates and
times ISO 8601, booleans ``true``/``false``, users their user name, departments their
code.  Options are written as their labels in the exporter's language (multi-selects
joined by commas), or as their values on request; on import a cell may hold either, in
any language.  Links are handled by :mod:`formflow.io.links`.

Text that a spreadsheet program would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading apostrophe on export, and the
apostrophe is removed again on import, so exported data round-trips unchanged.  Values
of number, date, time and boolean fields are never text, so they are left alone (a
negative number stays a number).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from formflow.metadata.model import Field

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Field types whose cells never hold free text, so never need escaping.
PLAIN_TYPES = frozenset(
    {"integer", "decimal", "money", "percent", "rating", "boolean", "date", "datetime", "time"}
)
#: Field types written as numbers into XLSX (everything else is written as text).
NUMBER_CELL_TYPES = frozenset({"integer", "rating"})


def _looks_like_formula(text: str) -> bool:
    """Whether ``text`` starts a formula once its leading apostrophes are taken away
    (counting those makes escaping reversible: ``'=x`` is written ``''=x``)."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def escape(text: str) -> str:
    """``text`` made safe to open in a spreadsheet program."""
    return "'" + text if _looks_like_formula(text) else text


def unescape(text: str) -> str:
    """The inverse of :func:`escape`."""
    return text[1:] if text.startswith("'") and _looks_like_formula(text[1:]) else text


def cell_value(field: Field, value: Any, lang: str | None = None) -> str | int:
    """A field's JSON value as a cell (text, or a whole number for integer fields);
    with ``lang``, options as their labels in that language."""
    if value is None:
        return ""
    if lang is not None and field.type in ("select", "multiselect"):
        chosen = value if isinstance(value, list) else [value]
        return escape(", ".join(_option_label(field, v, lang) for v in chosen))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and field.type in NUMBER_CELL_TYPES:
        return value
    text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if field.type in PLAIN_TYPES else escape(text)


def cell_text(field: Field, value: Any) -> str:
    """A cell as read from a file (text from CSV; text, numbers, booleans or dates from
    XLSX) as the text the field's type parses."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if field.type == "date" else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value)
    if not text.strip():
        return ""
    text = text if field.type in PLAIN_TYPES else unescape(text)
    if field.type == "select":
        return option_value(field, text)
    if field.type == "multiselect":
        return ",".join(option_value(field, part) for part in text.split(","))
    return text


def option_value(field: Field, text: str) -> str:
    """The option a cell means: its value, or one of its labels in any language
    (compared without surrounding spaces or case); other text is left for the field
    type to refuse."""
    text = text.strip()
    if text in field.option_values:
        return text
    folded = text.casefold()
    for option in field.options:
        if any(label.strip().casefold() == folded for label in option.label.texts.values()):
            return option.value
    return text


def _option_label(field: Field, value: str, lang: str) -> str:
    option = next((o for o in field.options if o.value == value), None)
    return option.label.text(lang) if option is not None else str(value)
