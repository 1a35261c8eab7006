"""Numeric field types: integer, decimal, money, percent, rating."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from formflow.fields.base import ORDERED_OPERATORS, FieldType, FieldValueError, check_range
from formflow.i18n import Message
from formflow.metadata.model import Field
from formflow.storage.types import ExactDecimal

INT64 = 2**63 - 1


class IntegerType(FieldType):
    name = "integer"
    invalid = "invalid_integer"
    operators = ORDERED_OPERATORS

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.BigInteger()

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            raise FieldValueError(Message(self.invalid))
        if isinstance(raw, str):
            text = raw.strip()
            if not text.lstrip("+-").isdigit() or len(text) > 20:
                raise FieldValueError(Message(self.invalid))
            raw = int(text)
        elif isinstance(raw, float | Decimal):
            if raw != raw or raw != int(raw):  # NaN or a fraction
                raise FieldValueError(Message(self.invalid))
            raw = int(raw)
        if not isinstance(raw, int) or not -INT64 <= raw <= INT64:
            raise FieldValueError(Message(self.invalid))
        return raw

    def validate(self, field: Field, value: Any) -> list[Message]:
        return check_range(field, value)

    def from_computed(self, field: Field, value: Any) -> Any:
        if isinstance(value, Decimal):
            value = int(value.to_integral_value(rounding=ROUND_HALF_UP))
        return self.parse(field, value)


class DecimalType(FieldType):
    """An exact number with ``precision`` digits, ``scale`` of them after the point.

    More decimals than ``scale`` is an error, never a silent rounding."""

    name = "decimal"
    invalid = "invalid_number"
    operators = ORDERED_OPERATORS
    default_precision = 18
    default_scale = 2

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
        precision, scale = self.digits(field)
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > scale and value != value.quantize(
            Decimal(1).scaleb(-scale)
        ):
            raise FieldValueError(Message("too_many_decimals", {"scale": scale}))
        value = value.quantize(Decimal(1).scaleb(-scale))
        if value.adjusted() >= precision - scale:
            raise FieldValueError(Message("too_many_digits", {"digits": precision - scale}))
        return value

    def validate(self, field: Field, value: Any) -> list[Message]:
        return check_range(field, value, lambda bound: Decimal(str(bound)))

    def from_computed(self, field: Field, value: Any) -> Any:
        """Computed numbers are rounded half-up to the field's scale."""
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = Decimal(value).quantize(Decimal(1).scaleb(-self.digits(field)[1]), ROUND_HALF_UP)
        return self.parse(field, value)

    def to_json(self, field: Field, value: Any) -> Any:
        return None if value is None else str(value)


class MoneyType(DecimalType):
    name = "money"


class PercentType(DecimalType):
    """A percentage as a number of percent points (12.5 means 12.5 %)."""

    name = "percent"
    default_precision = 9


class RatingType(IntegerType):
    """Stars from 1 to ``max`` (default 5); 0 or empty means not rated."""

    name = "rating"

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
