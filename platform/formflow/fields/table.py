"""The ``table`` field type: line items stored in a child table of their own.

Rows are parsed column by column by the records service; this class only declares that
the field has no column in the parent table.
"""

from __future__ import annotations

from typing import Any

from formflow.fields.base import FieldType, FieldValueError
from formflow.i18n import Message
from formflow.metadata.model import Field


class TableType(FieldType):
    name = "table"
    invalid = "invalid_rows"
    operators = frozenset()
    stored = False

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise FieldValueError(Message(self.invalid))
        return raw
