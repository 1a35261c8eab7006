"""Numeric field types: integer, decimal, money, percent, rating."""

from __future__ import annotations

import math
import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from formflow.fields.base import ORDERED_OPERATORS, FieldType, FieldValueError, Page, check_range
from formflow.fields.columns import ExactDecimal
from formflow.fields.properties import RANGE
from formflow.i18n import Message
from formflow.metadata.model import Field

INT64 = 2**63 - 1
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,19}")


class NumberType(FieldType):
    """What every number shares (not registered itself: ``fields/value/number.html``
    shows them all): right-aligned, filtered by a range, written to cells as numbers
    rather than text."""

    name = "number"
    operators = ORDERED_OPERATORS
    align = "end"
    filter_kind = "range"
    range_input = "number"
    fillable = True
    free_text_cell = False
    own_properties = RANGE
    #: After the number on pages (the input shows it beside the box).
    suffix = ""

    def number_pattern(self, field: Field) -> str:
        """The CLDR pattern pages lay the number out with."""
        return "#,##0"

    def format(self, field: Field, value: Any, page: Page) -> str:
        """The number with the locale's separators; decimals keep the field's scale."""
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return page.number(number, self.number_pattern(field)) + self.suffix

    def default_schema(self) -> dict[str, Any]:
        return {"type": ["number", "string"]}


class IntegerType(NumberType):
    name = "integer"
    label = {"en": "Whole number", "zh-CN": "整数"}
    invalid = "invalid_integer"
    input_type = "number"
    input_mode = "numeric"
    number_cell = True
    totalled = True

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.BigInteger()

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            raise FieldValueError(Message(self.invalid))
        if isinstance(raw, str):
            text = raw.strip()
            if not _INTEGER_TEXT.fullmatch(text):
                raise FieldValueError(Message(self.invalid))
            raw = int(text)
        elif isinstance(raw, float | Decimal):
            if not _is_whole_int64(raw):  # NaN, infinite, a fraction or too large
                raise FieldValueError(Message(self.invalid))
            raw = int(raw)
        if not isinstance(raw, int) or not -INT64 <= raw <= INT64:
            raise FieldValueError(Message(self.invalid))
        return raw

    def validate(self, field: Field, value: Any) -> list[Message]:
        return check_range(field, value)

    def input_attributes(self, field: Field) -> dict[str, Any]:
        limits = {"min": field.min, "max": field.max}
        return {"step": 1, **{k: v for k, v in limits.items() if v is not None}}

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["integer", "null"], "format": "int64"}

    def default_schema(self) -> dict[str, Any]:
        return {"type": "integer"}

    def from_computed(self, field: Field, value: Any) -> Any:
        if isinstance(value, Decimal) and value.is_finite():
            value = value.to_integral_value(rounding=ROUND_HALF_UP)
        return self.parse(field, value)


def _is_whole_int64(value: float | Decimal) -> bool:
    """Whether ``value`` is a whole number within 64 bits (checked before ``int()``,
    which would take ages on ``1e999999999``)."""
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    return finite and -INT64 <= value <= INT64 and value == int(value)


class DecimalType(NumberType):
    """An exact number with ``precision`` digits, ``scale`` of them after the point.

    More decimals than ``scale`` is an error, never a silent rounding."""

    name = "decimal"
    label = {"en": "Decimal number", "zh-CN": "小数"}
    invalid = "invalid_number"
    input_mode = "decimal"
    totalled = True
    own_properties = (*RANGE, "precision", "scale")
    default_precision = 18
    default_scale = 2

    def number_pattern(self, field: Field) -> str:
        scale = field.scale if field.scale is not None else 2
        return "#,##0" + ("." + "0" * scale if scale else "")

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$"}

    def digits(self, field: Field) -> tuple[int, int]:
        precision = field.precision or self.default_precision
        scale = field.scale if field.scale is not None else self.default_scale
        return precision, scale

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return ExactDecimal(*self.digits(field))

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
            raise FieldValueError(Message(self.invalid))
        try:
            value = Decimal(raw.strip().replace(",", "") if isinstance(raw, str) else str(raw))
        except InvalidOperation:
            raise FieldValueError(Message(self.invalid)) from None
        if not value.is_finite():
            raise FieldValueError(Message(self.invalid))
        truncated = self._quantize(field, value, ROUND_DOWN)
        if value != truncated:
            raise FieldValueError(Message("too_many_decimals", {"scale": self.digits(field)[1]}))
        return truncated

    def validate(self, field: Field, value: Any) -> list[Message]:
        return check_range(field, value, lambda bound: Decimal(str(bound)))

    def from_computed(self, field: Field, value: Any) -> Any:
        """Computed numbers are rounded half-up to the field's scale."""
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = Decimal(value)
            if not value.is_finite():
                raise FieldValueError(Message(self.invalid))
            value = self._quantize(field, value, ROUND_HALF_UP)
        return self.parse(field, value)

    def _quantize(self, field: Field, value: Decimal, rounding: str | None = None) -> Decimal:
        """``value`` with exactly ``scale`` decimals; too many digits before the point is
        an error (checked first: quantizing a huge number would overflow the context)."""
        precision, scale = self.digits(field)
        too_many = Message("too_many_digits", {"digits": precision - scale})
        if value.adjusted() >= precision - scale:
            raise FieldValueError(too_many)
        value = value.quantize(
            Decimal(1).scaleb(-scale), rounding=rounding, context=Context(prec=precision + 1)
        )
        if value.adjusted() >= precision - scale:  # rounded up past the limit
            raise FieldValueError(too_many)
        return value

    def to_json(self, field: Field, value: Any) -> Any:
        return None if value is None else str(value)


class MoneyType(DecimalType):
    name = "money"
    label = {"en": "Money", "zh-CN": "金额"}
    input_class = "ff-money"

    def form_text(self, field: Field, value: Any, page: Page) -> Any:
        """With the locale's thousands separators (no non-breaking spaces)."""
        return "" if value is None else self.format(field, value, page).replace("\u00a0", "")


class PercentType(DecimalType):
    """A percentage as a number of percent points (12.5 means 12.5 %)."""

    name = "percent"
    label = {"en": "Percentage", "zh-CN": "百分比"}
    default_precision = 9
    totalled = False
    input_suffix = "%"
    suffix = "%"


class RatingType(IntegerType):
    """Stars from 1 to ``max`` (default 5); 0 or empty means not rated."""

    name = "rating"
    label = {"en": "Rating", "zh-CN": "评分"}
    align = "start"
    form_layout = "fieldset"
    fillable = False
    totalled = False
    own_properties = ("max",)

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["integer", "null"], "minimum": 0}

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.SmallInteger()

    def parse(self, field: Field, raw: Any) -> Any:
        try:
            value = super().parse(field, raw)
        except FieldValueError:
            value = -1
        top = int(field.max or 5)
        if value is not None and not 0 <= value <= top:
            raise FieldValueError(Message("invalid_rating", {"min": 1, "max": top}))
        return value

    def validate(self, field: Field, value: Any) -> list[Message]:
        return []
