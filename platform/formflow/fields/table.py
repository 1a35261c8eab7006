"""The ``table`` field type: line items stored in a child table of their own.

Rows are parsed column by column by the records service; this class declares that the
field has no column in the parent table, and describes rows through their columns' types.
"""

from __future__ import annotations

from typing import Any

from formflow.fields.base import FieldType, FieldValueError
from formflow.i18n import Message
from formflow.metadata.model import Field


class TableType(FieldType):
    name = "table"
    label = {"en": "Line items", "zh-CN": "明细表"}
    invalid = "invalid_rows"
    operators = frozenset()
    stored = False
    own_properties = ("fields", "min_rows", "max_rows")
    required_properties = ("fields",)

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        row = {
            "type": "object",
            "properties": {c.name: types.json_schema(c) for c in field.fields},
            "additionalProperties": False,
        }
        return {"type": "array", "items": row}

    def default_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "object"}}

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise FieldValueError(Message(self.invalid))
        return raw
