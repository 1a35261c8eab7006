"""Which stored files a save may attach.

A file field holds a storage key, ``<sha256>/<name>``, derived from the content: anyone
who learns the digest could put the key on a record of their own and download the file
from there.  So a key set now (in a field or a line item, and not already on the
record) must name content the saving user uploaded (see :mod:`formflow.storage.files`),
or a file held by a live record, in a field, the user may read (copying an attachment
one may see).  Anything else is refused with the same answer whether the content
exists or not.  Other references (not storage keys) name nothing that can be
downloaded and are left alone.

A save that sets no new key costs no query; one that does costs one query for the
uploads, and, for keys not uploaded by the user, one per file field of the model until
each key is found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User, can_read_field, grant_for
from formflow.fields import FileType, Registry
from formflow.i18n import Message
from formflow.metadata.model import Entity, Model
from formflow.records.payload import Errors, add_error
from formflow.records.references import slots_of
from formflow.storage.files import digest_of, uploaded_by
from formflow.storage.tables import PARENT_COLUMN, Schema

#: The user's read scope on an entity (qualified name), as a condition on its main
#: table; None when it is all of it.
ReadCondition = Callable[[str], "sa.ColumnElement[bool] | None"]


def check_attachments(
    conn: Connection,
    entity: Entity,
    record: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    changed: set[str],
    user: User,
    field_types: Registry,
    model: Model,
    schema: Schema,
    read_condition: ReadCondition,
) -> Errors:
    """The errors of the storage keys ``record`` gets now that ``user`` may not attach."""
    def is_file(field) -> bool:
        return isinstance(field_types[field.type], FileType)

    files = ("file", id(field_types))  # names is_file: its choice of fields made once

    before = {holder.get(field.name)
              for field, holder, _ in slots_of(entity, [current or {}], is_file, files)}
    wanted: dict[str, list[str]] = {}  # digest -> paths
    for field, holder, path in slots_of(entity, [record], is_file, files):
        key = holder.get(field.name)
        digest = digest_of(key)
        if digest and key not in before and path.split("[")[0] in changed:
            wanted.setdefault(digest, []).append(path)
    if not wanted:
        return {}
    allowed = uploaded_by(conn, user.id, wanted)
    missing = set(wanted) - allowed
    if missing:
        allowed |= _held_by_readable_records(conn, missing, user, field_types, model, schema,
                                             read_condition)
    errors: Errors = {}
    for digest, paths in wanted.items():
        if digest not in allowed:
            for path in paths:
                add_error(errors, path, Message("no_such_file"))
    return errors


def _held_by_readable_records(conn, digests: set[str], user: User, field_types, model: Model,
                              schema: Schema, read_condition: ReadCondition) -> set[str]:
    found: set[str] = set()
    for query in _holder_queries(digests, user, field_types, model, schema, read_condition):
        found.update(conn.execute(query).scalars())
        if found >= digests:
            break
    return found & digests


def _holder_queries(digests, user, field_types, model, schema, read_condition
                    ) -> Iterator[sa.Select]:
    """For each file field (or line-item column) of the model the user may read, a query
    for the digests among ``digests`` that live records in the user's scope hold."""
    for entity in model.entities():
        fields = [
            (field, files) for field in entity.fields
            if can_read_field(field, user.roles)
            and (files := [c for c in (field.fields if field.is_table else (field,))
                           if isinstance(field_types[c.type], FileType)
                           and can_read_field(c, user.roles)])
        ]
        if not fields or not grant_for(entity, user.roles).read:
            continue
        condition = read_condition(entity.qualified_name)
        tables = schema[entity.qualified_name]
        main = tables.main
        for field, files in fields:
            source = tables.lines[field.name] if field.is_table else main
            joined = (source.join(main, source.c[PARENT_COLUMN] == main.c.id)
                      if field.is_table else main)
            for column in files:
                stored = source.c[column.name]
                yield (
                    sa.select(sa.func.substr(stored, 1, 64)).select_from(joined).distinct()
                    .where(sa.or_(*(stored.like(f"{d}/%") for d in sorted(digests))),
                           main.c._deleted_at.is_(None),
                           *(() if condition is None else (condition,)))
                )
