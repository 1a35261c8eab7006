"""A form's live preview: the save pipeline run on the values typed so far, without
writing anything.  It answers the values the record would get (defaults, fetched and
computed values), each field's state (visible, required, read-only) and every error a
save would report.  Plugins validate as on a save; save hooks do not run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from formflow.auth import User, can_write_field
from formflow.errors import ValidationFailed
from formflow.expressions import EvaluationContext
from formflow.i18n import Message
from formflow.metadata.model import Entity
from formflow.records.evaluation import holds
from formflow.records.payload import parse_payload
from formflow.records.saving import Saver, SaveRequest

if TYPE_CHECKING:
    from formflow.records.internal import InternalRecords


@dataclass(frozen=True)
class FieldState:
    visible: bool
    required: bool
    readonly: bool


@dataclass(frozen=True)
class Preview:
    """What a save of a form's values would do: ``values`` as JSON, ``states`` and
    ``errors`` by field path (``lines[0].qty``)."""

    values: dict[str, Any]
    states: dict[str, FieldState]
    errors: dict[str, list[Message]]


def field_states(fields, scope, context: EvaluationContext, roles, prefix: str = "",
                 *, owned: frozenset[str] = frozenset()) -> dict:
    """Each field's state for a record (and each line-item cell's, by path); ``owned``:
    the fields the process fills, read-only in forms."""
    states = {}
    for field in fields:
        visible = not field.visible_if or holds(field.visible_if, scope, context)
        required = visible and not field.compute and (
            field.required or holds(field.required_if, scope, context)
        )
        readonly = bool(field.compute or field.fetch) or not can_write_field(field, roles) or (
            field.name in owned and not prefix) or holds(field.readonly_if, scope, context)
        path = f"{prefix}{field.name}"
        states[path] = FieldState(visible, required, readonly)
        if field.is_table:
            for index, row_scope in enumerate(scope[field.name] or []):
                states.update(field_states(field.fields, row_scope, context, roles,
                                           f"{path}[{index}]."))
    return states


class _PreviewHooks:
    """The plugin hooks as a preview sees them: validation runs as on a save (and shows
    the record the pipeline built), the save hooks do not, since nothing is saved."""

    def __init__(self, hooks):
        self._hooks = hooks
        self.record: dict[str, Any] | None = None

    def __getattr__(self, name: str):
        return getattr(self._hooks, name)

    def record_validate(self, **kwargs):
        self.record = kwargs["record"]
        return self._hooks.record_validate(**kwargs)

    def record_before_save(self, **kwargs):
        return []

    def record_after_save(self, **kwargs):
        return []

    def record_after_commit(self, **kwargs):
        return []


def preview_in(records: InternalRecords, conn, user: User, entity: Entity,
               current: dict | None, payload: Any) -> Preview:
    """The preview of ``payload`` for a new record (``current`` None) or a change of
    ``current``, in the read transaction ``conn`` (never committed)."""
    values, _, errors = parse_payload(
        entity, payload, records.field_types,
        current=records.to_json(user, entity, current) if current else None,
        limits=records.limits,
    )
    hooks = _PreviewHooks(records.plugins.hooks_for(entity.app))
    saver = Saver(conn, records.model, records.schema, records.field_types, records.context(user),
                  records.load, lambda app: hooks, read_condition=records.read_condition_in(conn))
    if "" not in errors:
        try:
            saver.check(SaveRequest(entity, user, values, current), errors)
        except ValidationFailed as failed:
            errors = failed.errors
    record = hooks.record if hooks.record is not None else {**(current or {}), **values}
    scope = saver.scope(entity, record)  # sees no record the user may not read
    writer = records.saver_for(conn, user)  # with the plugins' real hooks
    allowed = writer.writable.plugin_writable(user, entity, current) if current else None
    states = field_states(entity.fields, scope, records.context(user), user.roles,
                          owned=writer.writable.process_owned(entity, allowed))
    return Preview(records.to_json(user, entity, record), states, errors)
