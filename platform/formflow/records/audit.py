"""The audit trail: one entry per change of a record (who, when, field: old -> new).

A save writes its entry with the record's row (see
:mod:`formflow.storage.audit_entries`); :func:`record_change` is for the other changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import usernames_by_id
from formflow.fields.columns import utcnow
from formflow.storage.audit_entries import Entry, write_entry
from formflow.storage.many_rows import insert_many
from formflow.storage.system import audit


def changes_between(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list]:
    """``{field: [old, new]}`` for every field whose JSON value differs."""
    names = [name for name in new if not name.startswith("_") and name != "id"]
    return {name: [old.get(name), new[name]] for name in names if old.get(name) != new[name]}


def record_change(
    conn: Connection, entity: str, record_id: int, action: str, actor_id: int | None,
    changes: Mapping[str, list],
) -> None:
    write_entry(conn, Entry(entity, action, actor_id, utcnow(), changes), record_id)


def record_changes(
    conn: Connection, entries: list[tuple[str, int, str, int | None, Mapping[str, list]]],
) -> None:
    """Write many entries at once, each (entity, record id, action, actor id, changes)."""
    if not entries:
        return
    at = utcnow()
    insert_many(conn, audit, [
        {"entity": entity, "record_id": record_id, "action": action, "actor_id": actor_id,
         "at": at, "changes": dict(changes)}
        for entity, record_id, action, actor_id, changes in entries
    ])


def history(conn: Connection, entity: str, record_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(audit)
        .where(audit.c.entity == entity, audit.c.record_id == record_id)
        .order_by(audit.c.at, audit.c.id)
    ).all()
    names = usernames_by_id(conn, {row.actor_id for row in rows} - {None})
    return [
        {
            "kind": "change",
            "action": row.action,
            "actor": names.get(row.actor_id),
            "at": row.at.isoformat().replace("+00:00", "Z"),
            "changes": {name: {"old": old, "new": new} for name, (old, new) in row.changes.items()},
        }
        for row in rows
    ]
