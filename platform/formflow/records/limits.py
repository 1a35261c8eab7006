"""Size limits of one record's input, checked before any per-row work.

A body can ask for a great deal of work cheaply: a hundred thousand empty line-item
rows fit in a few hundred kilobytes, and each would be parsed, given defaults,
computed and validated, and each would add errors to the answer.  So before a row is
looked at, the number of rows of each table field and the number of cells of all
rows together are counted (a ``len`` per row, nothing more) and held against the
limits; an oversized table field gets one error and none of its rows is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from formflow.i18n import Message
from formflow.metadata.model import Entity, Field

#: The default limits (settings FORMFLOW_TABLE_MAX_ROWS and FORMFLOW_RECORD_MAX_CELLS).
TABLE_MAX_ROWS = 1_000
RECORD_MAX_CELLS = 20_000


@dataclass(frozen=True)
class RecordLimits:
    #: Rows a table field may hold when its metadata gives no ``max_rows``.
    table_rows: int = TABLE_MAX_ROWS
    #: Cells (row values) all the table fields of one record may hold together.
    cells: int = RECORD_MAX_CELLS

    def max_rows(self, field: Field) -> int:
        return field.max_rows if field.max_rows is not None else self.table_rows


def oversized_tables(
    entity: Entity, payload: Mapping[str, Any], limits: RecordLimits
) -> dict[str, Message]:
    """The table fields of ``payload`` too big to read, each with its error; ``""``
    (the record as a whole) when the rows together hold too many cells."""
    problems: dict[str, Message] = {}
    tables: list[list] = []
    for name, rows in payload.items():
        field = entity.field(name) if isinstance(name, str) else None
        if field is None or not field.is_table or not isinstance(rows, list):
            continue
        most = limits.max_rows(field)
        if len(rows) > most:
            problems[name] = Message("too_many_rows", {"field": field.label, "max": most})
        else:
            tables.append(rows)
    cells = 0
    for rows in tables:
        cells += sum(len(row) if isinstance(row, Mapping) else 1 for row in rows)
        if cells > limits.cells:
            problems[""] = Message("too_many_cells", {"max": limits.cells})
            break
    return problems


DEFAULT_LIMITS = RecordLimits()
