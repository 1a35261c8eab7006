"""Choosing which field each column of an uploaded file fills, before importing it.

The import page proposes a field for every column (by name, or by label in either
language, as :func:`formflow.io.columns.match_header` does), lets the user change each
choice, and shows the first rows as they would be read.  The choices are a mapping
(:mod:`formflow.io.mapping`): ``{"field": "column header"}``, which the page offers to
download and ``formflow import --mapping`` accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from formflow.fields import FieldValueError
from formflow.i18n import Message
from formflow.io.cells import cell_text
from formflow.io.columns import match_header
from formflow.io.reading import Sheet
from formflow.metadata.model import Entity, Field

#: Rows shown in the preview.
PREVIEW_ROWS = 5


@dataclass(frozen=True)
class Cell:
    text: str
    problem: Message | None = None


@dataclass(frozen=True)
class ColumnChoices:
    #: The file's column headers.
    header: list[str]
    #: The field chosen for each column (None: skipped).
    chosen: list[str | None]
    #: The fields a column may fill, in the entity's order.
    fields: list[Field]
    #: The first rows: for each chosen column, the cell as it would be read.
    preview: list[tuple[int, list[Cell | None]]]

    def mapping(self) -> dict[str, str]:
        return {name: self.header[i] for i, name in enumerate(self.chosen) if name}


def choose_columns(entity: Entity, sheet: Sheet, readable: Callable[[Field], bool],
                   field_types, mapping: Mapping[str, str] | None = None) -> ColumnChoices:
    """The proposed (or, with ``mapping``, the given) field of each column of ``sheet``,
    and the first rows read through those choices."""
    fields = [f for f in entity.fields if readable(f) and not (f.is_table or f.compute
                                                               or f.fetch)]
    if mapping is None:
        columns, _ = match_header(entity, sheet.header, None, sheet.header_row,
                                  readable=readable)
        names = {f.name for f in fields}
        chosen = [f.name if f is not None and f.name in names else None
                  for f in columns.fields]
        chosen += [None] * (len(sheet.header) - len(chosen))
    else:
        by_header = {column: name for name, column in mapping.items()}
        chosen = [by_header.get(text) if entity.field(by_header.get(text, "")) else None
                  for text in sheet.header]
    preview = []
    for number, cells in sheet.rows[:PREVIEW_ROWS]:
        row = []
        for index, name in enumerate(chosen):
            field = entity.field(name) if name else None
            cell = cells[index] if index < len(cells) else None
            row.append(None if field is None else _read(field, cell, field_types))
        preview.append((number, row))
    return ColumnChoices(list(sheet.header), chosen, fields, preview)


def _read(field: Field, cell, field_types) -> Cell:
    text = cell_text(field_types[field.type], field, cell)
    if not text or field_types[field.type].reference:
        return Cell(text)  # found by number, name or code when the rows are imported
    try:
        value = field_types[field.type].parse(field, text)
    except FieldValueError as error:
        return Cell(text, error.message)
    if isinstance(value, list):
        return Cell(", ".join(map(str, value)))
    return Cell(text if value is None else str(value))
