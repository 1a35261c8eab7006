"""Records as JSON: a flat object of the fields the caller may read plus system fields.

The per-field work (which fields the caller may read, how each converts) is decided once
per entity and set of readable fields and remembered, since every request serializing a
record of the same entity for the same roles would decide it the same way."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from formflow.fields import Registry
from formflow.fields.base import FieldType
from formflow.metadata.model import SYSTEM_FIELDS, Entity, Field

Serializer = Callable[[Mapping[str, Any]], dict[str, Any]]
#: A field's conversion to JSON, or None where the value is its own JSON form.
Converter = Callable[[Any], Any] | None

#: Serializers made, by entity, registry and readable fields; the entity and registry
#: are kept with each, so that an id reused after a reload never finds another's.
_MADE: dict[tuple[int, int, tuple[str, ...], bool], tuple[Entity, Registry, Serializer]] = {}
_MADE_MOST = 1_000
_lock = threading.Lock()


def serializer(
    entity: Entity, field_types: Registry, readable: Callable[[Field], bool],
    *, system: bool = True,
) -> Serializer:
    """A function turning records of ``entity`` into JSON objects (``system`` False: without
    the system fields)."""
    fields = [f for f in entity.fields if readable(f)]
    key = (id(entity), id(field_types), tuple(f.name for f in fields), system)
    made = _MADE.get(key)
    if made is not None and made[0] is entity and made[1] is field_types:
        return made[2]
    to_json = _make(fields, field_types, tuple(SYSTEM_FIELDS) if system else ())
    with _lock:
        if len(_MADE) >= _MADE_MOST:  # entities of earlier models, or many role sets
            _MADE.clear()
        _MADE[key] = (entity, field_types, to_json)
    return to_json


def record_to_json(
    entity: Entity, record: Mapping[str, Any], field_types: Registry,
    readable: Callable[[Field], bool],
) -> dict[str, Any]:
    return serializer(entity, field_types, readable)(record)


def _make(fields: list[Field], field_types: Registry, system_fields: tuple[str, ...]
          ) -> Serializer:
    # (name, conversion, whether None is converted too): a table's None is an empty list
    converters = [
        (f.name, _table_converter(f, field_types), True) if f.is_table
        else (f.name, _converter(f, field_types), False)
        for f in fields
    ]

    # Of the system fields only the times change form (the others are numbers and text).
    times = tuple(name for name in system_fields if SYSTEM_FIELDS[name] == "datetime")

    def to_json(record: Mapping[str, Any]) -> dict[str, Any]:
        get = record.get
        data = {name: get(name) for name in system_fields}
        for name in times:
            data[name] = _system_value(data[name])
        for name, convert, always in converters:
            value = get(name)
            if convert is not None and (always or value is not None):
                value = convert(value)
            data[name] = value
        return data

    return to_json


def _system_value(value: Any) -> Any:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value


def _table_converter(field: Field, field_types: Registry) -> Callable[[Any], list]:
    columns = [(c.name, _converter(c, field_types)) for c in field.fields]
    return lambda rows: [
        {name: _convert(convert, row.get(name)) for name, convert in columns} for row in rows or ()
    ]


def _converter(field: Field, field_types: Registry) -> Converter:
    """A scalar field's conversion of a value that is not None."""
    field_type = field_types[field.type]
    if type(field_type).to_json is FieldType.to_json:
        return None
    to_json = field_type.to_json
    return lambda value: to_json(field, value)


def _convert(convert: Converter, value: Any) -> Any:
    return value if convert is None or value is None else convert(value)
