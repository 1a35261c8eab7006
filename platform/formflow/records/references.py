"""Translate references between the records layer and the database, in bulk.

Inside the records layer a user is its user name and a department its code (what the
API shows and expressions compare); in the database both are ids.  Links are ids on
both sides (which records a link may name is :mod:`formflow.records.linking`'s concern).
Each direction costs one query per kind of reference, whatever the number of records or
line items.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
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
from formflow.metadata.model import Entity, Field
from formflow.records.payload import Errors, add_error

USER_SYSTEM_FIELDS = ("_created_by", "_updated_by")

#: A place holding a reference: (field, the dict holding its value, error path).
Slot = tuple[Field, dict, str]


def slots(entity: Entity, records: Sequence[dict], kind: str, field_types) -> Iterator[Slot]:
    """The places of ``records`` holding a reference of ``kind`` (record, user, ...)."""
    return slots_of(entity, records, lambda field: field_types[field.type].reference == kind,
                    key=(kind, id(field_types)))


#: (entity, key) -> the entity's fields and table columns a ``wanted`` picks, kept with the
#: entity so that its id is never another's while cached.
_PICKED: dict[tuple[int, Hashable], tuple[Entity, list, list]] = {}


def slots_of(
    entity: Entity, records: Sequence[dict], wanted: Callable[[Field], bool],
    key: Hashable = None,
) -> Iterator[Slot]:
    """The places of ``records`` holding a value of a ``wanted`` field or column
    (``key``, when given, names ``wanted`` so its choice is made once per entity)."""
    _, scalars, tables = _picked(entity, wanted, key)
    for record in records:
        for field in scalars:
            yield field, record, field.name
        for table, columns in tables:
            for row_index, row in enumerate(record.get(table.name) or ()):
                for column in columns:
                    yield column, row, f"{table.name}[{row_index}].{column.name}"


def has_references(entity: Entity, kind: str, field_types) -> bool:
    """Whether a field or table column of ``entity`` holds a reference of ``kind``."""
    _, scalars, tables = _picked(
        entity, lambda field: field_types[field.type].reference == kind, (kind, id(field_types))
    )
    return bool(scalars or tables)


def _picked(entity: Entity, wanted: Callable[[Field], bool], key: Hashable):
    picked = _PICKED.get((id(entity), key)) if key is not None else None
    if picked is None or picked[0] is not entity:
        picked = (entity, [f for f in entity.scalar_fields if wanted(f)], [
            (table, columns) for table in entity.table_fields
            if (columns := [c for c in table.fields if wanted(c)])
        ])
        if key is not None:
            _PICKED[(id(entity), key)] = picked
    return picked


def to_internal(
    conn: Connection, entity: Entity, rows: Sequence[dict], field_types: Registry,
    known_users: Mapping[int, str] | None = None,
) -> None:
    """Replace user ids by names and department ids by codes in loaded rows, in place.
    ``known_users`` (id -> name, typically the caller: names never change) spares a
    query when every user the rows name is among them."""
    user_slots = list(slots(entity, rows, "user", field_types))
    user_ids = {slot[1][slot[0].name] for slot in user_slots}
    user_ids.update(row[name] for row in rows for name in USER_SYSTEM_FIELDS)
    user_ids.discard(None)
    department_slots = list(slots(entity, rows, "department", field_types))
    department_ids = {slot[1][slot[0].name] for slot in department_slots} - {None}
    known = {i: name for i, name in (known_users or {}).items() if i in user_ids}
    wanted = user_ids - known.keys()
    names = {**known, **(usernames_by_id(conn, wanted) if wanted else {})}
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
    known_users: Mapping[str, int] | None = None,
) -> Errors:
    """Replace names and codes by ids in ``record`` (a copy meant for writing), in place.
    ``known_users`` (name -> id, typically the caller) spares a query.  Returns the
    errors found (links are checked by :func:`formflow.records.linking.check_links`)."""
    errors: Errors = {}
    user_slots = list(slots(entity, [record], "user", field_types))
    _translate(conn, user_slots, user_ids_by_name, "no_such_user", errors, known_users or {})
    department_slots = list(slots(entity, [record], "department", field_types))
    _translate(conn, department_slots, department_ids_by_code, "no_such_department", errors)
    return errors


def _translate(conn, found: list[Slot], lookup, missing: str, errors: Errors, known=None) -> None:
    known = known or {}
    wanted = {holder.get(field.name) for field, holder, _ in found} - {None} - set(known)
    ids = {**known, **(lookup(conn, wanted) if wanted else {})}
    for field, holder, path in found:
        value: Any = holder.get(field.name)  # absent: a field left out and not defaulted
        if value is None:
            continue
        if value not in ids:
            add_error(errors, path, Message(missing, {"value": value}))
        holder[field.name] = ids.get(value)
