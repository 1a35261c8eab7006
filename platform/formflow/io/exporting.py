"""Export an entity's records as CSV or XLSX: the export service.

The caller needs the entity's ``export`` grant; the records are those the caller may
read (read scope) matching the list filters (the list API's query syntax), in the
list's order, with the fields the caller may read (see :mod:`formflow.io.columns`).
Options and process states are written as their labels in the caller's language,
unless the caller asks for codes (``codes=True``: option values and state names).
Rows are read in batches from one query and written as they come, so an export of many
records needs little memory.  An export holds at most ``EXPORT_MAX_ROWS`` records: when
more match, it is refused up front (narrow the filter) rather than cut short.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from formflow.auth import User
from formflow.errors import ServiceError
from formflow.i18n import Message
from formflow.io.cells import cell_value
from formflow.io.columns import export_columns
from formflow.io.links import link_writer
from formflow.io.writing import csv_chunks, xlsx_chunks
from formflow.metadata.model import Process, text_of
from formflow.records.service import RecordService

MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BATCH = 500


class BadFormat(ServiceError):
    status = 400


class TooManyRecords(ServiceError):
    status = 413


@dataclass(frozen=True)
class Export:
    filename: str
    mimetype: str
    #: The file's bytes, produced as they are read from the database.
    chunks: Iterator[bytes]


class Exporter:
    def __init__(self, records: RecordService, max_rows: int):
        self.records = records
        self.max_rows = max_rows

    def export(
        self,
        user: User,
        entity_name: str,
        args: Mapping[str, Sequence[str]],
        file_format: str,
        *,
        lang: str = "en",
        codes: bool = False,
    ) -> Export:
        """The records of ``entity_name`` matching ``args`` as a file.  Permission, the
        filters and the size are checked now; the rows are read as the chunks are.
        Labels are in ``lang``; ``codes`` writes option values and state names."""
        entity = self.records.entity(entity_name)
        self.records.require(user, entity, "export")
        if file_format not in MIMETYPES:
            raise BadFormat(Message("unknown_format", {"formats": ", ".join(MIMETYPES)}))
        args = {k: v for k, v in args.items() if k not in ("page", "per_page")}
        matching = self.records.list(user, entity_name, {**args, "per_page": ["1"]}).total
        if matching > self.max_rows:
            raise TooManyRecords(Message("export_too_large",
                                         {"count": matching, "max": self.max_rows}))
        batches = self.records.iterate(user, entity_name, args, limit=self.max_rows,
                                       batch=BATCH, lines=False)
        rows = self._rows(user, entity, batches, None if codes else lang)
        chunks = csv_chunks(rows) if file_format == "csv" else xlsx_chunks(rows, entity.name)
        return Export(f"{entity.app}-{entity.name}.{file_format}", MIMETYPES[file_format], chunks)

    def _rows(
        self, user: User, entity, batches: Iterator[list[dict]], lang: str | None
    ) -> Iterator[list[Any]]:
        columns = export_columns(entity, user)
        yield [c.name for c in columns]
        records = self.records
        process = records.model.process_for(entity)
        with records.db.read() as conn:
            write_links = link_writer(
                conn, entity, columns, records.schema.__getitem__, records.model.entity,
                lambda target: records.read_condition(conn, user, target),
            )
            for items in batches:
                write_links(items)
                for item in items:
                    if lang is not None and item.get("_state"):
                        item["_state"] = state_text(process, item["_state"], lang)
                    yield [cell_value(c, item.get(c.name), lang) for c in columns]


def state_text(process: Process | None, name: str, lang: str) -> str:
    """A process state's label in ``lang`` (its name made readable when unlabelled)."""
    found = process.state(name) if process is not None else None
    return text_of(found.label if found else None, name, lang, {})
