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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User
from formflow.errors import ServiceError, ValidationFailed
from formflow.fields import FieldValueError, Registry
from formflow.i18n import Message
from formflow.io.cells import cell_text
from formflow.io.columns import ImportColumns, match_header
from formflow.io.links import CHUNK, resolve_links
from formflow.io.reading import FileTooLarge, ReadLimits, Sheet, is_filled, read_sheet
from formflow.metadata.model import Entity, Field
from formflow.records.service import RecordService

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
    def __init__(self, records: RecordService, limits: ReadLimits, max_bytes: int):
        self.records = records
        self.limits = limits
        self.max_bytes = max_bytes

    def run(
        self, user: User, entity_name: str, data: bytes, *, dry_run: bool = False,
        key: str | None = None,
    ) -> ImportResult:
        entity = self.records.entity(entity_name)
        self.records.require(user, entity, "import_")
        if key is None:  # every row creates a record
            self.records.require(user, entity, "create")
        self.check_size(len(data))
        sheet = read_sheet(data, self.limits)
        columns, errors = match_header(entity, sheet.header, key, sheet.header_row,
                                       readable=self.records.readable_by(user))
        if errors:
            raise ImportFailed(errors)
        rows = _payloads(sheet, columns, errors, self.records.field_types)
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        try:
            with self.records.db.write() as conn:
                self._resolve_links(conn, user, entity, rows, errors)
                targets = self._match_keys(conn, user, entity, columns, sheet, errors)
                for number, payload in rows:
                    try:
                        outcome = self._save(conn, user, entity, number, payload,
                                             targets.get(number), errors)
                    except sa.exc.DBAPIError:  # a concurrent writer broke the transaction
                        errors.setdefault(f"row {number}", []).append(
                            Message("changed_meanwhile"))
                        break
                    if outcome:
                        counts[outcome] += 1
                if errors or dry_run:
                    raise _RollBack
        except _RollBack:
            pass
        if errors:
            raise ImportFailed(_by_row(errors))
        return ImportResult(len(rows), dry_run=dry_run, **counts)

    def check_size(self, size: int) -> None:
        """Refuse a file of ``size`` bytes when it is over the limit."""
        if size > self.max_bytes:
            raise self.too_large()

    def too_large(self) -> FileTooLarge:
        return FileTooLarge(Message("import_too_large", {"max": _megabytes(self.max_bytes)}))

    # -- steps ------------------------------------------------------------------------

    def _save(self, conn, user, entity, number, payload, target, errors) -> str | None:
        """Create or update one row's record; returns what happened, or None when the
        row has problems (added to ``errors``).  A row with problems found earlier (a
        link, its key) still runs, so that all its problems are reported."""
        records = self.records
        failed = any(path.startswith(f"row {number}.") or path == f"row {number}"
                     for path in errors)
        try:
            if target is None:
                records.require(user, entity, "create")
                filled = {name: value for name, value in payload.items() if value != ""}
                records.create_in(conn, user, entity, filled)
                outcome = "created"
            else:
                current = records.writable_record(conn, user, entity, target, "update")
                _, changed = records.update_in(conn, user, entity, current, payload)
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
        """Replace each link cell's text (number, id or title) by the record id.  Only
        records the user may link are found (see :mod:`formflow.records.linking`): one
        out of sight is as unknown as one that does not exist."""
        model, schema = self.records.model, self.records.schema
        for field in entity.scalar_fields:
            if field.type != "link":
                continue
            texts = {p[field.name] for _, p in rows if p.get(field.name)}
            if not texts:
                continue
            target = model.entity(field.to or "")
            scope = (None if field.link_scope == "all"
                     else self.records.read_condition(conn, user, target))
            found, ambiguous = resolve_links(conn, schema[target.qualified_name],
                                             bool(target.numbering), texts, scope)
            for number, payload in rows:
                text = payload.get(field.name)
                if not text:
                    continue
                if text.strip() in found:
                    payload[field.name] = found[text.strip()]
                    continue
                del payload[field.name]
                key = "link_ambiguous" if text.strip() in ambiguous else "no_such_link"
                errors.setdefault(f"row {number}.{field.name}", []).append(
                    Message(key, {"entity": target.label, "value": text.strip()[:100]})
                )

    def _match_keys(self, conn: Connection, user: User, entity: Entity,
                    columns: ImportColumns, sheet: Sheet, errors: Errors) -> dict[int, int]:
        """The id of the record each row updates, by row number (rows creating a record
        are absent).  Only records the user may read are matched: a row whose key is held
        by a record out of sight creates a record, as for a key nobody holds."""
        if columns.key is None:
            return {}
        index, field = columns.key
        values: dict[int, Any] = {}
        first_row: dict[Any, int] = {}
        for number, cells in sheet.rows:
            path = f"row {number}.{field.name}"
            try:
                value = _key_value(self.records, field, cell_text(
                    self.records.field_types[field.type], field, _cell(cells, index)))
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
        main = self.records.schema[entity.qualified_name].main
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


def _payloads(sheet: Sheet, columns: ImportColumns, errors: Errors, types: Registry) -> list[Row]:
    """Each data row as a request-shaped payload of cell texts; a filled cell in a
    column without a header is an error (it would be lost otherwise)."""
    rows = []
    width = len(columns.fields)
    for number, cells in sheet.rows:
        payload = {}
        for index, cell in enumerate(cells):
            field = columns.fields[index] if index < width else None
            if field is not None:
                payload[field.name] = cell_text(types[field.type], field, cell)
            elif (index >= width or not columns.named[index]) and is_filled(cell):
                errors.setdefault(f"row {number}", []).append(
                    Message("cell_without_header", {"column": index + 1}))
        rows.append((number, payload))
    return rows


def _cell(cells: list, index: int) -> Any:
    return cells[index] if index < len(cells) else None


def _key_value(records: RecordService, field: Field, text: str) -> Any:
    if not text:
        return None
    if field.name == "id":
        return records.field_types["link"].parse(field, text)
    if field.name == "_number":
        return text.strip()
    return records.field_types[field.type].parse(field, text)


def _by_row(errors: Errors) -> Errors:
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
