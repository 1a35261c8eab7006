"""Creating many records of one entity at once, inside the caller's write transaction.

Each record goes through the whole save pipeline of :mod:`formflow.records.saving`, as
a create does (parsing, defaults, links, fetched and computed values, validation and
rules, references, attachments, plugin hooks); what costs a statement per record is done
for all of them together: their unique values are looked up in one query per unique
field, their numbers drawn as one block per numbering key, the rows (and line items)
inserted in one statement per table, the audit entries written in one.  The outcome is
the one of creating them one after the other: a unique value is taken by the first
record holding it, a record with problems writes nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from formflow.auth import User
from formflow.errors import ServiceError, ValidationFailed
from formflow.i18n import Message
from formflow.metadata.model import Entity
from formflow.records import audit
from formflow.records.payload import Errors, parse_payload
from formflow.records.saving import Saver, SaveRequest
from formflow.storage.repository import taken_values

if TYPE_CHECKING:
    from formflow.records.internal import InternalRecords

#: A record to create: (the caller's key for it, request-shaped payload).
NewRecord = tuple[Hashable, dict[str, Any]]


def create_many(
    records: InternalRecords,
    conn: Connection,
    user: User,
    entity: Entity,
    payloads: Sequence[NewRecord],
    saver: Saver | None = None,
) -> tuple[dict[Hashable, dict], dict[Hashable, Errors]]:
    """Create the records of ``payloads`` (the caller has checked the create grant);
    returns the records saved (internal form) and the problems of the others, both by
    key (a problem of the record as a whole under the path ``""``).  ``saver`` may be
    shared by several calls of one transaction (names and linked records are then
    looked up once)."""
    with heap_frozen():
        return _create_many(
            records, conn, user, entity, payloads, saver or records.saver_for(conn, user)
        )


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, its heap frozen.  Saving many
    records makes many objects that live until the end, and each pass of the collector
    would walk them again (the oldest generation's: every object of the application
    too), a quarter of an import's time.  Reference counting still frees what the block
    drops; the rare cycles wait for the next pass after it.  Nested blocks, or a heap
    frozen by someone else, leave it to whoever froze it."""
    if gc.get_freeze_count():
        yield
        return
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _create_many(records, conn, user, entity, payloads, saver):
    checked: list[tuple[Hashable, tuple[SaveRequest, dict, dict, set[str]]]] = []
    problems: dict[Hashable, Errors] = {}
    for key, payload in payloads:
        try:
            values, _, errors = parse_payload(
                entity, payload, records.field_types, limits=records.limits
            )
            if "" in errors:
                raise ValidationFailed(errors)
            request = SaveRequest(entity, user, values, unique_later=True)
            checked.append((key, (request, *saver.prepare(request, errors))))
        except ServiceError as problem:
            problems[key] = _errors_of(problem)
    ready = []
    for key, item in _unique_first(conn, records, saver, entity, checked, problems):
        request, record, _, changed = item
        try:
            saver.before_save(request, record, changed)
        except ServiceError as problem:
            problems[key] = _errors_of(problem)
            continue
        ready.append((key, item))
    saver.pending_unique.clear()
    saved = dict(
        zip([key for key, _ in ready], saver.store_many([item for _, item in ready]), strict=True)
    )
    audit.record_changes(
        conn,
        [
            (
                entity.qualified_name,
                record["id"],
                "create",
                user.id,
                records.created_changes(entity, record),
            )
            for record in saved.values()
        ],
    )
    return saved, problems


def _unique_first(conn, records, saver: Saver, entity: Entity, checked, problems):
    """The checked records whose unique values no live record and no record before
    them holds; the others get a "unique" problem."""
    tables = records.schema[entity.qualified_name]
    unique = [f.name for f in entity.scalar_fields if f.unique]
    taken = {
        name: taken_values(
            conn,
            tables,
            name,
            [item[2][name] for _, item in checked if item[2].get(name) is not None],
        )
        for name in unique
    }
    for key, item in checked:
        stored = item[2]
        errors: Errors = {}
        for name in unique:
            value = stored.get(name)
            if value is None:
                continue
            if value in taken[name]:
                errors[name] = [Message("unique")]
        if errors:
            try:
                saver.refuse(entity, item[0].user, errors)
            except ValidationFailed as problem:
                problems[key] = problem.errors
            continue
        for name in unique:
            if stored.get(name) is not None:
                taken[name].add(stored[name])
        yield key, item


def _errors_of(problem: ServiceError) -> Errors:
    if isinstance(problem, ValidationFailed):
        return problem.errors
    return {"": [problem.message]}
