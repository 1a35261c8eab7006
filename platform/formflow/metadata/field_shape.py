"""The shape of one field as written: options (for a type that has them, as its
registry entry says), ``min``/``max`` pairs in order, ``scale`` within ``precision``, and
a ``pattern`` that compiles.  Each problem is ``(JSON path, message)``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from formflow.metadata.model import Field

if TYPE_CHECKING:
    from formflow.fields import FieldType

RANGES = (("min", "max"), ("min_length", "max_length"), ("min_rows", "max_rows"))


def field_shape(
    field: Field, field_types: Mapping[str, FieldType], at: str
) -> Iterator[tuple[str, str]]:
    field_type = field_types.get(field.type)
    if field_type is not None and "options" in field_type.own_properties:
        yield from options_problems(field, field_type, field_types, at)
    for low, high in RANGES:
        a, b = getattr(field, low), getattr(field, high)
        if a is not None and b is not None and _comparable(a, b) and a > b:
            yield f"{at}/{low}", f"{low} ({a}) is greater than {high} ({b})"
    precision, scale = field.precision, field.scale
    if precision is not None and scale is not None and scale > precision:
        yield f"{at}/scale", f"scale ({scale}) is greater than precision ({precision})"
    if field.pattern:
        try:
            re.compile(field.pattern)
        except re.error as error:
            yield f"{at}/pattern", f"invalid regular expression: {error}"


def options_problems(
    field: Field, field_type: FieldType, field_types: Mapping[str, FieldType], at: str
) -> Iterator[tuple[str, str]]:
    """A type with options: present when the type requires them, no value twice, and a
    default among the values the type's fields may hold (its value schema's ``enum``)."""
    if not field.options and "options" in field_type.required_properties:
        yield at, f"a {field.type} field needs 'options'"
    seen: set[str] = set()
    for j, value in enumerate(field.option_values):
        if value in seen:
            yield f"{at}/options/{j}", f"duplicate option {value!r}"
        seen.add(value)
    allowed = field_type.json_schema(field, field_types).get("enum")
    if field.options and allowed is not None and field.default not in (None, *allowed):
        yield f"{at}/default", f"{field.default!r} is not one of the options"


def _comparable(a, b) -> bool:
    numbers = (int, float)
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (
        isinstance(a, str) and isinstance(b, str)
    )
