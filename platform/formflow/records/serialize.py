"""Records as JSON: a flat object of the fields the caller may read plus system fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from formflow.fields import Registry
from formflow.metadata.model import SYSTEM_FIELDS, Entity, Field


def record_to_json(
    entity: Entity,
    record: Mapping[str, Any],
    field_types: Registry,
    readable: Callable[[Field], bool],
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in SYSTEM_FIELDS:
        value = record.get(name)
        data[name] = value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value
    for field in entity.fields:
        if readable(field):
            data[field.name] = _value_to_json(field, record.get(field.name), field_types)
    return data


def _value_to_json(field: Field, value: Any, field_types: Registry) -> Any:
    if field.is_table:
        return [
            {column.name: _value_to_json(column, row.get(column.name), field_types)
             for column in field.fields}
            for row in value or ()
        ]
    if value is None:
        return None
    return field_types[field.type].to_json(field, value)
