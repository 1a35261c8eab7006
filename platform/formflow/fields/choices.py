"""Choice field types: boolean, select, multiselect."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from formflow.fields.base import EQUALITY_OPERATORS, FieldType, FieldValueError
from formflow.i18n import Message
from formflow.metadata.model import Field

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class BooleanType(FieldType):
    name = "boolean"
    invalid = "invalid_boolean"
    operators = frozenset({"eq", "ne", "isnull"})

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.Boolean()

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        raise FieldValueError(Message(self.invalid))


class SelectType(FieldType):
    name = "select"
    invalid = "invalid_choice"
    operators = EQUALITY_OPERATORS

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.String(max((len(v) for v in field.option_values), default=1) + 16)

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str) or raw not in field.option_values:
            raise FieldValueError(Message(self.invalid, {"value": _shorten(raw)}))
        return raw


class MultiselectType(FieldType):
    """Several option values, kept in the order of the options; stored as JSON."""

    name = "multiselect"
    invalid = "invalid_choice"
    operators = frozenset({"contains", "isnull"})

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.JSON(none_as_null=True)  # empty is SQL NULL, so ``isnull`` finds it

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None or raw == "" or raw == []:
            return None
        if isinstance(raw, str):
            raw = [part.strip() for part in raw.split(",") if part.strip()]
        if not isinstance(raw, list):
            raise FieldValueError(Message("invalid_list"))
        for value in raw:
            if not isinstance(value, str) or value not in field.option_values:
                raise FieldValueError(Message(self.invalid, {"value": _shorten(value)}))
        chosen = set(raw)
        return [v for v in field.option_values if v in chosen]

    def parse_text(self, field: Field, text: str) -> Any:
        """A filter value is one option (``tags__contains=vip``)."""
        return SelectType().parse(field, text)


def _shorten(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
