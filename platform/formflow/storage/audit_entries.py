"""Audit entries (``ff_audit``), written with the row they describe.

On PostgreSQL the entry of a record's save rides in the very statement that writes the
row: the row's INSERT or UPDATE becomes a data-modifying CTE returning its id, and the
entry's INSERT a second one reading that id (PostgreSQL runs every data-modifying CTE
exactly once, whether the main query reads it or not).  A save then costs one statement
and one round trip less.  SQLite has no data-modifying CTEs: there the entry is a
statement of its own, right after the row's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.storage.system import audit

_INSERT = sa.insert(audit)
#: The entry's columns as the CTE fills them, in order (``record_id`` from the row).
_COLUMNS = ("entity", "record_id", "action", "actor_id", "at", "changes")


@dataclass(frozen=True)
class Entry:
    """One change of one record: who (``actor_id``), when, what (``{field: [old, new]}``);
    the record's id comes from the statement writing it."""

    entity: str
    action: str
    actor_id: int | None
    at: datetime
    changes: Mapping[str, list]

    def values(self, record_id: int) -> dict:
        return {"entity": self.entity, "record_id": record_id, "action": self.action,
                "actor_id": self.actor_id, "at": self.at, "changes": dict(self.changes)}

    def parameters(self) -> dict:
        """The bound values of :func:`with_entry`'s statement."""
        return {f"entry_{name}": value for name, value in self.values(0).items()
                if name != "record_id"}


def write_entry(conn: Connection, entry: Entry, record_id: int) -> None:
    """The entry as a statement of its own."""
    conn.execute(_INSERT, entry.values(record_id))


def folds_entries(conn: Connection) -> bool:
    """Whether the database writes an entry inside the row's statement."""
    return conn.dialect.name == "postgresql"


def with_entry(row: sa.Insert | sa.Update) -> sa.Select:
    """``row`` (an INSERT or UPDATE returning the row's ``id``, first) followed by the
    INSERT of its audit entry, in one statement answering what ``row`` returns: for an
    UPDATE that matched no row, nothing, and no entry is written.  Its parameters are
    ``row``'s and :meth:`Entry.parameters`."""
    written = row.cte("written_row")
    values = [sa.bindparam(f"entry_{name}", type_=audit.c[name].type) if name != "record_id"
              else written.c.id for name in _COLUMNS]
    entry = sa.insert(audit).from_select(_COLUMNS, sa.select(*values)).cte("audit_entry")
    return sa.select(*written.c).add_cte(entry)
