"""Import records from a CSV or XLSX file: the import service.  All or nothing.

Every row goes through the records service's own create (or, with a key, update)
pipeline: parsing, write permissions, defaults, fetched and computed values,
validation and rules, references, unique values, numbering, plugin hooks and audit,
all in one write transaction.  A row that fails validation writes nothing (the pipeline
checks everything before its first write), so the rows after it are checked as usual;
every problem of every row is collected, keyed ``row <n>.<field>`` (``n`` is the row's
number in the file, the header being row 1).  If there is any problem, or for a dry
run, the transaction is rolled back and nothing is written.  Only a database error
(a unique value taken by a concurrent writer, say) stops the checking early.

The caller needs the entity's ``import`` grant, plus ``create`` for rows that create a
record and the ``update`` scope over each record a row updates.  With ``key``, a row
updates the live record whose ``key`` field holds the row's value (``id`` and
``_number`` work too) and creates one when none does; a value matching several records,
or repeated in the file, is an error.  Cells are text (see :mod:`formflow.io.cells`);
empty cells clear a value on update and leave it to its default on create.

The rows come from a :class:`Source`: a file's header and rows, or a database table's
columns and rows read in chunks (:mod:`formflow.io.sql_source`).  Chunks are checked and
saved one after the other in the same transaction (links resolved and keys matched per
chunk, repeated keys found across chunks), so a big table never sits in memory whole.
A mapping (:mod:`formflow.io.mapping`) picks the columns to import and names their fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User
from formflow.errors import ServiceError, ValidationFailed
from formflow.fields import FieldValueError, Registry
from formflow.i18n import Message
from formflow.io.cells import cell_text
from formflow.io.column_choice import ColumnChoices, choose_columns
from formflow.io.columns import ImportColumns, match_header
from formflow.io.line_items import attach_lines, line_payload, table_sheets
from formflow.io.links import CHUNK, resolve_links
from formflow.io.mapping import map_columns
from formflow.io.reading import FileTooLarge, ReadLimits, is_filled, read_sheet, sheet_titles
from formflow.metadata.model import Entity, Field, Model
from formflow.records.bulk import create_many
from formflow.records.internal import InternalRecords
from formflow.records.service import RecordService
from formflow.storage.database import Database
from formflow.storage.statistics import analyze_tables
from formflow.storage.tables import Schema

Errors = dict[str, list[Message]]
#: (row number in the file, request-shaped payload of field name -> text or id).
Row = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool


@dataclass(frozen=True)
class Source:
    """Rows to import: the header naming each column, where it is (its row number in a
    file; 0 for a database table, whose problems name the column), and the data rows as
    (row number, cells) in chunks, read as they are imported."""

    header: list[str]
    header_row: int
    chunks: Iterable[list[tuple[int, list]]]
    #: Problems found while reading (line sheets that do not fit), reported with the rest.
    problems: Errors = dataclasses.field(default_factory=dict)
    #: The columns whose cells hold a table field's lines (lists of ``{column: cell}``).
    tables: frozenset[int] = frozenset()


#: Rows written by one import past which the planner's statistics are refreshed at once.
ANALYZE_AFTER_ROWS = 1_000


class ImportFailed(ValidationFailed):
    """The file has problems; nothing was written.  ``errors`` are keyed
    ``row <n>.<field>``, ``row <n>`` (the row as a whole) or ``key.<name>``."""

    def __init__(self, errors: Errors):
        super().__init__(errors)
        rows = {path.split(".")[0] for path in errors}
        self.message = Message("import_failed", {"count": len(rows)})


class _RollBack(Exception):
    """Leaves the write transaction without committing."""


class Importer:
    def __init__(self, db: Database, model: Model, schema: Schema, field_types: Registry,
                 records: RecordService, internal: InternalRecords, limits: ReadLimits,
                 max_bytes: int):
        self.db = db
        self.model = model
        self.schema = schema
        self.field_types = field_types
        #: Permissions are asked here (the import and create grants, the rows' scopes) ...
        self.records = records
        #: ... and the rows saved through the internal form's save pipeline here.
        self.internal = internal
        self.limits = limits
        self.max_bytes = max_bytes

    def run(
        self, user: User, entity_name: str, data: bytes, *, dry_run: bool = False,
        key: str | None = None, mapping: Mapping[str, str] | None = None,
        lines: Mapping[str, bytes] | None = None,
    ) -> ImportResult:
        """Import the CSV or XLSX file ``data``; ``mapping`` (target field -> the
        file's column) imports only the columns it names, under those fields.  Line items
        come from the workbook's other sheets, from ``<table>.<column>`` columns, or from
        ``lines`` (table field -> a CSV or XLSX file): see :mod:`formflow.io.line_items`."""
        entity = self.allowed_entity(user, entity_name, key)
        for size in (len(data), *(len(blob) for blob in (lines or {}).values())):
            self.check_size(size)
        sheet = read_sheet(data, self.limits)
        extra = {title: read_sheet(data, self.limits, index) for index, title in
                 table_sheets(entity, sheet_titles(data))}
        extra.update((name, read_sheet(blob, self.limits)) for name, blob in (lines or {}).items())
        problems: Errors = {}
        tables: frozenset[int] = frozenset()
        if entity.table_fields and mapping is None:
            sheet, tables = attach_lines(entity, sheet, extra, problems)
        source = Source(sheet.header, sheet.header_row, [sheet.rows], problems, tables)
        return self.run_source(user, entity_name, source, dry_run=dry_run, key=key,
                               mapping=mapping)

    def run_source(
        self, user: User, entity_name: str, source: Source, *, dry_run: bool = False,
        key: str | None = None, mapping: Mapping[str, str] | None = None,
        on_chunk: Callable[[int], None] | None = None, refresh: bool = True,
    ) -> ImportResult:
        """Import the rows of ``source`` (a file's, or a database table's read in
        chunks), in one write transaction, chunk by chunk.  ``on_chunk`` is told the
        rows checked so far after each chunk (an exception it raises rolls everything
        back); ``refresh`` False leaves the planner's statistics to the caller."""
        entity = self.allowed_entity(user, entity_name, key)
        header, pick, errors = source.header, None, {}
        if mapping is not None:
            pick, header, errors = map_columns(source.header, mapping)
        if not errors:
            columns, errors = match_header(entity, header, key, source.header_row,
                                           readable=self.records.readable_by(user),
                                           tables=source.tables)
        if errors:
            errors = {**source.problems, **errors}
            raise ImportFailed(errors_by_row(_header_errors(errors, source.header_row)))
        errors = dict(source.problems)  # reported with the rows' own
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        total = 0
        first_keys: dict[Any, int] = {}
        try:
            with self.db.write() as conn:
                for chunk in source.chunks:
                    chunk = chunk if pick is None else [
                        (number, [_cell(cells, i) for i in pick]) for number, cells in chunk]
                    rows = _payloads(chunk, columns, errors, self.field_types)
                    total += len(rows)
                    self._resolve_links(conn, user, entity, rows, errors)
                    targets = self._match_keys(conn, user, entity, columns, chunk, errors,
                                               first_keys)
                    if not self._save_rows(conn, user, entity, rows, targets, errors, counts):
                        break
                    if on_chunk is not None:
                        on_chunk(total)
                if errors or dry_run:
                    raise _RollBack
        except _RollBack:
            pass
        if errors:
            raise ImportFailed(errors_by_row(errors))
        if refresh and not dry_run and counts["created"] + counts["updated"] >= ANALYZE_AFTER_ROWS:
            self.refresh_statistics(entity.qualified_name)
        return ImportResult(total, dry_run=dry_run, **counts)

    def refresh_statistics(self, entity_name: str) -> None:
        """After a large import the planner's picture of the table is out of date: a list
        page could take the wrong index until the next ``formflow tick``."""
        tables = self.schema[entity_name]
        with self.db.write() as conn:
            analyze_tables(conn, [tables.main.name, *(t.name for t in tables.lines.values())])

    def choices(self, user: User, entity_name: str, data: bytes,
                mapping: Mapping[str, str] | None = None) -> ColumnChoices:
        """Which field each column of the file ``data`` fills (proposed, or as
        ``mapping`` says) and its first rows read so: see :mod:`formflow.io.column_choice`."""
        entity = self.allowed_entity(user, entity_name, None)
        self.check_size(len(data))
        sheet = read_sheet(data, self.limits)
        return choose_columns(entity, sheet, self.records.readable_by(user),
                              self.field_types, mapping)

    def allowed_entity(self, user: User, entity_name: str, key: str | None) -> Entity:
        entity = self.records.entity(entity_name)
        self.records.require(user, entity, "import_")
        if key is None:  # every row creates a record
            self.records.require(user, entity, "create")
        return entity

    def _save_rows(self, conn, user, entity, rows, targets, errors, counts) -> bool:
        """Save each row, counting outcomes; False when the transaction broke.  Rows
        creating a record in a row are created together (see :mod:`formflow.records.bulk`);
        a row updating one is saved alone, in its turn."""
        creating: list[Row] = []
        saver = self.internal.saver_for(conn, user)  # names and linked records: once a chunk
        for index, (number, payload) in enumerate(rows):
            last = index == len(rows) - 1
            try:
                if number not in targets:
                    creating.append((number, payload))
                if creating and (last or rows[index + 1][0] in targets):
                    self._create_rows(conn, user, entity, creating, errors, counts, saver)
                    creating = []
                if number in targets:
                    outcome = self._save(conn, user, entity, number, payload,
                                         targets[number], errors)
                    if outcome:
                        counts[outcome] += 1
            except sa.exc.DBAPIError:  # a concurrent writer broke the transaction
                first = creating[0][0] if creating else number
                errors.setdefault(f"row {first}", []).append(Message("changed_meanwhile"))
                return False
        return True

    def _create_rows(self, conn, user, entity, rows: list[Row], errors, counts, saver) -> None:
        """Create a record from each row (empty cells left to their defaults)."""
        try:
            self.records.require(user, entity, "create")
        except ServiceError as problem:
            for number, _ in rows:
                errors.setdefault(f"row {number}", [problem.message])
            return
        payloads = [(number, {name: value for name, value in payload.items() if value != ""})
                    for number, payload in rows]
        saved, problems = create_many(self.internal, conn, user, entity, payloads, saver)
        for number, found in problems.items():
            for path, messages in found.items():
                errors.setdefault(f"row {number}.{path}" if path else f"row {number}", messages)
        failed = {path.partition(".")[0] for path in errors}
        counts["created"] += sum(1 for number in saved if f"row {number}" not in failed)

    def check_size(self, size: int) -> None:
        """Refuse a file of ``size`` bytes when it is over the limit."""
        if size > self.max_bytes:
            raise self.too_large()

    def too_large(self) -> FileTooLarge:
        return FileTooLarge(Message("import_too_large", {"max": _megabytes(self.max_bytes)}))

    # -- steps ------------------------------------------------------------------------

    def _save(self, conn, user, entity, number, payload, target, errors) -> str | None:
        """Update the record ``target`` from one row; returns what happened, or None when
        the row has problems (added to ``errors``).  A row with problems found earlier (a
        link, its key) still runs, so that all its problems are reported."""
        records = self.records
        failed = _failed(errors, number)
        try:
            current = records.writable_record(conn, user, entity, target, "update")
            _, changed = self.internal.update_in(conn, user, entity, current, payload)
            outcome = "updated" if changed else "unchanged"
        except ValidationFailed as problems:
            for path, messages in problems.errors.items():
                errors.setdefault(f"row {number}.{path}" if path else f"row {number}", messages)
            return None
        except ServiceError as problem:
            errors.setdefault(f"row {number}", [problem.message])
            return None
        return None if failed else outcome

    def _resolve_links(self, conn: Connection, user: User, entity: Entity, rows: list[Row],
                       errors: Errors) -> None:
        """Replace each link cell's text (number, id or title) by the record id, in the
        documents and in their lines.  Only records the user may link are found (see
        :mod:`formflow.records.linking`): one out of sight is as unknown as one that does
        not exist."""
        model, schema = self.model, self.schema
        for field, cells in _link_cells(entity, rows):
            texts = {holder[name] for _, holder, name, _ in cells}
            target = model.entity(field.to or "")
            scope = (None if field.link_scope == "all"
                     else self.records.read_condition(conn, user, target))
            found, ambiguous = resolve_links(conn, schema[target.qualified_name],
                                             bool(target.numbering), texts, scope)
            for number, holder, name, path in cells:
                text = holder[name].strip()
                if text in found:
                    holder[name] = found[text]
                    continue
                del holder[name]
                key = "link_ambiguous" if text in ambiguous else "no_such_link"
                errors.setdefault(f"row {number}.{path}", []).append(
                    Message(key, {"entity": target.label, "value": text[:100]}))

    def _match_keys(self, conn: Connection, user: User, entity: Entity,
                    columns: ImportColumns, chunk: list[tuple[int, list]], errors: Errors,
                    first_row: dict[Any, int]) -> dict[int, int]:
        """The id of the record each row updates, by row number (rows creating a record
        are absent).  Only records the user may read are matched: a row whose key is held
        by a record out of sight creates a record, as for a key nobody holds.
        ``first_row`` remembers each key value's row across chunks."""
        if columns.key is None:
            return {}
        index, field = columns.key
        values: dict[int, Any] = {}
        for number, cells in chunk:
            path = f"row {number}.{field.name}"
            try:
                value = _key_value(self.field_types, field, cell_text(
                    self.field_types[field.type], field, _cell(cells, index)))
            except FieldValueError as error:
                errors.setdefault(path, []).append(error.message)
                continue
            if value is None:
                errors.setdefault(path, []).append(Message("required"))
            elif value in first_row:
                errors.setdefault(path, []).append(
                    Message("key_repeated", {"row": first_row[value]}))
            else:
                first_row[value] = number
                values[number] = value
        main = self.schema[entity.qualified_name].main
        column = main.c[field.name]
        readable = self.records.read_condition(conn, user, entity)
        ids: dict[Any, list[int]] = {}
        wanted = sorted(set(values.values()), key=str)
        for start in range(0, len(wanted), CHUNK):
            query = sa.select(column, main.c.id).where(
                column.in_(wanted[start:start + CHUNK]), main.c._deleted_at.is_(None),
                *(() if readable is None else (readable,)))
            for value, record_id in conn.execute(query):
                ids.setdefault(value, []).append(record_id)
        targets = {}
        for number, value in values.items():
            found = ids.get(value, [])
            if len(found) > 1:
                errors.setdefault(f"row {number}.{field.name}", []).append(
                    Message("key_matches_many", {"count": len(found)}))
            elif found:
                targets[number] = found[0]
        return targets


def _payloads(chunk: list[tuple[int, list]], columns: ImportColumns, errors: Errors,
              types: Registry) -> list[Row]:
    """Each data row as a request-shaped payload of cell texts; a filled cell in a
    column without a header is an error (it would be lost otherwise)."""
    rows = []
    width = len(columns.fields)
    for number, cells in chunk:
        payload = {}
        for index, cell in enumerate(cells):
            column = columns.fields[index] if index < width else None
            if column is not None and column.is_table:
                payload[column.name] = line_payload(column, cell or [], types)
            elif column is not None:
                payload[column.name] = cell_text(types[column.type], column, cell)
            elif (index >= width or not columns.named[index]) and is_filled(cell):
                errors.setdefault(f"row {number}", []).append(
                    Message("cell_without_header", {"column": index + 1}))
        rows.append((number, payload))
    return rows


def _link_cells(entity: Entity, rows: list[Row]):
    """Per link field or line column (with text in some row): the field and its cells,
    as (row number, the dict holding the cell, the cell's key in it, its error path)."""
    for field in entity.scalar_fields:
        if field.type == "link":
            cells = [(n, p, field.name, field.name) for n, p in rows if p.get(field.name)]
            if cells:
                yield field, cells
    for table in entity.table_fields:
        for column in table.fields:
            if column.type != "link":
                continue
            cells = [(n, line, column.name, f"{table.name}[{i}].{column.name}")
                     for n, p in rows if isinstance(p.get(table.name), list)
                     for i, line in enumerate(p[table.name]) if line.get(column.name)]
            if cells:
                yield column, cells


def _failed(errors: Errors, number: int) -> bool:
    """Whether row ``number`` has a problem."""
    return any(path.startswith(f"row {number}.") or path == f"row {number}" for path in errors)


def _cell(cells: list, index: int) -> Any:
    return cells[index] if index < len(cells) else None


def _header_errors(errors: Errors, header_row: int) -> Errors:
    """Header problems of a table (``header_row`` 0, no row to name) keyed by column."""
    if header_row:
        return errors
    return {f"column.{path.removeprefix('row 0.')}" if path.startswith("row 0.") else path:
            messages for path, messages in errors.items()}


def _key_value(field_types: Registry, field: Field, text: str) -> Any:
    if not text:
        return None
    if field.name == "id":
        return field_types["link"].parse(field, text)
    if field.name == "_number":
        return text.strip()
    return field_types[field.type].parse(field, text)


def errors_by_row(errors: Errors) -> Errors:
    """``errors`` ordered by row number (header and key problems first)."""

    def order(path: str) -> tuple[int, str]:
        head = path.split(".")[0]
        number = head.removeprefix("row ")
        return (int(number) if number.isdigit() else 0, path)

    return {path: errors[path] for path in sorted(errors, key=order)}


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g} MB"


def error_lines(errors: Mapping[str, list[Message]], lang: str | None,
                entity: Entity | None = None) -> list[str]:
    """Each problem as one line, ``row 3: Quantity: message`` (in ``lang``): a field
    of ``entity`` by its label in that language, anything else (a header cell, a key)
    as the file or the caller wrote it."""
    lines = []
    for path, messages in errors.items():
        head, _, field = path.partition(".")
        if not path:  # the file as a whole: how many more problems were not listed
            lines.extend(message.render(lang) for message in messages)
            continue
        if head.startswith("row "):
            where = Message("import_row", {"row": head.removeprefix("row ")}).render(lang)
        elif " row " in head:  # a row of a line-item sheet: "lines row 4"
            sheet, _, number = head.rpartition(" row ")
            where = f"{sheet}: {Message('import_row', {'row': number}).render(lang)}"
        elif head in ("column", "mapping"):
            where = Message(f"import_{head}").render(lang)
        else:
            where = Message("import_key").render(lang)
        prefix = f"{where}: {_field_label(entity, field, lang)}: " if field else f"{where}: "
        whole_row = errors.get(head, []) if field else []  # a failed rule: said once
        lines.extend(prefix + m.render(lang) for m in messages if m not in whole_row)
    return lines


def _field_label(entity: Entity | None, path: str, lang: str | None) -> str:
    """``quantity`` -> ``Quantity``; ``lines[2].qty`` -> ``Lines 3 · Qty``."""
    name, _, rest = path.partition("[")
    field = entity.field(name) if entity is not None else None
    if field is None:
        return path
    if not rest:
        return field.label_text(lang)
    index, _, column_name = rest.partition("].")
    column = field.column(column_name)
    row = int(index) + 1 if index.isdigit() else index
    return f"{field.label_text(lang)} {row} · {column.label_text(lang) if column else column_name}"
