"""Links in files: written as the target's number, read back from a number, an id or a
title.

A link is exported as the linked record's ``_number`` when its entity has numbering
(numbers are unique and readable), else as its id; both come back unchanged on import.
On import a link cell may also hold the linked record's title, which must then name
exactly one live record.  A cell is tried as a number first, then as an id (digits
only), then as a title.  Each lookup is one query per batch of values, whatever the
number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.fields.references import MAX_RECORD_ID
from formflow.metadata.model import Entity, Field
from formflow.storage.tables import EntityTables

#: Values per ``IN (...)`` list.
CHUNK = 500


def _chunks(values: Sequence) -> Iterable[Sequence]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _pairs(conn: Connection, column, values: Iterable, main, condition=None
           ) -> list[tuple[Any, int]]:
    """(column value, id) of the live records (meeting ``condition``, if any) whose
    ``column`` is among ``values``."""
    values = sorted(set(values))
    found = []
    for chunk in _chunks(values):
        query = sa.select(column, main.c.id).where(
            column.in_(chunk), main.c._deleted_at.is_(None),
            *(() if condition is None else (condition,)),
        )
        found.extend((row[0], row[1]) for row in conn.execute(query))
    return found


def numbers_by_id(conn: Connection, tables: EntityTables, ids: Iterable[int],
                  condition: sa.ColumnElement[bool] | None = None) -> dict[int, str]:
    """The numbers of the records ``ids`` (deleted ones too: a link may point at one)
    that meet ``condition`` (the reader's scope; None: all)."""
    main = tables.main
    found: dict[int, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        query = sa.select(main.c.id, main.c._number).where(
            main.c.id.in_(chunk), *(() if condition is None else (condition,)))
        found.update((row.id, row._number) for row in conn.execute(query) if row._number)
    return found


def link_writer(
    conn: Connection, entity: Entity, fields: Sequence[Field],
    tables_of: Callable[[str], EntityTables], model_entity: Callable[[str], Entity | None],
    read_condition: Callable[[Entity], sa.ColumnElement[bool] | None],
):
    """A function replacing, in a batch of JSON records, the ids of ``fields``' links by
    the targets' numbers (where the target entity numbers its records and the reader,
    whose scope ``read_condition`` gives, may read the target: others stay ids)."""
    numbered = [
        f for f in fields
        if f.type == "link" and (target := model_entity(f.to or "")) and target.numbering
    ]
    scopes = {f.to: read_condition(model_entity(f.to or "")) for f in numbered}

    def write(items: list[dict]) -> None:
        for field in numbered:
            ids = {item[field.name] for item in items if item.get(field.name) is not None}
            if not ids:
                continue
            numbers = numbers_by_id(conn, tables_of(field.to or ""), ids, scopes[field.to])
            for item in items:
                value = item.get(field.name)
                if value is not None:
                    item[field.name] = numbers.get(value, value)

    return write


def resolve_links(
    conn: Connection, tables: EntityTables, numbered: bool, texts: Iterable[str],
    condition: sa.ColumnElement[bool] | None = None,
) -> tuple[dict[str, int], set[str]]:
    """Map each text (a number, an id or a title) to the id of the one live record it
    names among those meeting ``condition`` (the importing user's read scope; None: all
    records).  Returns (found ids by text, texts matching several records by title)."""
    main = tables.main
    wanted = {t.strip() for t in texts if t.strip()}
    found: dict[str, int] = {}
    if numbered:
        found.update(_pairs(conn, main.c._number, wanted, main, condition))
    digits = {
        t for t in wanted - set(found) if t.isascii() and t.isdigit() and len(t) <= 10
        and 0 < int(t) <= MAX_RECORD_ID
    }
    live = {
        record_id
        for _, record_id in _pairs(conn, main.c.id, {int(t) for t in digits}, main, condition)
    }
    found.update((t, int(t)) for t in digits if int(t) in live)
    ambiguous: set[str] = set()
    for title, record_id in _pairs(conn, main.c._title, wanted - set(found), main, condition):
        if title in found and found[title] != record_id:
            ambiguous.add(title)
        found[title] = record_id
    for title in ambiguous:
        del found[title]
    return found, ambiguous
