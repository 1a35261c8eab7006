"""Records as JSON: a flat object of the fields the caller may read plus system fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from formflow.fields import Registry
from formflow.metadata.model import SYSTEM_FIELDS, Entity, Field

Serializer = Callable[[Mapping[str, Any]], dict[str, Any]]


def serializer(
    entity: Entity, field_types: Registry, readable: Callable[[Field], bool],
    *, system: bool = True,
) -> Serializer:
    """A function turning records of ``entity`` into JSON objects; the per-field work
    (which fields the caller may read, how each converts) is decided once, here.
    ``system`` False leaves the system fields out."""
    converters = [(f.name, _converter(f, field_types)) for f in entity.fields if readable(f)]
    system_fields = SYSTEM_FIELDS if system else ()

    def to_json(record: Mapping[str, Any]) -> dict[str, Any]:
        data = {name: _system_value(record.get(name)) for name in system_fields}
        for name, convert in converters:
            data[name] = convert(record.get(name))
        return data

    return to_json


def record_to_json(
    entity: Entity, record: Mapping[str, Any], field_types: Registry,
    readable: Callable[[Field], bool],
) -> dict[str, Any]:
    return serializer(entity, field_types, readable)(record)


def _system_value(value: Any) -> Any:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value


def _converter(field: Field, field_types: Registry) -> Callable[[Any], Any]:
    if field.is_table:
        columns = [(c.name, _converter(c, field_types)) for c in field.fields]
        return lambda rows: [
            {name: convert(row.get(name)) for name, convert in columns} for row in rows or ()
        ]
    to_json = field_types[field.type].to_json
    return lambda value: None if value is None else to_json(field, value)
