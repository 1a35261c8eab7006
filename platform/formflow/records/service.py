"""The records service: create, read, update, delete, restore, list and history, on
behalf of a user.

Pages, the REST API, the CLI and the other services acting for a user call these
functions; each decides what the user may do before it reads or writes, then works
through :class:`~formflow.records.internal.InternalRecords` (the internal form, where
the caller has decided).  Each write is one transaction; each error is a
:class:`~formflow.errors.ServiceError` carrying messages in every language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User
from formflow.auth.permissions import EntityGrant
from formflow.errors import NotFound, StaleVersion, ValidationFailed
from formflow.fields import Registry
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.metadata.model import Entity, Field, Model
from formflow.plugins.manager import PluginSet
from formflow.records import audit
from formflow.records.access import ReadScopes
from formflow.records.hiding import listable, redacting, refuse_hidden, without
from formflow.records.idempotency import claim_key, make_claim, settle_key
from formflow.records.internal import InternalRecords, readable_by
from formflow.records.limits import RecordLimits
from formflow.records.listing import Page, add_up, batches, list_conditions, search_fields
from formflow.records.payload import parse_payload
from formflow.records.preview import Preview, preview_in
from formflow.records.query import order_by, parse_list_query
from formflow.records.references import to_internal
from formflow.records.refusals import check_version, forbidden, not_found
from formflow.records.saving import integrity_problem, notify_after_commit
from formflow.records.serialize import serializer
from formflow.storage.audit_entries import Entry
from formflow.storage.counting import Totals, settled
from formflow.storage.database import Database
from formflow.storage.files import digest_of, remember_upload
from formflow.storage.repository import attach_lines, update_row
from formflow.storage.tables import Schema


@dataclass(frozen=True)
class Permitted:
    """What a user may do to one record, and why not edit it when they may not."""

    update: bool
    delete: bool
    #: Why ``update`` is False, for the user (a plugin's or the process's reason).
    reason: Message | None = None


class RecordService:
    """The public records API: every call checks what ``user`` may do before it reads
    or writes, then works through :class:`InternalRecords`."""

    def __init__(
        self, db: Database, model: Model, schema: Schema, field_types: Registry,
        *, internal: InternalRecords, scopes: ReadScopes, plugins: PluginSet,
        limits: RecordLimits | None = None, idempotency_seconds: int = 86_400,
    ):
        self.db = db
        self.model = model
        self.schema = schema
        self.field_types = field_types
        self.internal = internal
        self.scopes = scopes
        self.plugins = plugins
        self.totals = Totals()
        #: Size limits of one record's input (see :mod:`formflow.records.limits`).
        self.limits = limits or RecordLimits()
        #: How long a create's idempotency key is remembered.
        self.idempotency_window = timedelta(seconds=idempotency_seconds)

    # -- permissions ------------------------------------------------------------------

    def entity(self, name: str) -> Entity:
        entity = self.model.entity(name)
        if entity is None:
            raise NotFound(Message("not_found"))
        return entity

    def grant(self, user: User, entity: Entity) -> EntityGrant:
        return self.scopes.grant(user, entity)

    def require(self, user: User, entity: Entity, operation: str) -> EntityGrant:
        """The user's grant on ``entity``, or Forbidden unless it allows ``operation``
        (one of create, read, update, delete, export, import_) at all."""
        grant = self.grant(user, entity)
        if not grant.allows(operation):
            raise forbidden(operation.rstrip("_"), entity)
        return grant

    def readable_ids(self, conn: Connection, user: User, entity: Entity) -> sa.Select | None:
        """The ids of the records of ``entity`` within the user's read scope, as a query to
        filter other tables by; ``None`` when the scope is ``all``."""
        scope = self.read_condition(conn, user, entity)
        main = self.schema[entity.qualified_name].main
        return None if scope is None else sa.select(main.c.id).where(scope)

    def read_condition(
        self, conn: Connection, user: User, entity: Entity
    ) -> sa.ColumnElement[bool] | None:
        """The condition on the main table of ``entity`` limiting it to the records the
        user may read; ``None`` when the scope is ``all``."""
        return self.scopes.read_condition(conn, user, entity)

    def readable_by(self, user: User) -> Callable[[Field], bool]:
        """Whether ``user`` may see a field (its ``read_roles``) on a record they read."""
        return readable_by(user)

    def readable_record(self, conn: Connection, user: User, entity: Entity, record_id: int,
                        *, lock: bool = False) -> dict[str, Any]:
        """The live record ``record_id`` (internal form) inside the caller's transaction
        if ``user`` may read it; NotFound otherwise."""
        record = self.internal.load(conn, entity.qualified_name, record_id, lock=lock,
                                    known_users={user.id: user.username})
        scope = self.grant(user, entity).read
        if record is None or not self.scopes.holds(conn, user, entity, scope, record_id):
            raise not_found(entity, record_id)
        return record

    def writable_record(self, conn: Connection, user: User, entity: Entity, record_id: int,
                        action: str) -> dict[str, Any]:
        """The live record ``record_id`` if ``user`` may read it and ``action`` it (a
        scoped operation); NotFound or Forbidden otherwise.  Its row stays locked until
        the write transaction ends, so a concurrent writer waits and then works on this
        one's result instead of failing on a version it could not know was stale."""
        record = self.readable_record(conn, user, entity, record_id, lock=True)
        grant = self.grant(user, entity)
        if getattr(grant, action) != grant.read:  # the same scope was just checked
            self._require_scope(conn, user, entity, record_id, action)
        return record

    def to_json(self, user: User, entity: Entity, record: Mapping[str, Any],
                conn: Connection | None = None) -> dict[str, Any]:
        """A record (internal form) as the API shows it to ``user``: without the fields
        hidden from them on it (read in ``conn``, or in a read of its own)."""
        if conn is None:
            with self.db.read() as conn:
                return self.to_json(user, entity, record, conn)
        hidden = self.scopes.hidden_fields(conn, user, entity, [record["id"]])
        return without(self.internal.to_json(user, entity, record), hidden.get(record["id"], ()))

    # -- operations -------------------------------------------------------------------

    def create(self, user: User, entity_name: str, payload: Any) -> dict[str, Any]:
        return self._create(user, entity_name, payload, None)[0]

    def create_once(
        self, user: User, entity_name: str, payload: Any, key: str
    ) -> tuple[dict[str, Any], bool]:
        """Create a record under an idempotency key (see :mod:`formflow.records.idempotency`):
        returns the record and whether it was made before, by an earlier create with the
        same key and body (then nothing is written now)."""
        return self._create(user, entity_name, payload, key)

    def _create(
        self, user: User, entity_name: str, payload: Any, key: str | None
    ) -> tuple[dict[str, Any], bool]:
        entity = self.entity(entity_name)
        self.require(user, entity, "create")
        claim = None if key is None else make_claim(user.id, key, entity.qualified_name, payload)
        values, _, errors = parse_payload(entity, payload, self.field_types, limits=self.limits)
        if "" in errors:
            raise ValidationFailed(errors)
        with self.db.write() as conn:
            earlier = None if claim is None else claim_key(conn, claim, self.idempotency_window)
            if earlier is None:
                saved = self.internal.insert(conn, user, entity, values, errors,
                                             own_transaction=True)
                if claim is not None:
                    settle_key(conn, claim, saved["id"])
                shown = self.to_json(user, entity, saved, conn)
        if earlier is not None:
            return self.get(user, entity_name, earlier), True
        return shown, False

    def get(self, user: User, entity_name: str, record_id: int) -> dict[str, Any]:
        entity = self.entity(entity_name)
        with self.db.read() as conn:
            record = self.readable_record(conn, user, entity, record_id)
            return self.to_json(user, entity, record, conn)

    def permitted(self, user: User, entity_name: str, record_id: int) -> Permitted:
        """Whether ``user`` may update and delete the record, by the checks :meth:`update`
        and :meth:`delete` make: the scope of the user's grant, then whether plugins (the
        process: a record in approval or finished) leave any field to change; with the
        reason when not (what a page offers: it asks, never decides).  The record must be
        readable."""
        entity = self.entity(entity_name)
        grant = self.grant(user, entity)
        with self.db.read() as conn:
            record = self.readable_record(conn, user, entity, record_id)
            delete = self.scopes.holds(conn, user, entity, grant.delete, record_id)
            if not self.scopes.holds(conn, user, entity, grant.update, record_id):
                return Permitted(False, delete, Message("edit_not_permitted"))
            writable = self.internal.saver_for(conn, user).writable
            if writable.plugin_writable(user, entity, record) == set():
                hooks = self.plugins.hooks_for(entity.app)
                reason = hooks.record_edit_refusal(conn=conn, user=user, entity=entity,
                                                   record=record)
                return Permitted(False, delete, reason or Message("edit_locked"))
            return Permitted(True, delete)

    def update(
        self, user: User, entity_name: str, record_id: int, payload: Any,
        *, expected_version: int | None = None,
    ) -> dict[str, Any]:
        entity = self.entity(entity_name)
        with self.db.write() as conn:
            current = self.writable_record(conn, user, entity, record_id, "update")
            saved, _ = self.internal.update_in(
                conn, user, entity, current, payload, expected_version=expected_version,
                own_transaction=True)
            return self.to_json(user, entity, saved, conn)

    def delete(
        self, user: User, entity_name: str, record_id: int, *, expected_version: int | None = None
    ) -> None:
        entity = self.entity(entity_name)
        with self.db.write() as conn:
            current = self.writable_record(conn, user, entity, record_id, "delete")
            check_version(current, expected_version)
            hooks = self.plugins.hooks_for(entity.app)
            hooks.record_before_delete(conn=conn, user=user, entity=entity, record=current)
            now = utcnow()
            self._set_deleted(conn, user, entity, current, now, "delete")
            deleted = {**current, "_deleted_at": now, "_updated_at": now,
                       "_updated_by": user.username, "_version": current["_version"] + 1}
            notify_after_commit(conn, self.db, hooks, user, entity, deleted, current, "delete")

    def restore(self, user: User, entity_name: str, record_id: int) -> dict[str, Any]:
        entity = self.entity(entity_name)
        with self.db.write() as conn:
            current = self.internal.load(
                conn, entity.qualified_name, record_id, include_deleted=True
            )
            readable = current is not None and self.scopes.holds(
                conn, user, entity, self.grant(user, entity).read, record_id
            )  # outside the read scope a deleted record is as unknown as a live one
            if not readable or current["_deleted_at"] is None:
                raise not_found(entity, record_id)
            self._require_scope(conn, user, entity, record_id, "delete")
            self._set_deleted(conn, user, entity, current, None, "restore")
            restored = self.internal.load(conn, entity.qualified_name, record_id)
            notify_after_commit(conn, self.db, self.plugins.hooks_for(entity.app), user, entity,
                                restored, current, "restore")
            return self.to_json(user, entity, restored, conn)

    def list(
        self, user: User, entity_name: str, args: Mapping[str, Sequence[str]],
        *, deleted: bool = False, sums: Sequence[str] = (),
    ) -> Page:
        """One page of records matching the request arguments (see records.query);
        ``sums`` names number fields to add up over every match (one more statement)."""
        entity = self.entity(entity_name)
        grant = self.grant(user, entity)
        if not grant.read or (deleted and not grant.delete):
            raise forbidden("read", entity)
        tables = self.schema[entity.qualified_name]
        main = tables.main
        with self.db.read() as conn:
            names = self.scopes.hidden_anywhere(conn, user, entity)
            listed = self._listable(user, args, names)
            query = parse_list_query(entity, args, self.field_types, listed)
            where = self._where(conn, user=user, entity=entity, grant=grant, query=query,
                                deleted=deleted, listed=listed)
            offset = (query.page - 1) * query.per_page
            rows, total, estimated = self.totals.page_total(conn, main, where).page(
                conn, sa.select(main).where(*where).order_by(*order_by(main, query))
                .limit(query.per_page).offset(offset))
            total, estimated = settled(total, estimated, offset, len(rows), query.per_page)
            totals = (add_up(conn, entity, main, where, sums, listed,
                             self.field_types) if rows else {})
            attach_lines(conn, tables, rows)
            to_internal(conn, entity, rows, self.field_types, {user.id: user.username})
            hidden = (self.scopes.hidden_fields(conn, user, entity, [r["id"] for r in rows])
                      if names and rows else {})
        to_json = redacting(serializer(entity, self.field_types, self.readable_by(user)), hidden)
        items = [to_json(row) for row in rows]
        return Page(items, total, query.page, query.per_page, estimated, totals)

    def iterate(
        self, user: User, entity_name: str, args: Mapping[str, Sequence[str]],
        *, limit: int, batch: int = 500, lines: bool = True,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every record matching the list arguments (paging arguments are ignored), at
        most ``limit``, as JSON in batches: one read transaction and one query whose rows
        are fetched ``batch`` at a time, so memory stays bounded however many records
        match.  ``lines=False`` leaves line items out.  Permission and the arguments are
        checked at once, before any batch is read."""
        entity = self.entity(entity_name)
        grant = self.grant(user, entity)
        if not grant.read:
            self.require(user, entity, "read")
        paging = {"page", "per_page"}
        args = {k: v for k, v in args.items() if k not in paging}
        with self.db.read() as conn:  # an export: every record hiding something, at once
            names = self.scopes.hidden_anywhere(conn, user, entity)
            hidden = self.scopes.hidden_fields(conn, user, entity) if names else {}
        listed = self._listable(user, args, names)
        query = parse_list_query(entity, args, self.field_types, listed)
        tables = self.schema[entity.qualified_name]
        to_json = redacting(serializer(entity, self.field_types, self.readable_by(user)), hidden)
        with_scope = partial(self._where, user=user, entity=entity, grant=grant, query=query,
                             deleted=False, listed=listed)
        return batches(self.db, tables, with_scope, query, to_json, self.field_types,
                       limit=limit, batch=batch, lines=lines)

    def _listable(self, user: User, args: Mapping[str, Sequence[str]], names: frozenset[str]
                  ) -> Callable[[Field], bool]:
        """The fields a list of ``user``'s may filter, sort, search and add up: those they
        may read but ``names`` (hidden from them on some record); a 422 when the
        arguments filter or sort on one of those."""
        refuse_hidden(args, names)
        return listable(self.readable_by(user), names)

    def _where(self, conn, *, user: User, entity: Entity, grant: EntityGrant, query,
               deleted: bool, listed: Callable[[Field], bool]):
        """The conditions of a list query: filters, search (over the ``listed`` fields),
        deleted or not, read scope."""
        main = self.schema[entity.qualified_name].main
        where = list_conditions(conn, main, query, search_fields(entity, listed),
                                self.field_types, deleted)
        scope = self.scopes.condition(conn, user, entity, grant.read)
        if scope is not None:
            where.append(scope)
        return where

    def history(self, user: User, entity_name: str, record_id: int) -> list[dict[str, Any]]:
        """The record's changes, oldest first; fields the caller may not read are hidden."""
        entity = self.entity(entity_name)
        with self.db.read() as conn:
            self.readable_record(conn, user, entity, record_id)
            entries = audit.history(conn, entity.qualified_name, record_id)
            at_step = self.scopes.hidden_fields(conn, user, entity, [record_id])
        hidden = {f.name for f in entity.fields if not self.readable_by(user)(f)}
        hidden |= at_step.get(record_id, frozenset())
        for entry in entries:
            entry["changes"] = {k: v for k, v in entry["changes"].items() if k not in hidden}
        return entries

    def preview(
        self, user: User, entity_name: str, payload: Any, record_id: int | None = None
    ) -> Preview:
        """Run the save pipeline on ``payload`` without writing anything: the values the
        record would get (defaults, fetched and computed values), each field's state
        (visible, required, read-only) and every error a save would report.  Forms call
        it while the user types.  Plugins validate as on a save; save hooks do not run."""
        entity = self.entity(entity_name)
        with self.db.read() as conn:  # never committed: rolled back at the end
            if record_id is None:
                if not self.grant(user, entity).create:
                    raise forbidden("create", entity)
                current = None
            else:
                current = self.writable_record(conn, user, entity, record_id, "update")
            preview = preview_in(self.internal, conn, user, entity, current, payload)
            hidden = self.scopes.hidden_fields(conn, user, entity, [record_id] if current else [])
            return replace(preview, values=without(preview.values, hidden.get(record_id, ())))

    def remember_upload(self, user: User, key: str) -> None:
        """Note that ``user`` uploaded the stored file ``key``: theirs to attach."""
        digest = digest_of(key)
        if digest is not None:
            with self.db.write() as conn:
                remember_upload(conn, digest, user.id)

    def _require_scope(self, conn, user: User, entity: Entity, record_id: int, action: str):
        scope = getattr(self.grant(user, entity), action)
        if not self.scopes.holds(conn, user, entity, scope, record_id):
            raise forbidden(action, entity)

    def _set_deleted(self, conn, user: User, entity: Entity, current: dict, when, action: str):
        tables = self.schema[entity.qualified_name]
        now = utcnow()
        columns = {"_deleted_at": when, "_updated_at": now, "_updated_by": user.id}
        entry = Entry(entity.qualified_name, action, user.id, now, {})
        try:
            written = update_row(conn, tables, current["id"], current["_version"], columns,
                                 entry)
        except sa.exc.IntegrityError as error:  # restored, a unique value is taken again
            raise integrity_problem(entity, tables.main, error) from None
        if not written:
            raise StaleVersion(Message("changed_meanwhile"))
