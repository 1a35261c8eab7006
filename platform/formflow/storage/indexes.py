"""The indexes of an entity's table, derived from its metadata.

Single-column indexes serve look-ups: links (joins and "records pointing at this one"),
``_state``, ``_created_by``, ``_created_at`` and fields declared ``"index": true``.

A list page filters on one column and sorts on others.  A single-column index on the
filter makes the database fetch every match and sort them; one on the sort makes it walk
the whole table in order.  A composite index — the filter's column, then the sort's,
then ``id`` (the list's tie-breaker) — hands the page over in order, reading 25 entries
for a page of 25.  So each filter the list declares gets such an index, and the list's
sort one of its own (a page without a filter), instead of one index per column.  An
entity declares further composite indexes in ``"indexes"``: ``[["status", "-amount"]]``.

Columns are indexed in ascending order, which serves a sort either way round; a
descending key gets its direction on PostgreSQL (where a list's ``NULLS LAST`` on a
descending sort must match the index to use it).

Every list query reads the records not deleted, so the composite indexes hold only those
(partial indexes, ``WHERE _deleted_at IS NULL``, a predicate the list's own condition
matches word for word, as both databases require to use them): a list's count reads the
index alone, never the table for each entry's deleted mark.  SQLite reads an index alone
only when it holds every column the query names, so ``_deleted_at`` closes each key list
(always empty there, it changes neither the order nor, much, the size).  Their names end in
``_alive``, which tells them from the full indexes of earlier versions, so that a
migration replaces those.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

#: System columns every entity's table indexes on their own.
LOOKUP_COLUMNS = ("_created_at", "_created_by", "_state")
#: The condition of the partial indexes: the records not deleted.
ALIVE = "_deleted_at IS NULL"
#: The last part of a partial index's name.
ALIVE_SUFFIX = "alive"
#: Columns an index may name besides the stored fields.
SYSTEM_COLUMNS = frozenset(
    ("id", "_number", "_title", "_state", "_created_at", "_created_by", "_updated_at",
     "_updated_by", "_process_version")
)


def parse_keys(text_or_keys: str | Sequence[str]) -> tuple[tuple[str, bool], ...]:
    """``"-amount,name"`` or ``["-amount", "name"]`` → ``(("amount", True), ("name", False))``."""
    parts = text_or_keys.split(",") if isinstance(text_or_keys, str) else text_or_keys
    keys = []
    for part in parts:
        part = part.strip()
        if part:
            keys.append((part.lstrip("+-"), part.startswith("-")))
    return tuple(keys)


def composite_keys(
    filters: Sequence[str],
    sort: str,
    declared: Sequence[Sequence[str]],
    indexable: set[str],
    covered: set[str],
) -> list[tuple[tuple[str, bool], ...]]:
    """The key lists of the composite indexes an entity gets, without duplicates.

    ``indexable`` holds the columns that may be indexed (stored, not unique); a key list
    naming anything else is left out (the checker reports it).  ``covered`` holds the
    columns with an index of their own, which serves a key list of that column alone."""
    sort_keys = tuple(key for key in parse_keys(sort) if key[0] != "id")
    wanted = [((name, False), *sort_keys) for name in filters]
    wanted.append(sort_keys)
    wanted.extend(parse_keys(keys) for keys in declared)
    result: list[tuple[tuple[str, bool], ...]] = []
    for keys in wanted:
        keys = _without_repeats(keys)
        if not keys or any(name not in indexable for name, _ in keys):
            continue
        descending = keys[-1][1]
        keys = (*keys, ("id", descending))
        if len(keys) == 2 and keys[0][0] in covered:
            continue
        if keys not in result:
            result.append(keys)
    return result


def name_parts(keys: tuple[tuple[str, bool], ...]) -> list[str]:
    """What a composite index over ``keys`` is named after: a change of direction renames
    it, and the last part says it holds the records not deleted."""
    return [*(name + ("_desc" if descending else "") for name, descending in keys), ALIVE_SUFFIX]


def composite_index(table: sa.Table, keys: tuple[tuple[str, bool], ...], name: str) -> sa.Index:
    """The index ``name`` over ``keys``, of the records not deleted."""
    ops = {
        name: "DESC NULLS LAST" if table.c[name].nullable else "DESC"
        for name, descending in keys
        if descending
    }
    return sa.Index(
        name,
        *(table.c[name] for name, _ in keys),
        table.c._deleted_at,
        postgresql_ops=ops,
        sqlite_where=sa.text(ALIVE),
        postgresql_where=sa.text(ALIVE),
    )


def _without_repeats(keys: Sequence[tuple[str, bool]]) -> tuple[tuple[str, bool], ...]:
    seen: set[str] = set()
    result = []
    for name, descending in keys:
        if name not in seen:
            seen.add(name)
            result.append((name, descending))
    return tuple(result)
