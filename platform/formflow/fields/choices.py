"""Choice field types: boolean, select, multiselect.

In spreadsheets, options are written as their labels in the exporter's language (or as
their values on request); a cell may hold either, in any language.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import sqlalchemy as sa

from formflow.fields.base import EQUALITY_OPERATORS, FieldType, FieldValueError, Page
from formflow.fields.properties import CHOICES
from formflow.i18n import Message
from formflow.metadata.model import Field

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class BooleanType(FieldType):
    name = "boolean"
    label = {"en": "Yes/no", "zh-CN": "是/否"}
    invalid = "invalid_boolean"
    operators = frozenset({"eq", "ne", "isnull"})
    form_layout = "switch"
    filter_kind = "yes_no"
    free_text_cell = False

    def format(self, field: Field, value: Any, page: Page) -> str:
        return page.yes_no(bool(value))

    def form_text(self, field: Field, value: Any, page: Page) -> Any:
        return "" if value is None else "true" if value else "false"

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["boolean", "null"]}

    def default_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}

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


class ChoiceType(FieldType):
    """What select and multiselect share (not registered itself): options."""

    name = "choice"
    invalid = "invalid_choice"
    filter_kind = "choice"
    own_properties = CHOICES
    required_properties = CHOICES

    def labels(self, field: Field, values: list, lang: str | None) -> str:
        return ", ".join(option_label(field, v, lang) for v in values)

    def from_cell(self, field: Field, value: Any) -> str:
        text = super().from_cell(field, value)
        return ",".join(option_value(field, part) for part in text.split(","))


class SelectType(ChoiceType):
    name = "select"
    label = {"en": "Choice", "zh-CN": "单选"}
    operators = EQUALITY_OPERATORS
    fillable = True

    def format(self, field: Field, value: Any, page: Page) -> str:
        return option_label(field, value, page.lang)

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"enum": [*field.option_values, None]}

    def to_cell(self, field: Field, value: Any, lang: str | None) -> str | int:
        return super().to_cell(field, value, lang) if lang is None else self.labels(
            field, [value], lang)

    def from_cell(self, field: Field, value: Any) -> str:
        return option_value(field, FieldType.from_cell(self, field, value))

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.String(max((len(v) for v in field.option_values), default=1) + 16)

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str) or raw not in field.option_values:
            raise FieldValueError(Message(self.invalid, {"value": _shorten(raw)}))
        return raw


class MultiselectType(ChoiceType):
    """Several option values, kept in the order of the options; stored as JSON.  On a
    form, one checkbox per option (after a hidden empty value)."""

    name = "multiselect"
    label = {"en": "Multiple choice", "zh-CN": "多选"}
    operators = frozenset({"contains", "isnull"})
    form_layout = "fieldset"

    def format(self, field: Field, value: Any, page: Page) -> str:
        return self.labels(field, value, page.lang)

    def form_input(self, submitted: list[str]) -> Any:
        return [v for v in submitted if v != ""]

    def form_value(self, field: Field, raw: Any, zone: tzinfo) -> Any:
        return raw if isinstance(raw, list) else super().form_value(field, raw, zone)

    def form_text(self, field: Field, value: Any, page: Page) -> Any:
        return [] if value is None else list(value)

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["array", "null"], "items": {"enum": list(field.option_values)}}

    def default_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string"}}

    def to_cell(self, field: Field, value: Any, lang: str | None) -> str | int:
        return super().to_cell(field, value, lang) if lang is None else self.labels(
            field, value if isinstance(value, list) else [value], lang)

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


def option_label(field: Field, value: Any, lang: str | None) -> str:
    """An option's label in ``lang``; a value that is no option shows as it is."""
    option = next((o for o in field.options if o.value == value), None)
    return option.label.text(lang) if option is not None else str(value)


def option_value(field: Field, text: str) -> str:
    """The option a text means: its value, or one of its labels in any language
    (compared without surrounding spaces or case); other text is left for the field
    type to refuse."""
    text = text.strip()
    if text in field.option_values:
        return text
    folded = text.casefold()
    for option in field.options:
        if any(label.strip().casefold() == folded for label in option.label.texts.values()):
            return option.value
    return text


def _shorten(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
