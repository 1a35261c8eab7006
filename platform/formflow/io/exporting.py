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
from formflow.fields import Registry
from formflow.i18n import Message
from formflow.io.cells import cell_value
from formflow.io.columns import export_columns
from formflow.io.line_items import line_header, line_rows, line_sheets
from formflow.io.links import link_writer
from formflow.io.writing import csv_chunks, workbook_chunks, xlsx_chunks
from formflow.metadata.model import Model, Process, text_of
from formflow.records.service import RecordService
from formflow.storage.database import Database
from formflow.storage.tables import Schema

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
    def __init__(self, db: Database, model: Model, schema: Schema, field_types: Registry,
                 records: RecordService, max_rows: int):
        self.db = db
        self.model = model
        self.schema = schema
        self.field_types = field_types
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
        lines: bool = False,
    ) -> Export:
        """The records of ``entity_name`` matching ``args`` as a file.  Permission, the
        filters and the size are checked now; the rows are read as the chunks are.
        Labels are in ``lang``; ``codes`` writes option values and state names.
        ``lines`` adds a sheet per table field to an XLSX file (see
        :mod:`formflow.io.line_items`; for CSV, :meth:`export_lines` writes each)."""
        entity = self.records.entity(entity_name)
        self.records.require(user, entity, "export")
        if file_format not in MIMETYPES:
            raise BadFormat(Message("unknown_format", {"formats": ", ".join(MIMETYPES)}))
        args = {k: v for k, v in args.items() if k not in ("page", "per_page")}
        matching = self.records.list(user, entity_name, {**args, "per_page": ["1"]}).total
        if matching > self.max_rows:
            raise TooManyRecords(Message("export_too_large",
                                         {"count": matching, "max": self.max_rows}))
        tables = line_sheets(entity, self.records.readable_by(user)) if lines else []
        with_lines = bool(tables) and file_format == "xlsx"
        batches = self.records.iterate(user, entity_name, args, limit=self.max_rows,
                                       batch=BATCH, lines=with_lines)
        text = None if codes else lang
        if not with_lines:
            rows = self._rows(user, entity, batches, text)
            chunks = (csv_chunks(rows) if file_format == "csv"
                      else xlsx_chunks(rows, entity.name))
        else:
            kept: dict[str, list[list[Any]]] = {t.name: [] for t in tables}
            rows = self._rows(user, entity, batches, text, kept)
            chunks = workbook_chunks([(entity.name, rows), *(
                (t.name, _later(line_header(t, _key_of(entity)), kept[t.name]))
                for t in tables)])
        return Export(f"{entity.app}-{entity.name}.{file_format}", MIMETYPES[file_format], chunks)

    def export_lines(self, user: User, entity_name: str, args: Mapping[str, Sequence[str]],
                     table: str, *, lang: str = "en", codes: bool = False) -> Export:
        """One table field's lines of the records matching ``args``, as CSV keyed by
        each document's number (id without numbering): the second file of a CSV pair."""
        entity = self.records.entity(entity_name)
        self.records.require(user, entity, "export")
        field = entity.field(table)
        if field is None or not field.is_table or not self.records.readable_by(user)(field):
            raise BadFormat(Message("unknown_field"))
        batches = self.records.iterate(user, entity_name, args, limit=self.max_rows,
                                       batch=BATCH, lines=True)
        key, text = _key_of(entity), None if codes else lang

        def rows():
            yield line_header(field, key)
            for items in batches:
                self._write_line_links(user, field, items)
                yield from line_rows(field, items, key, text, self.field_types)

        return Export(f"{entity.app}-{entity.name}.{table}.csv", MIMETYPES["csv"],
                      csv_chunks(rows()))

    def _write_line_links(self, user: User, field, items: list[dict]) -> None:
        """Links in lines as their targets' numbers, as for the documents' own links."""
        records = self.records
        lines = [line for item in items for line in item.get(field.name) or []]
        with self.db.read() as conn:
            link_writer(conn, None, field.fields, self.schema.__getitem__,
                        self.model.entity,
                        lambda target: records.read_condition(conn, user, target))(lines)

    def _rows(
        self, user: User, entity, batches: Iterator[list[dict]], lang: str | None,
        kept: dict[str, list[list[Any]]] | None = None,
    ) -> Iterator[list[Any]]:
        """The header and a row per record; with ``kept``, each table field's line rows
        are added to its list as the records go by."""
        columns = export_columns(entity, user)
        yield [c.name for c in columns]
        records = self.records
        types = self.field_types
        process = self.model.process_for(entity)
        with self.db.read() as conn:
            write_links = link_writer(
                conn, entity, columns, self.schema.__getitem__, self.model.entity,
                lambda target: records.read_condition(conn, user, target),
            )
            for items in batches:
                write_links(items)
                for name in kept or ():
                    field = entity.field(name)
                    self._write_line_links(user, field, items)
                    kept[name].extend(line_rows(field, items, _key_of(entity), lang, types))
                for item in items:
                    if lang is not None and item.get("_state"):
                        item["_state"] = state_text(process, item["_state"], lang)
                    yield [cell_value(types[c.type], c, item.get(c.name), lang) for c in columns]


def _key_of(entity) -> str:
    """The column that ties a line to its document in a file."""
    return "_number" if entity.numbering else "id"


def _later(header: list[str], rows: list[list[Any]]) -> Iterator[list[Any]]:
    """The header, then ``rows`` as they are when this is read (after the documents)."""
    yield header
    yield from rows


def state_text(process: Process | None, name: str, lang: str) -> str:
    """A process state's label in ``lang`` (its name made readable when unlabelled)."""
    found = process.state(name) if process is not None else None
    return text_of(found.label if found else None, name, lang, {})
