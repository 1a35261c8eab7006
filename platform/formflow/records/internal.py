"""The records in their internal form, for code that has decided permission itself.

:class:`InternalRecords` is the contract the process engine, importers, automations, the
demo loader and plugins work with: records are plain dicts in the internal form (see
``docs/architecture.md``), everything runs inside the caller's transaction (a
``Connection``), and nothing here asks whether a user may read or change a record: the
caller decides.  Saves still go through the whole save pipeline (validation, computed
values, plugin hooks, the audit trail).  Pages and the REST API use
:class:`~formflow.records.service.RecordService`, which checks permissions and then
calls this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from typing import Any

from sqlalchemy.engine import Connection

from formflow.auth import User, can_read_field
from formflow.errors import NotFound, ValidationFailed
from formflow.expressions import EvaluationContext
from formflow.fields import Registry
from formflow.fields.references import MAX_RECORD_ID
from formflow.i18n import Message
from formflow.metadata.model import Entity, Field, Model
from formflow.plugins.manager import PluginSet
from formflow.records import audit
from formflow.records.access import ReadScopes
from formflow.records.evaluation import RecordScope
from formflow.records.limits import RecordLimits
from formflow.records.payload import ECHOED_SYSTEM_FIELDS, parse_payload
from formflow.records.references import to_internal
from formflow.records.refusals import check_version
from formflow.records.saving import Saver, SaveRequest
from formflow.records.serialize import Serializer, record_to_json, serializer
from formflow.storage.database import Database
from formflow.storage.repository import load_row
from formflow.storage.tables import Schema

#: Loads a linked record (internal form) by qualified entity name and id.
Follower = Callable[[str, int], "dict[str, Any] | None"]


def readable_by(user: User) -> Callable[[Field], bool]:
    """Whether ``user`` may see a field (its ``read_roles``) on a record they read."""
    roles = user.roles
    return lambda field: can_read_field(field, roles)


class InternalRecords:
    """Load, evaluate and save records in the internal form; the caller decides
    permission and owns the transaction."""

    def __init__(
        self,
        db: Database,
        model: Model,
        schema: Schema,
        field_types: Registry,
        *,
        plugins: PluginSet,
        scopes: ReadScopes,
        timezone: tzinfo | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        limits: RecordLimits | None = None,
    ):
        self.db = db
        self.model = model
        self.schema = schema
        self.field_types = field_types
        self.plugins = plugins
        self.scopes = scopes
        self.timezone = timezone
        #: Expression functions from plugins.
        self.functions = dict(functions or {})
        #: Size limits of one record's input (see :mod:`formflow.records.limits`).
        self.limits = limits or RecordLimits()
        #: (qualified entity name, with system fields) -> (the entity, its serializer
        #: for the audit trail)
        self._audit_serializers: dict[tuple[str, bool], tuple[Entity, Serializer]] = {}

    # -- reading ----------------------------------------------------------------------

    def load(
        self,
        conn: Connection,
        qualified: str,
        record_id: int,
        *,
        include_deleted: bool = False,
        lock: bool = False,
        known_users: Mapping[int, str] | None = None,
    ) -> dict[str, Any] | None:
        """The record ``record_id`` of entity ``qualified``, or None (a deleted one only
        with ``include_deleted``; ``lock``: its row locked until the write transaction
        ends; ``known_users``: see :func:`~formflow.records.references.to_internal`)."""
        if not 0 < record_id <= MAX_RECORD_ID:
            return None  # no such row can exist, and the database would refuse the number
        tables = self.schema[qualified]
        row = load_row(conn, tables, record_id, include_deleted=include_deleted, lock=lock)
        if row is not None:
            to_internal(conn, tables.entity, [row], self.field_types, known_users)
        return row

    def follower(self, conn: Connection) -> Follower:
        """A function loading linked records (internal form), each at most once."""
        cache: dict[tuple[str, int], dict | None] = {}

        def follow(qualified: str, record_id: int) -> dict[str, Any] | None:
            if (qualified, record_id) not in cache:
                cache[(qualified, record_id)] = self.load(conn, qualified, record_id)
            return cache[(qualified, record_id)]

        return follow

    def scope(self, conn: Connection, entity: Entity, record: Mapping[str, Any]) -> RecordScope:
        """The names expressions see for ``record`` (links followed through ``conn``)."""
        return RecordScope(entity.fields, record, self.follower(conn), self.model.entity)

    def context(self, user: User) -> EvaluationContext:
        """What expressions evaluated for ``user`` know: the user, their roles, the time
        zone and the plugins' functions."""
        return EvaluationContext(
            username=user.username,
            roles=user.roles,
            timezone=self.timezone,
            functions=self.functions,
        )

    def to_json(self, user: User, entity: Entity, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record as the API shows it to ``user`` (fields they may not read left out)."""
        return record_to_json(entity, record, self.field_types, readable_by(user))

    def audited(self, entity: Entity, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record as the audit trail keeps it: every field, whoever acts (readers
        see only the fields they may read: the history filters)."""
        return self._audit_serializer(entity, True)(record)

    def created_changes(self, entity: Entity, record: Mapping[str, Any]) -> dict[str, list]:
        """The changes the audit entry of a record just created lists: ``[None, value]``
        for each field it holds (``changes_between({}, audited(record))``)."""
        fields = self._audit_serializer(entity, False)(record)
        return {name: [None, value] for name, value in fields.items() if value is not None}

    def _audit_serializer(self, entity: Entity, system: bool) -> Serializer:
        """The audit trail's serializer of ``entity``, built once per entity (and model)."""
        cached = self._audit_serializers.get((entity.qualified_name, system))
        if cached is None or cached[0] is not entity:
            cached = (
                entity,
                serializer(entity, self.field_types, lambda field: True, system=system),
            )
            self._audit_serializers[(entity.qualified_name, system)] = cached
        return cached[1]

    # -- saving -----------------------------------------------------------------------

    def create_in(self, conn: Connection, user: User, entity: Entity, payload: Any) -> dict:
        """Create a record from a request-shaped ``payload`` as ``user``, through the whole
        save pipeline; returns it."""
        values, _, errors = parse_payload(entity, payload, self.field_types, limits=self.limits)
        if "" in errors:
            raise ValidationFailed(errors)
        return self.insert(conn, user, entity, values, errors)

    def insert(
        self,
        conn: Connection,
        user: User,
        entity: Entity,
        values: dict,
        errors: dict,
        *,
        own_transaction: bool = False,
    ) -> dict:
        """Create a record from parsed ``values`` (``errors``: those parsing found, to
        report with the pipeline's); ``own_transaction``: see :class:`SaveRequest`."""
        saver = self.saver_for(conn, user)
        request = SaveRequest(entity, user, values, own_transaction=own_transaction)
        record, stored, changed = saver.check(request, errors)
        return saver.store(request, record, stored, changed, self.created_changes(entity, record))

    def update_in(
        self,
        conn: Connection,
        user: User,
        entity: Entity,
        current: dict,
        payload: Any,
        *,
        expected_version: int | None = None,
        own_transaction: bool = False,
    ) -> tuple[dict[str, Any], bool]:
        """Change the stored record ``current`` (loaded with its row locked) with a
        request-shaped ``payload``, as ``user`` may write it.  Returns the record and
        whether anything changed: an unchanged record is not written and keeps its
        version.  ``own_transaction``: see :class:`SaveRequest`."""
        # the stored record as the API shows it, to compare system fields sent back with
        echoes = isinstance(payload, Mapping) and not ECHOED_SYSTEM_FIELDS.isdisjoint(payload)
        before = self.to_json(user, entity, current) if echoes else {}
        values, body_version, errors = parse_payload(
            entity, payload, self.field_types, current=before, limits=self.limits
        )
        check_version(current, expected_version or body_version)
        if "" in errors:
            raise ValidationFailed(errors)
        saver = self.saver_for(conn, user)
        request = SaveRequest(entity, user, values, current, own_transaction=own_transaction)
        record, stored, changed = saver.check(request, errors)
        changes = audit.changes_between(self.audited(entity, current),
                                        self.audited(entity, record))
        if not changes:
            return current, False
        return saver.store(request, record, stored, changed, changes), True

    def change_in(
        self,
        conn: Connection,
        user: User,
        entity: Entity,
        current: dict,
        values: Mapping,
        *,
        system: Mapping[str, Any] | None = None,
        required: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Save ``values`` (parsed) and ``system`` columns on a stored record, validating
        as any save does but whatever fields ``user`` may write (``required``: fields
        that must be filled now).  Returns the saved record."""
        saver = self.saver_for(conn, user)
        request = SaveRequest(
            entity,
            user,
            dict(values),
            current,
            system=dict(system or {}),
            required=tuple(required),
            ask_writable=False,
        )
        record, stored, changed = saver.check(request, {})
        changes = audit.changes_between(self.audited(entity, current),
                                        self.audited(entity, record))
        return saver.store(request, record, stored, changed, changes or None)

    def saver_for(self, conn: Connection, user: User) -> Saver:
        """The save pipeline for ``user`` inside ``conn``'s transaction."""
        return Saver(
            conn,
            self.model,
            self.schema,
            self.field_types,
            self.context(user),
            self.load,
            self.plugins.hooks_for,
            db=self.db,
            read_condition=self.read_condition_in(conn),
        )

    def read_condition_in(self, conn: Connection):
        """(user, qualified entity) -> the user's read scope there, for the save
        pipeline (a link must point at a record its writer may read)."""

        def read_condition(user: User, qualified: str):
            entity = self.model.entity(qualified)
            if entity is None:
                raise NotFound(Message("not_found"))
            return self.scopes.read_condition(conn, user, entity)

        return read_condition
