"""Documents with their line items in files: the rows of each ``table`` field beside
the documents, in one of three shapes, all read into one import.

- **A sheet per table field** (XLSX): the first sheet holds the documents; a sheet
  named after a table field (``lines``) or its label holds that field's rows.  The line
  sheet's first column is a column of the document sheet (``_number``, ``id``, or any
  field such as ``code``) and says which document each line belongs to; the other
  columns are the table's columns (names or labels).  Lines keep their order.
- **Two CSV files**: the same, with the line file given beside the document file
  (``formflow import APP.ENTITY orders.csv --lines lines=order-lines.csv``).
- **Repeated document rows** (one sheet or CSV): columns named ``<table>.<column>``
  (``lines.product``) hold one line per row; consecutive rows whose other cells are
  equal are one document, so each document's cells are repeated on each of its lines.

An export with line items (:func:`line_sheets`) writes the first shape, keyed by the
document's number (its id when the entity has no numbering), and imports back as it is.
Line problems are keyed ``row <n>.<table>[<i>].<column>`` (``n`` the document's row);
problems of a line sheet itself are keyed ``<sheet> row <n>``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from formflow.i18n import Message
from formflow.io.cells import cell_text, cell_value
from formflow.io.reading import Sheet, is_filled
from formflow.metadata.model import Entity, Field

Errors = dict[str, list[Message]]


def attach_lines(entity: Entity, sheet: Sheet, line_sheets: Mapping[str, Sheet],
                 errors: Errors) -> tuple[Sheet, frozenset[int]]:
    """``sheet`` with a column per table field whose cells are the documents' lines
    (lists of ``{column: cell}``), from ``line_sheets`` (by sheet title or file field
    name) or from ``<table>.<column>`` columns of ``sheet`` itself; and the indices of
    those columns."""
    sheet, tables = _grouped(entity, sheet, errors)
    added = set(range(len(sheet.header) - tables, len(sheet.header)))
    for title, lines in line_sheets.items():
        field = _table_field(entity, title)
        if field is None:
            continue
        sheet = _joined(sheet, field, title, lines, errors)
        added.add(len(sheet.header) - 1)
    return sheet, frozenset(added)


def table_sheets(entity: Entity, titles: list[str]) -> list[tuple[int, str]]:
    """(index, title) of the workbook sheets after the first that hold a table field."""
    return [(i, t) for i, t in enumerate(titles) if i and _table_field(entity, t)]


def line_payload(field: Field, rows: list[dict[str, Any]], types) -> list[dict[str, str]]:
    """A document's lines as request-shaped rows of cell texts (``types``: the field
    type registry)."""
    return [
        {name: cell_text(types[field.column(name).type], field.column(name), cell)
         for name, cell in row.items()}
        for row in rows
    ]


def _table_field(entity: Entity, title: str) -> Field | None:
    wanted = title.strip().casefold()
    for field in entity.table_fields:
        if wanted == field.name or wanted in {t.strip().casefold()
                                              for t in field.label.texts.values()}:
            return field
    return None


def _column(field: Field, text: str) -> Field | None:
    found = field.column(text.strip())
    if found is not None:
        return found
    wanted = text.strip().casefold()
    return next((c for c in field.fields
                 if wanted in {t.strip().casefold() for t in c.label.texts.values()}), None)


def _joined(sheet: Sheet, field: Field, title: str, lines: Sheet, errors: Errors) -> Sheet:
    """``sheet`` with a ``field`` column filled from the line sheet ``lines``."""
    where = f"{title} row"
    key = lines.header[0].strip() if lines.header else ""
    position = next((i for i, h in enumerate(sheet.header) if h.strip() == key), None)
    if position is None:
        errors.setdefault(f"{where} {lines.header_row}.{key[:100]}", []).append(
            Message("line_key_column", {"sheet": title[:100]}))
        return sheet
    columns = [_column(field, h) if h.strip() else None for h in lines.header[1:]]
    for name, column in zip(lines.header[1:], columns, strict=True):
        if name.strip() and column is None:
            errors.setdefault(f"{where} {lines.header_row}.{name.strip()[:100]}", []).append(
                Message("unknown_column"))
    documents: dict[str, int] = {}
    for index, (number, cells) in enumerate(sheet.rows):
        value = _key(cells[position] if position < len(cells) else None)
        if value and value in documents:
            errors.setdefault(f"row {number}.{key[:100]}", []).append(
                Message("key_repeated", {"row": sheet.rows[documents[value]][0]}))
        documents.setdefault(value, index)
    found: list[list[dict[str, Any]]] = [[] for _ in sheet.rows]
    for number, cells in lines.rows:
        value = _key(cells[0] if cells else None)
        if value not in documents or not value:
            errors.setdefault(f"{where} {number}", []).append(
                Message("line_without_document", {"column": key[:100], "value": value[:100]}))
            continue
        found[documents[value]].append({
            column.name: cell for column, cell in zip(columns, cells[1:], strict=False)
            if column is not None})
    rows = [(number, [*cells, *[None] * (len(sheet.header) - len(cells)), found[i]])
            for i, (number, cells) in enumerate(sheet.rows)]
    return Sheet([*sheet.header, field.name], sheet.header_row, rows, sheet.format)


def _grouped(entity: Entity, sheet: Sheet, errors: Errors) -> tuple[Sheet, int]:
    """Rows repeating a document, each with one line in ``<table>.<column>`` columns,
    as one row per document with its lines (``sheet`` as it is without such columns),
    and how many table columns that added at the end."""
    lines: dict[int, tuple[Field, Field]] = {}
    for index, text in enumerate(sheet.header):
        table, dot, name = text.strip().partition(".")
        field = _table_field(entity, table) if dot else None
        column = _column(field, name) if field is not None else None
        if column is not None:
            lines[index] = (field, column)
        elif field is not None:
            errors.setdefault(f"row {sheet.header_row}.{text.strip()[:100]}", []).append(
                Message("unknown_column"))
    if not lines:
        return sheet, 0
    tables = list({field.name: field for field, _ in lines.values()}.values())
    keep = [i for i in range(len(sheet.header)) if i not in lines]
    rows: list[tuple[int, list[Any]]] = []
    previous = None
    for number, cells in sheet.rows:
        document = [cells[i] if i < len(cells) else None for i in keep]
        if document != previous:
            rows.append((number, [*document, *[[] for _ in tables]]))
            previous = document
        current = rows[-1][1]
        for table_index, table in enumerate(tables):
            line = {column.name: cells[i] for i, (field, column) in lines.items()
                    if field.name == table.name and i < len(cells)}
            if any(is_filled(cell) for cell in line.values()):
                current[len(keep) + table_index].append(line)
    header = [sheet.header[i] for i in keep] + [t.name for t in tables]
    return Sheet(header, sheet.header_row, rows, sheet.format), len(tables)


def _key(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


# -- export ------------------------------------------------------------------------------


def line_sheets(entity: Entity, readable) -> list[Field]:
    """The table fields an export writes sheets for: those the reader may read."""
    return [field for field in entity.table_fields if readable(field)]


def line_rows(field: Field, items: list[dict], key: str, lang: str | None, types
              ) -> Iterator[list[Any]]:
    """The line sheet rows of ``items`` (records as JSON): the document's ``key`` value,
    then each column's cell."""
    columns = _written(field)
    for item in items:
        for line in item.get(field.name) or []:
            yield [item.get(key),
                   *(cell_value(types[c.type], c, line.get(c.name), lang) for c in columns)]


def line_header(field: Field, key: str) -> list[str]:
    return [key, *(c.name for c in _written(field))]


def _written(field: Field) -> list[Field]:
    """The columns an export writes: those an import reads back (not derived ones)."""
    return [c for c in field.fields if not (c.compute or c.fetch)]
