"""Validate a record's merged values: required fields, conditions, constraints, rules.

Checks that need no database.  Every problem is collected under its field path
(``lines[2].qty``; ``""`` for the record as a whole) so the user sees them all at once.
A failed rule is a problem of the record as a whole and of each field its ``check``
reads, so forms show it beside those fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from formflow.auth import can_read_field
from formflow.expressions import EvaluationContext
from formflow.fields import Registry
from formflow.i18n import Message
from formflow.metadata.model import Entity, Field
from formflow.records.evaluation import evaluate, fields_named, holds
from formflow.records.payload import Errors, add_error


def validate_record(
    entity: Entity,
    values: Mapping[str, Any],
    scope: Mapping[str, Any],
    context: EvaluationContext,
    field_types: Registry,
    *,
    changed: set[str] | None = None,
) -> Errors:
    """``changed`` limits constraint checks to the fields written now (None: all), so a
    record saved under older rules is not blocked by a field the user did not touch;
    required fields and rules are always checked."""
    errors: Errors = {}
    _validate_fields(entity.fields, values, scope, context, field_types, errors, "", changed)
    for rule in entity.rules:
        if evaluate(rule.check, scope, context) is False:
            message = Message("rule_failed", {"message": rule.message})
            add_error(errors, "", message)
            for field in fields_named(rule.check, entity.fields, context.functions):
                add_error(errors, field.name, message)  # shown beside the fields too
    return errors


def _validate_fields(fields, values, scope, context, field_types, errors, prefix, changed):
    for field in fields:
        path = f"{prefix}{field.name}"
        value = values.get(field.name)
        if _is_empty(value):
            if field.is_table:
                _check_row_count(field, [], scope, context, errors, path)
            elif _is_required(field, scope, context):
                add_error(errors, path, Message("required"))
            continue
        if field.is_table:
            _validate_rows(field, value, scope, context, field_types, errors, path, changed)
            continue
        if field.compute or (changed is not None and field.name not in changed):
            continue
        for message in field_types[field.type].validate(field, value):
            add_error(errors, path, message)


def _check_row_count(field: Field, rows, scope, context, errors, path) -> None:
    """``min_rows`` and ``max_rows``, an empty table included (unless it is hidden)."""
    hidden = field.visible_if and not holds(field.visible_if, scope, context)
    if field.min_rows and len(rows) < field.min_rows and not hidden:
        add_error(errors, path, Message("too_few_rows", {"field": field.label,
                                                        "min": field.min_rows}))
    if field.max_rows is not None and len(rows) > field.max_rows:
        add_error(errors, path, Message("too_many_rows", {"field": field.label,
                                                         "max": field.max_rows}))


def _validate_rows(field: Field, rows, scope, context, field_types, errors, path, changed):
    _check_row_count(field, rows, scope, context, errors, path)
    row_scopes = scope[field.name] or []
    check_rows = changed is None or field.name in changed
    for index, (row, row_scope) in enumerate(zip(rows, row_scopes, strict=False)):
        _validate_fields(
            field.fields, row, row_scope, context, field_types, errors,
            f"{path}[{index}].", None if check_rows else set(),
        )


def _is_required(field: Field, scope, context: EvaluationContext) -> bool:
    if field.visible_if and not holds(field.visible_if, scope, context):
        return False  # a hidden field is never required
    if field.compute:
        return False
    return field.required or holds(field.required_if, scope, context)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def visible_errors(entity: Entity, errors: Errors, roles) -> Errors:
    """``errors`` as a user with ``roles`` may see them: none keyed by a field outside
    their ``read_roles`` (a rule marks every field it reads; its message stays on the
    record), except "unknown field" for a field they named themselves."""
    shown: Errors = {}
    for key, messages in errors.items():
        field = entity.field(key.split("[")[0]) if key else None
        hidden = field is not None and not can_read_field(field, roles)
        if not hidden or all(m.key == "unknown_field" for m in messages):
            shown[key] = messages
    return shown or {"": [Message("not_saved")]}

