"""Which fields one save may write: the user's field permissions, what the plugins let
change now (``record_writable_fields``: the process, in approval or finished), the fields
the entity's process fills itself, and read-only conditions on the record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Connection

from formflow.auth import User, can_read_field, can_write_field
from formflow.expressions import EvaluationContext
from formflow.i18n import Message
from formflow.metadata.model import Entity, Model
from formflow.records.evaluation import RecordScope, holds
from formflow.records.payload import Errors, add_error


class WritableFields:
    """The write permissions of the saves made on one connection, with a cache of the
    fields nothing about a record can refuse."""

    def __init__(self, conn: Connection, model: Model, hooks_for, context: EvaluationContext):
        self.conn = conn
        self.model = model
        self.hooks_for = hooks_for  # app name -> hook callers of the plugins it enabled
        self.context = context
        #: (entity, roles) -> the fields those roles may write whatever the record holds.
        self._plainly_writable: dict[tuple[str, frozenset[str]], frozenset[str]] = {}

    def check(self, user: User, entity: Entity, values: Mapping[str, Any],
              current: dict | None, ask_writable: bool,
              scope_of: Callable[[Entity, Mapping], RecordScope], errors: Errors) -> None:
        """Add to ``errors`` each of ``values`` that ``user`` may not write on ``current``
        (None: a new record); ``ask_writable`` asks the plugins too."""
        roles = user.roles
        scope = None
        allowed = (self.plugin_writable(user, entity, current)
                   if current is not None and ask_writable else None)
        owned = self.process_owned(entity, allowed) if ask_writable else frozenset()
        plain = self._plain_fields(entity, roles)
        if allowed is not None and "*" not in allowed:
            plain = plain & allowed
        for name, value in values.items():
            if name in plain and name not in owned:
                continue  # readable, writable, never read-only
            field = entity.field(name)
            if not can_read_field(field, roles):
                # refused whatever the value: accepting the stored one would tell it
                add_error(errors, name, Message("unknown_field"))
                continue
            if current is not None and current.get(name) == value:
                continue
            if current is None and value is None:
                continue
            plugin_refuses = allowed is not None and "*" not in allowed and name not in allowed
            if name in owned:
                add_error(errors, name, Message("set_by_process"))
            elif plugin_refuses or not can_write_field(field, roles):
                add_error(errors, name, Message("not_writable"))
            elif field.readonly_if:
                scope = scope or scope_of(entity, current or values)
                if holds(field.readonly_if, scope, self.context):
                    add_error(errors, name, Message("read_only"))

    def _plain_fields(self, entity: Entity, roles: frozenset[str]) -> frozenset[str]:
        """The fields holders of ``roles`` may read and write and that are never
        read-only: nothing about the record can refuse a value for them."""
        key = (entity.qualified_name, frozenset(roles))
        plain = self._plainly_writable.get(key)
        if plain is None:
            plain = self._plainly_writable[key] = frozenset(
                f.name for f in entity.fields
                if can_read_field(f, roles) and can_write_field(f, roles) and not f.readonly_if)
        return plain

    def process_owned(self, entity: Entity, allowed: set[str] | None) -> frozenset[str]:
        """The fields the entity's process fills (a transition's ``set``), which no form
        or API call writes: unless the current state's actors are given one by name
        (``allowed``: see :meth:`plugin_writable`)."""
        process = self.model.process_for(entity)
        if process is None:
            return frozenset()
        return process.set_fields - (allowed or set())

    def plugin_writable(self, user: User, entity: Entity, current: dict) -> set[str] | None:
        """The fields every plugin lets ``user`` change on the stored ``current`` now
        (None: no plugin limits them)."""
        answers = self.hooks_for(entity.app).record_writable_fields(
            conn=self.conn, user=user, entity=entity, record=current
        )
        allowed = None
        for answer in answers:
            if answer is not None and "*" not in answer:
                allowed = set(answer) if allowed is None else allowed & set(answer)
        return allowed
