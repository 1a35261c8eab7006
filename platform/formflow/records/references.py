"""Translate references between the records layer and the database, in bulk.

Inside the records layer a user is its user name and a department its code (what the
API shows and expressions compare); in the database both are ids.  Links are ids on
both sides but must name a live record.  Each direction costs one query per kind of
reference, whatever the number of records or line items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from formflow.auth import (
    department_codes_by_id,
    department_ids_by_code,
    user_ids_by_name,
    usernames_by_id,
)
from formflow.fields import Registry
from formflow.i18n import Message
from formflow.metadata.model import Entity, Field, Label
from formflow.records.payload import Errors, add_error
from formflow.storage.repository import existing_ids
from formflow.storage.tables import EntityTables

USER_SYSTEM_FIELDS = ("_created_by", "_updated_by")

#: A place holding a reference: (field, the dict holding its value, error path).
Slot = tuple[Field, dict, str]


def _slots(entity: Entity, records: Sequence[dict], kind: str, field_types) -> Iterator[Slot]:
    scalars = [f for f in entity.scalar_fields if field_types[f.type].reference == kind]
    tables = [
        (table, columns) for table in entity.table_fields
        if (columns := [c for c in table.fields if field_types[c.type].reference == kind])
    ]
    for record in records:
        for field in scalars:
            yield field, record, field.name
        for table, columns in tables:
            for row_index, row in enumerate(record.get(table.name) or ()):
                for column in columns:
                    yield column, row, f"{table.name}[{row_index}].{column.name}"


def to_internal(
    conn: Connection, entity: Entity, rows: Sequence[dict], field_types: Registry
) -> None:
    """Replace user ids by names and department ids by codes in loaded rows, in place."""
    user_slots = list(_slots(entity, rows, "user", field_types))
    user_ids = {slot[1][slot[0].name] for slot in user_slots}
    user_ids.update(row[name] for row in rows for name in USER_SYSTEM_FIELDS)
    user_ids.discard(None)
    department_slots = list(_slots(entity, rows, "department", field_types))
    department_ids = {slot[1][slot[0].name] for slot in department_slots} - {None}
    names = usernames_by_id(conn, user_ids) if user_ids else {}
    codes = department_codes_by_id(conn, department_ids) if department_ids else {}
    for field, holder, _ in user_slots:
        holder[field.name] = names.get(holder[field.name])
    for row in rows:
        for name in USER_SYSTEM_FIELDS:
            row[name] = names.get(row[name])
    for field, holder, _ in department_slots:
        holder[field.name] = codes.get(holder[field.name])


def to_database(
    conn: Connection,
    entity: Entity,
    record: dict,
    field_types: Registry,
    tables_of: Callable[[str], EntityTables],
    label_of: Callable[[str], Label],
    changed: set[str],
    known_users: Mapping[str, int] | None = None,
) -> Errors:
    """Replace names and codes by ids in ``record`` (a copy meant for writing), in place,
    checking that every changed link names a live record.  ``known_users`` (name -> id,
    typically the caller) spares a query.  Returns the errors found."""
    errors: Errors = {}
    user_slots = list(_slots(entity, [record], "user", field_types))
    _translate(conn, user_slots, user_ids_by_name, "no_such_user", errors, known_users or {})
    department_slots = list(_slots(entity, [record], "department", field_types))
    _translate(conn, department_slots, department_ids_by_code, "no_such_department", errors)
    by_target: dict[str, list[Slot]] = {}
    for slot in _slots(entity, [record], "record", field_types):
        if slot[1].get(slot[0].name) is not None and slot[2].split("[")[0] in changed:
            by_target.setdefault(slot[0].to or "", []).append(slot)
    for target, slots in by_target.items():
        found = existing_ids(conn, tables_of(target), (s[1][s[0].name] for s in slots))
        for field, holder, path in slots:
            if holder[field.name] not in found:
                params = {"entity": label_of(target), "id": holder[field.name]}
                add_error(errors, path, Message("no_such_record", params))
    return errors


def _translate(conn, slots: list[Slot], lookup, missing: str, errors: Errors, known=None) -> None:
    known = known or {}
    wanted = {holder.get(field.name) for field, holder, _ in slots} - {None} - set(known)
    ids = {**known, **(lookup(conn, wanted) if wanted else {})}
    for field, holder, path in slots:
        value: Any = holder.get(field.name)  # absent: a field left out and not defaulted
        if value is None:
            continue
        if value not in ids:
            add_error(errors, path, Message(missing, {"value": value}))
        holder[field.name] = ids.get(value)
