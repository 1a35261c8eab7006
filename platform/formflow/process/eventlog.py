"""The process event log as CSV, in the columns process-mining tools read (PM4Py, Disco,
Celonis, ProM): ``case_id``, ``activity``, ``timestamp`` (ISO 8601, UTC), ``resource``,
then ``entity``, ``record_id``, ``from_state``, ``to_state``, ``process_version``,
``seconds_in_state``, ``comment`` and ``branch`` (the parallel branch an event happened
in, empty on the main line: filter on it to follow one branch of a case).

The case id is the record's number (``_number``) when its entity numbers records, else
``app.entity:id``.  Events are read in batches by id, so an export of millions of events
streams in constant memory and holds no transaction open between batches.  A user's
export holds the events of the records in their read scope only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from formflow.auth import User, grant_for, usernames_by_id
from formflow.errors import Forbidden, NotFound
from formflow.i18n import Message
from formflow.metadata.model import Model
from formflow.process.tables import events
from formflow.records.service import RecordService
from formflow.storage.tables import Schema

COLUMNS = ("case_id", "activity", "timestamp", "resource", "entity", "record_id",
           "from_state", "to_state", "process_version", "seconds_in_state", "comment",
           "branch")
BATCH = 2000


def exportable_entities(model: Model, user: User | None,
                        entity_name: str | None = None) -> list[str]:
    """The process entities whose events ``user`` may export (``None``: the operator at
    the command line, who may export all): admins, and holders of the entity's
    ``export`` permission.  Naming an entity the user may not export is a 403."""
    names = [e.qualified_name for e in model.entities() if model.process_for(e) is not None]
    if entity_name is not None:
        entity = model.entity(entity_name)
        if entity is None or entity.qualified_name not in names:
            raise NotFound(Message("not_found"))
        names = [entity.qualified_name]
    if user is not None:
        names = [n for n in names if grant_for(model.entity(n), user.roles).export]
        if not names:
            raise Forbidden(Message("forbidden"))
    return names


class EventLog:
    """The event log export: a user's (the events of the records in their read scope,
    for the REST API) or the operator's (``user`` None: all of them, for the CLI)."""

    def __init__(self, db, model: Model, schema: Schema, records: RecordService):
        self.db = db
        self.model = model
        self.schema = schema
        self.records = records

    def export(self, user: User | None, entity_name: str | None = None) -> Iterator[str]:
        """Check that ``user`` may export, then return the CSV text in chunks (the check
        runs now, not when the first chunk is read)."""
        entities = exportable_entities(self.model, user, entity_name)
        return csv_chunks(self.rows(entities, user))

    def rows(self, entities: Iterable[str],
             user: User | None = None) -> Iterator[dict[str, Any]]:
        """The events of ``entities``, oldest first, one dict per event; with ``user``,
        of the records in their read scope only."""
        schema = self.schema
        entities = [e for e in entities if e in schema.entities]
        if not entities:
            return
        numbered = {e for e in entities if schema[e].entity.numbering}
        with self.db.read() as conn:
            where = self._readable(conn, entities, user)
        last = 0
        while True:
            with self.db.read() as conn:
                rows = conn.execute(
                    sa.select(events).where(where, events.c.id > last)
                    .order_by(events.c.id).limit(BATCH)
                ).all()
                if not rows:
                    return
                names = usernames_by_id(conn, {r.actor_id for r in rows})
                numbers = _numbers(conn, schema, [r for r in rows if r.entity in numbered])
            last = rows[-1].id
            for row in rows:
                yield _row(row, numbers.get((row.entity, row.record_id)), names)

    def _readable(self, conn, entities: list[str], user: User | None) -> sa.ColumnElement[bool]:
        """The condition on ``events`` selecting those of ``entities`` that ``user`` may
        read (``None``: all of them)."""
        if user is None:
            return events.c.entity.in_(entities)
        conditions = []
        for name in entities:
            main = self.schema[name].main
            scope = self.records.read_condition(conn, user, self.schema[name].entity)
            of_entity = events.c.entity == name
            if scope is not None:
                of_entity = sa.and_(of_entity, events.c.record_id.in_(
                    sa.select(main.c.id).where(scope)))
            conditions.append(of_entity)
        return sa.or_(*conditions)


def _row(row, number: str | None, names: dict[int, str]) -> dict[str, Any]:
    return {
        "case_id": number or f"{row.entity}:{row.record_id}",
        "activity": row.action,
        "timestamp": row.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "resource": names.get(row.actor_id, ""),
        "entity": row.entity,
        "record_id": row.record_id,
        "from_state": row.from_state or "",
        "to_state": row.to_state or "",
        "process_version": row.process_version,
        "seconds_in_state": "" if row.seconds_in_state is None
        else f"{row.seconds_in_state:.3f}",
        "comment": row.comment or "",
        "branch": row.branch or "",
    }


def _numbers(conn, schema: Schema, rows) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.entity, set()).add(row.record_id)
    found = {}
    for qualified, ids in wanted.items():
        main = schema[qualified].main
        query = sa.select(main.c.id, main.c._number).where(main.c.id.in_(ids))
        for record in conn.execute(query):
            if record._number:
                found[(qualified, record.id)] = record._number
    return found


def csv_chunks(rows: Iterable[dict[str, Any]], columns: Sequence[str] = COLUMNS,
               lines_per_chunk: int = 500) -> Iterator[str]:
    """The CSV text (header first, then ``columns`` of each row) in chunks, for
    streaming or writing to a file."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % lines_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
