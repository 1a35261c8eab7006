"""Parse a create/update body into typed values, collecting every error by field path.

Values come out in the records layer's internal form: Python types for scalars
(``Decimal``, ``date``...), user names for user fields, department codes for department
fields, link ids, and lists of row dicts for line items.  Nothing here touches the
database; references are verified later in bulk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from formflow.fields import FieldValueError, Registry
from formflow.i18n import Message
from formflow.metadata.model import SYSTEM_FIELDS, Entity, Field
from formflow.records.limits import DEFAULT_LIMITS, RecordLimits, oversized_tables

Errors = dict[str, list[Message]]

#: System fields a client may send back unchanged (a record read then written back);
#: ``_version`` doubles as the expected version for optimistic locking.
ECHOED_SYSTEM_FIELDS = frozenset(SYSTEM_FIELDS)
#: What the API adds to a record besides its stored fields (``_states``: every active
#: step of its process); sent back, it is ignored like a computed field.
DERIVED_FIELDS = frozenset({"_states"})


def add_error(errors: Errors, path: str, message: Message) -> None:
    errors.setdefault(path, []).append(message)


def parse_payload(
    entity: Entity,
    payload: Any,
    field_types: Registry,
    *,
    current: Mapping[str, Any] | None = None,
    limits: RecordLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, Any], int | None, Errors]:
    """Return (values, expected version, errors) for a request body.

    ``current`` is the stored record on update: system and computed fields may be echoed
    back with their current value, anything else read-only is an error.  Table fields
    over the ``limits`` are refused before any of their rows is read; an error under
    ``""`` (too many cells, or a body that is no object) means nothing was read.
    """
    errors: Errors = {}
    values: dict[str, Any] = {}
    expected_version = None
    if not isinstance(payload, Mapping):
        add_error(errors, "", Message("invalid_row"))
        return values, None, errors
    oversized = oversized_tables(entity, payload, limits) if entity.table_fields else {}
    for path, message in oversized.items():
        add_error(errors, path, message)
    if "" in errors:
        return values, None, errors
    for name, raw in payload.items():
        if name in oversized:
            continue
        if name == "_version":
            expected_version = _parse_version(raw, errors)
            continue
        if name in DERIVED_FIELDS:
            continue
        field = entity.field(name) if isinstance(name, str) else None
        if field is None:
            if name in ECHOED_SYSTEM_FIELDS:
                if current is None or _echo_differs(current.get(name), raw):
                    add_error(errors, name, Message("read_only"))
                continue
            add_error(errors, str(name)[:100], Message("unknown_field"))
            continue
        if field.compute:
            continue  # recomputed on every save; a client echoing it back is harmless
        value = parse_value(field, raw, field_types, errors, name)
        if name not in errors:
            values[name] = value
    return values, expected_version, errors


def parse_value(field: Field, raw: Any, field_types: Registry, errors: Errors, path: str) -> Any:
    try:
        value = field_types[field.type].parse(field, raw)
    except FieldValueError as error:
        add_error(errors, path, error.message)
        return None
    if field.is_table:
        return _parse_rows(field, value, field_types, errors, path)
    return value


def _parse_rows(field: Field, rows: list, field_types: Registry, errors: Errors, path: str):
    parsed = []
    for index, row in enumerate(rows):
        row_path = f"{path}[{index}]"
        if not isinstance(row, Mapping):
            add_error(errors, row_path, Message("invalid_row"))
            continue
        values = {}
        for name, raw in row.items():
            column = field.column(name) if isinstance(name, str) else None
            if column is None:
                if name != "id":  # a row read back from the API carries its id
                    add_error(errors, f"{row_path}.{str(name)[:100]}", Message("unknown_field"))
                continue
            if column.compute:
                continue
            values[name] = parse_value(column, raw, field_types, errors, f"{row_path}.{name}")
        parsed.append(values)
    return parsed


def _parse_version(raw: Any, errors: Errors) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    add_error(errors, "_version", Message("invalid_integer"))
    return None


def _echo_differs(current: Any, raw: Any) -> bool:
    if current is None or raw is None:
        return current is not raw
    return str(current) != str(raw) and _json_form(current) != raw


def _json_form(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    if isoformat is not None:
        return isoformat().replace("+00:00", "Z")
    return value
