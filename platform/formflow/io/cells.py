"""Values as spreadsheet cells, and cells back as the text a field type parses.

A cell holds a value's JSON form as text: decimals as written (``12.50``), dates and
times ISO 8601, booleans ``true``/``false``, users their user name, departments their
code.  Each field type converts its own values (``FieldType.to_cell`` and
``from_cell``): options, for instance, are written as their labels in the exporter's
language, or as their values on request.  Links are handled by :mod:`formflow.io.links`.

Text that a spreadsheet program would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading apostrophe on export, and the
apostrophe is removed again on import, so exported data round-trips unchanged.  Values
of types whose cells never hold free text (numbers, dates, times, booleans:
``FieldType.free_text_cell``) are left alone (a negative number stays a number).
"""

from __future__ import annotations

from typing import Any

from formflow.fields import FieldType
from formflow.metadata.model import Field

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def cell_value(
    field_type: FieldType, field: Field, value: Any, lang: str | None = None
) -> str | int:
    """A field's JSON value as a cell (text, or a whole number for integer fields);
    with ``lang``, options as their labels in that language."""
    if value is None:
        return ""
    cell = field_type.to_cell(field, value, lang)
    return escape(cell) if isinstance(cell, str) and field_type.free_text_cell else cell


def cell_text(field_type: FieldType, field: Field, value: Any) -> str:
    """A cell as read from a file (text from CSV; text, numbers, booleans or dates from
    XLSX) as the text the field's type parses."""
    if value is None:
        return ""
    if isinstance(value, str):
        if not value.strip():
            return ""
        if field_type.free_text_cell:
            value = unescape(value)
    return field_type.from_cell(field, value)
