"""The save pipeline shared by create and update, run inside one write transaction.

merge values -> defaults -> links verified -> fetched values -> computed values ->
validation -> references to ids -> attached files verified -> unique values -> number
and title -> write.
Every problem found is collected before anything is written; the first write happens
only when there are none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User, can_read_field, get_department_by_code, get_user_by_name
from formflow.errors import Conflict, ServiceError, ValidationFailed
from formflow.expressions import EvaluationContext
from formflow.fields import Registry
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.metadata.model import Entity, Model
from formflow.records.attachments import check_attachments
from formflow.records.evaluation import (
    RecordScope,
    apply_defaults,
    compute_values,
    rows_with_scopes,
)
from formflow.records.linking import LinkCheck, check_links
from formflow.records.naming import (
    DEPARTMENT,
    USER,
    allocate_number,
    allocate_numbers,
    make_title,
    number_pattern,
)
from formflow.records.payload import Errors, add_error
from formflow.records.references import to_database
from formflow.records.refused_saves import note_refusal
from formflow.records.validation import validate_record, visible_errors
from formflow.records.writable import WritableFields
from formflow.storage.audit_entries import Entry
from formflow.storage.database import after_commit
from formflow.storage.repository import (
    insert_row,
    insert_rows,
    replace_lines,
    update_row,
    value_taken,
)
from formflow.storage.sequences import insert_numbered
from formflow.storage.tables import Schema, constraint_name


@dataclass
class SaveRequest:
    entity: Entity
    user: User
    values: dict[str, Any]  # parsed input
    current: dict[str, Any] | None = None  # the stored record (internal form) on update
    #: System columns to write too (the process engine moves ``_state``).
    system: dict[str, Any] = dataclass_field(default_factory=dict)
    #: Fields that must be filled for this save (a transition's ``required``).
    required: tuple[str, ...] = ()
    #: Ask plugins which fields may change (off when the process engine itself decides).
    ask_writable: bool = True
    #: The save is the only work of its transaction, so a unique value taken by another
    #: record may be left to the unique index: the failed statement then aborts nothing
    #: else, and the query that looks first is saved.  It still runs when other errors
    #: are found, so that the answer names every problem at once.
    own_transaction: bool = False
    #: The caller checks unique values for many records at once (see
    #: :mod:`formflow.records.bulk`) once this one has no other problem.
    unique_later: bool = False


class Saver:
    """One save of one record, with a per-save cache of linked records."""

    def __init__(
        self, conn: Connection, model: Model, schema: Schema, field_types: Registry,
        context: EvaluationContext, load_internal, hooks_for, *, read_condition, db=None,
    ):
        self.conn = conn
        self.db = db  # given to record_after_commit hooks
        self.hooks_for = hooks_for  # app name -> hook callers of the plugins it enabled
        self.model = model
        self.schema = schema
        self.field_types = field_types
        self.context = context
        self._load_internal = load_internal
        #: (user, qualified entity) -> the user's read scope on its main table, or None
        #: for all of it (see RecordService.read_condition_in).
        self._read_condition = read_condition
        self._linked: dict[tuple[str, int], Mapping | None] = {}
        self._links = LinkCheck()
        self._names: dict[tuple[str, str], str | None] = {}
        #: Unique values of records checked but not written yet (field -> values).
        self.pending_unique: dict[str, set] = {}
        self.writable = WritableFields(conn, model, hooks_for, context)

    # -- linked records ---------------------------------------------------------------

    def follow(self, qualified: str, record_id: int) -> Mapping[str, Any] | None:
        """The linked record, unless the user links it now without being allowed to
        read it (see :mod:`formflow.records.linking`)."""
        key = (qualified, record_id)
        if self._links.hidden(key):
            return None
        if key not in self._linked:
            self._linked[key] = self._load_internal(self.conn, qualified, record_id)
        return self._linked[key]

    def title_of(self, qualified: str, key: Any) -> str | None:
        """A linked record's title, a user's display name or a department's name."""
        if qualified in (USER, DEPARTMENT):
            if (qualified, key) not in self._names:
                self._names[(qualified, key)] = self._name_of(qualified, str(key))
            return self._names[(qualified, key)]
        linked = self.follow(qualified, key)
        return linked.get("_title") if linked else None

    def scope(self, entity: Entity, record: Mapping[str, Any]) -> RecordScope:
        return RecordScope(entity.fields, record, self.follow, self.model.entity)

    def _name_of(self, kind: str, key: str) -> str | None:
        if kind == USER:
            found = get_user_by_name(self.conn, key)
            return (found.display_name or found.username) if found else None
        department = get_department_by_code(self.conn, key)
        return department.name if department else None

    # -- the pipeline -----------------------------------------------------------------

    def check(self, request: SaveRequest, errors: Errors) -> tuple[dict, dict, set[str]]:
        """Merge, complete and validate the record; returns (record, stored form, changed
        fields) or raises ValidationFailed with every problem found, including the
        parse ``errors`` the caller brings (a field keeps its first error only)."""
        record, stored, changed = self.prepare(request, errors)
        self.before_save(request, record, changed)
        return record, stored, changed

    def prepare(self, request: SaveRequest, errors: Errors) -> tuple[dict, dict, set[str]]:
        """:meth:`check` but for the ``record_before_save`` hook."""
        entity, current = request.entity, request.current
        self.writable.check(request.user, entity, request.values, current,
                            request.ask_writable, self.scope, errors)
        record = copy_record(current) if current else {}
        record.update(request.values)
        changed = set(request.values) if current else {f.name for f in entity.fields}
        changed.update(name.split("[")[0] for name in errors if name)
        scope = self.scope(entity, record)
        if current is None:
            apply_defaults(entity.fields, record, scope, self.context, self.field_types)
        for field in entity.table_fields:
            if field.name in changed:
                for row, row_scope in rows_with_scopes(record, scope, field):
                    apply_defaults(field.fields, row, row_scope, self.context, self.field_types)
        self._links = check_links(
            self.conn, entity, record, current, changed, self.field_types,
            self.schema.__getitem__, lambda q: self.model.entity(q).label,
            lambda q: self._read_condition(request.user, q),
        )
        _merge(errors, self._links.errors)
        self._fetch(entity, record, current, request.user)
        compute_values(entity, record, scope, self.context, self.field_types)
        checked = None if current is None else changed
        _merge(errors, validate_record(entity, record, scope, self.context, self.field_types,
                                       changed=checked))
        for name in request.required:
            if record.get(name) in (None, "", []):
                add_error(errors, name, Message("required"))
        for found in self.hooks_for(entity.app).record_validate(
            conn=self.conn, user=request.user, entity=entity, record=record, current=current
        ):
            _merge(errors, found or {})
        stored = copy_record(record)
        _merge(errors, to_database(
            self.conn, entity, stored, self.field_types,
            known_users={request.user.username: request.user.id},
        ))
        _merge(errors, check_attachments(
            self.conn, entity, record, current, changed, request.user, self.field_types,
            self.model, self.schema, lambda q: self._read_condition(request.user, q),
        ))
        if errors or not (request.own_transaction or request.unique_later):
            self._check_unique(entity, stored, changed, current, errors)
        if errors:
            self.refuse(entity, request.user, errors)
        if request.unique_later:
            for field in entity.scalar_fields:
                if field.unique and stored.get(field.name) is not None:
                    self.pending_unique.setdefault(field.name, set()).add(stored[field.name])
        return record, stored, changed

    def refuse(self, entity: Entity, user: User, errors: Errors):
        """Raise ValidationFailed with the ``errors`` the user may see."""
        note_refusal(self.conn, self.db, entity.qualified_name)
        raise ValidationFailed(visible_errors(entity, errors, user.roles))

    def before_save(self, request: SaveRequest, record: dict, changed: set[str]) -> None:
        self.hooks_for(request.entity.app).record_before_save(
            conn=self.conn, user=request.user, entity=request.entity, record=record,
            current=request.current, changed=changed,
        )

    def store(self, request: SaveRequest, record: dict, stored: dict, changed: set[str],
              changes: dict[str, list] | None = None) -> dict:
        """Insert or update the checked record; returns it as saved (internal form), built
        from what was written rather than read back.  ``changes`` (``{field: [old,
        new]}``): the audit entry to write with the row (None: none)."""
        entity, current = request.entity, request.current
        tables = self.schema[entity.qualified_name]
        now = utcnow()
        columns, lines = self._columns(request, record, stored, changed, now)
        entry = None if changes is None else Entry(
            entity.qualified_name, "create" if current is None else "update",
            request.user.id, now, changes)
        try:
            if current is None:
                record_id = self._insert(entity, record, columns, lines, now, request.user,
                                         entry)
            else:
                record_id = current["id"]
                if not update_row(self.conn, tables, record_id, current["_version"], columns,
                                  entry):
                    raise Conflict(Message("changed_meanwhile"))
                if lines:
                    replace_lines(self.conn, tables, record_id, lines)
        except sa.exc.IntegrityError as error:
            raise integrity_problem(entity, tables.main, error) from None
        return self._saved(request, record, columns, record_id)

    def store_many(self, checked: list[tuple[SaveRequest, dict, dict, set[str]]]) -> list[dict]:
        """Insert many checked new records of one entity, each (request, record, stored
        form, changed fields) as :meth:`check` gave it, with one statement per table and
        one counter statement per numbering key; returns them as saved, in order."""
        if not checked:
            return []
        entity = checked[0][0].entity
        tables = self.schema[entity.qualified_name]
        now = utcnow()
        rows = [self._columns(request, record, stored, changed, now)
                for request, record, stored, changed in checked]
        if entity.numbering:
            numbers = allocate_numbers(self.conn, entity, [item[1] for item in checked],
                                       _local(now, self.context), self.title_of)
            for (columns, _), number in zip(rows, numbers, strict=True):
                columns["_number"] = number
        for (request, record, _, _), (columns, _) in zip(checked, rows, strict=True):
            self._new_columns(entity, record, columns, now, request.user)
        try:
            ids = insert_rows(self.conn, tables, rows)
        except sa.exc.IntegrityError as error:
            raise integrity_problem(entity, tables.main, error) from None
        return [self._saved(request, record, columns, record_id)
                for (request, record, _, _), (columns, _), record_id
                in zip(checked, rows, ids, strict=True)]

    def _columns(self, request: SaveRequest, record: dict, stored: dict, changed: set[str],
                 now: datetime) -> tuple[dict, dict]:
        """The main table's columns and the line items to write for a save at ``now``."""
        entity, current = request.entity, request.current
        columns = {
            f.name: stored.get(f.name) for f in entity.fields if self.field_types[f.type].stored
        }
        lines = {  # rows sent now, or rows whose computed columns changed with the parent
            f.name: stored.get(f.name) or [] for f in entity.table_fields
            if f.name in changed or record.get(f.name) != current.get(f.name)
        }
        created = current["_created_at"] if current else now
        columns["_title"] = make_title(entity, record, _local(created, self.context), self.title_of)
        columns.update(_updated_at=now, _updated_by=request.user.id, **request.system)
        return columns, lines

    def _saved(self, request: SaveRequest, record: dict, columns: dict, record_id: int) -> dict:
        """The record as written (internal form), after the hooks that follow a save."""
        entity, current = request.entity, request.current
        system = {name: columns[name] for name in SYSTEM_COLUMNS if name in columns}
        system.update(id=record_id, _updated_by=request.user.username,
                      _version=current["_version"] + 1 if current else 1)
        if current is None:
            system.update(_created_by=request.user.username, _deleted_at=None)
        saved = {**record, **system}
        hooks = self.hooks_for(entity.app)
        hooks.record_after_save(conn=self.conn, user=request.user, entity=entity,
                                record=saved, current=current)
        notify_after_commit(self.conn, self.db, hooks, request.user, entity, saved, current,
                            "create" if current is None else "update")
        return saved

    def _insert(self, entity, record, columns, lines, now, user, entry) -> int:
        tables = self.schema[entity.qualified_name]
        if entity.numbering and self.conn.dialect.name == "postgresql":
            return self._insert_numbered(entity, record, columns, lines, now, user, entry)
        if entity.numbering:
            columns["_number"] = allocate_number(
                self.conn, entity, record, _local(now, self.context), self.title_of
            )
        self._new_columns(entity, record, columns, now, user)
        return insert_row(self.conn, tables, columns, lines, entry)

    def _insert_numbered(self, entity, record, columns, lines, now, user, entry) -> int:
        """:meth:`_insert` drawing the number in the INSERT itself (one statement less)."""
        tables = self.schema[entity.qualified_name]
        key, texts, widths = number_pattern(entity, record, _local(now, self.context),
                                            self.title_of)
        title_is_number = not columns["_title"] and not entity.title
        columns["_number"] = None  # known once written
        self._new_columns(entity, record, columns, now, user)
        written = {name: value for name, value in columns.items()
                   if name != "_number" and not (title_is_number and name == "_title")}
        record_id, columns["_number"] = insert_numbered(
            self.conn, tables.main, written, key, texts, widths,
            title_is_number=title_is_number, entry=entry)
        if title_is_number:
            columns["_title"] = columns["_number"]
        replace_lines(self.conn, tables, record_id, lines, fresh=True)
        return record_id

    @staticmethod
    def _new_columns(entity, record, columns, now, user) -> None:
        """Complete the columns of a new record (its number already drawn)."""
        if entity.numbering and not columns["_title"] and not entity.title:
            columns["_title"] = columns["_number"]
        columns.update(_state=record.get("_state"), _process_version=record.get("_process_version"))
        columns.update(_created_at=now, _created_by=user.id, _version=1)

    # -- steps ------------------------------------------------------------------------

    def _check_unique(self, entity, stored, changed, current, errors: Errors) -> None:
        tables = self.schema[entity.qualified_name]
        record_id = current["id"] if current else None
        for field in entity.scalar_fields:
            value = stored.get(field.name)
            if (field.unique and field.name in changed and value is not None
                    and field.name not in errors
                    and (value in self.pending_unique.get(field.name, ())
                         or value_taken(self.conn, tables, field.name, value, record_id))):
                add_error(errors, field.name, Message("unique"))

    def _fetch(self, entity: Entity, record: dict, current: dict | None, user: User) -> None:
        """Copy fetched values from linked records, on every save (a line-item column
        fetches through a link of its own row); what the user may not read (the linked
        record, or its field) is not copied: the value stays as it was while the link
        does, and is emptied when the link changes."""
        self._fetch_into(entity.scalar_fields, record, current, user)
        for table in entity.table_fields:
            before = {row.get("id"): row for row in (current or {}).get(table.name) or []
                      if row.get("id") is not None}
            for row in record.get(table.name) or []:
                self._fetch_into(table.fields, row, before.get(row.get("id")), user)

    def _fetch_into(self, fields, values: dict, current: Mapping | None, user: User) -> None:
        by_name = {f.name: f for f in fields}
        for field in fields:
            if not field.fetch:
                continue
            link_name, _, target_name = field.fetch.partition(".")
            link = by_name.get(link_name)
            target_id = values.get(link_name)
            if link is None or target_id is None:
                values[field.name] = None
                continue
            target = self.model.entity(link.to or "")
            source = target.field(target_name) if target else None
            if (link.to, target_id) in self._links.unreadable or (
                source is not None and not can_read_field(source, user.roles)
            ):
                kept = current is not None and current.get(link_name) == target_id
                values[field.name] = current.get(field.name) if kept else None
                continue
            linked = self.follow(link.to, target_id)
            values[field.name] = linked.get(target_name) if linked else None


class _AfterCommit:
    """One ``record_after_commit`` call per record changed in a transaction: the record
    as last saved, as it was before the first save, and the first action (a record
    created and then changed in one transaction was created)."""

    def __init__(self, db, hooks, user, entity, record, current, action):
        self.db, self.hooks, self.user, self.entity = db, hooks, user, entity
        self.record, self.current, self.action = record, current, action

    def __call__(self) -> None:
        self.hooks.record_after_commit(db=self.db, user=self.user, entity=self.entity,
                                       record=self.record, current=self.current,
                                       action=self.action)


def notify_after_commit(conn: Connection, db, hooks, user: User, entity: Entity, record: dict,
                        current: dict | None, action: str) -> None:
    """Have ``record_after_commit`` run once the transaction of ``conn`` commits."""
    if not hooks.record_after_commit.get_hookimpls():
        return
    pending = after_commit(
        conn, _AfterCommit(db, hooks, user, entity, record, current, action),
        key=("record_after_commit", entity.qualified_name, record["id"]),
    )
    if pending is not None:
        pending.record = record
        if action in ("delete", "restore"):
            pending.action = action


#: System columns whose written value is also the value a reader sees.
SYSTEM_COLUMNS = ("_number", "_title", "_state", "_process_version", "_created_at", "_updated_at")


def copy_record(value: Any) -> Any:
    """A copy of a record safe to change: its dicts and lists are copied, its values
    (strings, numbers, dates: all immutable) shared — much cheaper than ``deepcopy``."""
    if isinstance(value, dict):  # only line items recurse: a save copies two records
        return {key: copy_record(item) if type(item) in _NESTED else item
                for key, item in value.items()}
    if isinstance(value, list):
        return [copy_record(item) if type(item) in _NESTED else item for item in value]
    return value


#: What :func:`copy_record` copies (rather than shares): the internal form holds plain
#: dicts and lists only.
_NESTED = frozenset({dict, list})


def _merge(errors: Errors, more: Errors) -> None:
    """Add ``more`` to ``errors``; a path that already has an error keeps only it."""
    for path, messages in more.items():
        errors.setdefault(path, messages)


def _local(moment: datetime, context: EvaluationContext) -> datetime:
    return moment.astimezone(context.timezone) if context.timezone else moment


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: [\w]+\.(\w+)")


def integrity_problem(entity: Entity, table: sa.Table, error: sa.exc.IntegrityError
                      ) -> ServiceError:
    """A unique value taken by another record, named by its field when possible."""
    match = _SQLITE_UNIQUE.search(str(error.orig))
    constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
    for field in entity.scalar_fields:
        if field.unique and (
            (match and match.group(1) == field.name)
            or constraint == constraint_name("uq", table.name, field.name)
        ):
            return ValidationFailed({field.name: [Message("unique")]})
    return Conflict(Message("changed_meanwhile"))
