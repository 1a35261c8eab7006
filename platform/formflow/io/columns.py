"""Which columns a file holds, and which field each column of an imported file means.

An exported file's header row holds field names (the machine header: stable across
languages and label changes); no label row is added, so every exported file is
importable as it is.  On import a column header may be a field's name or any of its
labels (``客户名称`` or ``Name``), compared without surrounding spaces and, for labels,
without regard to case.  System columns (``id``, ``_number``, ``_created_at``, ...) and
derived fields (computed or fetched) are read-only: they are skipped on import, except
that ``id`` or ``_number`` may be the ``--key`` that finds the record to update.
Line-item (``table``) fields are left out of a flat file: a cell cannot hold rows
(:mod:`formflow.io.line_items` brings them in from a sheet or file of their own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from formflow.auth import User, can_read_field
from formflow.i18n import Message
from formflow.metadata.model import SYSTEM_FIELDS, Entity, Field
from formflow.records.query import SYSTEM_FIELD_OBJECTS

#: System fields that can identify the record a row updates.
SYSTEM_KEYS = ("id", "_number")
#: Field types that cannot be a key (their cell is not the stored value).
UNKEYABLE_TYPES = frozenset({"link", "user", "department", "multiselect", "table"})

Errors = dict[str, list[Message]]


def export_columns(entity: Entity, user: User) -> list[Field]:
    """The columns of an export: the record's id (and number, and state when a process
    is attached), every field the user may read except line items, then who created
    and changed the record when."""
    system = (
        ["id"] + (["_number"] if entity.numbering else []) + (["_state"] if entity.process else [])
    )
    fields = [f for f in entity.fields if not f.is_table and can_read_field(f, user.roles)]
    tail = ["_created_at", "_created_by", "_updated_at", "_updated_by"]
    return [*(SYSTEM_FIELD_OBJECTS[n] for n in system), *fields,
            *(SYSTEM_FIELD_OBJECTS[n] for n in tail)]


@dataclass(frozen=True)
class ImportColumns:
    """What each column of a file means: ``fields[i]`` is the field column ``i`` fills,
    or None for a column that is skipped; ``named[i]`` says whether it had a header."""

    fields: tuple[Field | None, ...]
    named: tuple[bool, ...]
    #: The column index and field (a system field for ``id``/``_number``) of the key.
    key: tuple[int, Field] | None = None


def match_header(
    entity: Entity, header: Sequence[str], key: str | None, row: int = 1,
    *, readable: Callable[[Field], bool], tables: frozenset[int] = frozenset(),
) -> tuple[ImportColumns, Errors]:
    """Map the header (row ``row`` of the file) to fields; errors are keyed
    ``row <row>.<column>``, or ``key.<name>`` for a key that cannot be used.  A field
    the importing user may not ``readable`` is taken for an unknown one, as a column and
    as the key (a key on it would test guesses of its values).  The columns at the
    indices ``tables`` may be line-item fields (their cells hold rows: see
    :mod:`formflow.io.line_items`)."""
    by_label = _labels(entity, readable)
    errors: Errors = {}
    fields: list[Field | None] = []
    seen: dict[str, int] = {}
    key_column = None
    for index, raw in enumerate(header):
        text = raw.strip()
        field = _readable_field(entity, text, readable) if text else None
        if field is None and text and text not in SYSTEM_FIELDS:
            field = by_label.get(text.casefold())
        path = f"row {row}.{text[:100]}"
        if text and field is None and text not in SYSTEM_FIELDS:
            errors.setdefault(path, []).append(Message("unknown_column"))
        name = field.name if field else text
        if text and name in seen:
            errors.setdefault(path, []).append(Message("duplicate_column"))
        seen.setdefault(name, index)
        if key is not None and name == key:
            key_column = index
        if field is not None and field.is_table and index not in tables:
            errors.setdefault(path, []).append(Message("table_not_importable"))
            field = None
        derived = field is not None and (field.compute or field.fetch)
        fields.append(None if derived else field)
    found_key = None
    if key is not None:
        found_key = _key(entity, key, key_column, errors, readable)
    named = tuple(bool(raw.strip()) for raw in header)
    return ImportColumns(tuple(fields), named, found_key), errors


def _readable_field(entity: Entity, name: str, readable) -> Field | None:
    field = entity.field(name)
    return field if field is not None and readable(field) else None


def _key(entity: Entity, key: str, column: int | None, errors: Errors, readable):
    if key in SYSTEM_KEYS:
        field = SYSTEM_FIELD_OBJECTS.get(key)
    else:
        field = _readable_field(entity, key, readable)
    if field is None:
        errors.setdefault(f"key.{key[:100]}", []).append(Message("unknown_field"))
        return None
    if field.type in UNKEYABLE_TYPES or field.compute or field.fetch:
        errors.setdefault(f"key.{key}", []).append(Message("not_a_key"))
        return None
    if column is None:
        errors.setdefault(f"key.{key}", []).append(Message("key_column_missing"))
        return None
    return column, field


def _labels(entity: Entity, readable) -> dict[str, Field]:
    """Readable fields by each of their labels (casefolded); a label two fields share
    is left out, since it could mean either."""
    found: dict[str, Field] = {}
    shared: set[str] = set()
    for field in filter(readable, entity.fields):
        for text in set(field.label.texts.values()):
            folded = text.strip().casefold()
            if folded in found and found[folded] is not field:
                shared.add(folded)
            found[folded] = field
    return {label: field for label, field in found.items() if label not in shared}
