"""Date and time field types, parsed as ISO 8601."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from formflow.fields.base import ORDERED_OPERATORS, FieldType, FieldValueError, check_range
from formflow.fields.columns import UtcDateTime
from formflow.i18n import Message
from formflow.metadata.model import Field


class DateType(FieldType):
    name = "date"
    invalid = "invalid_date"
    operators = ORDERED_OPERATORS

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.Date()

    def marshmallow_field(self, field: Field) -> ma.fields.Field:
        return ma.fields.Date()

    def from_computed(self, field: Field, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else self.parse(field, value)

    def coerce(self, field: Field, value: Any) -> Any:
        if value.year < 1:
            raise FieldValueError(Message(self.invalid))
        return value

    def validate(self, field: Field, value: Any) -> list[Message]:
        return check_range(field, value, date.fromisoformat)

    def to_json(self, field: Field, value: Any) -> Any:
        return None if value is None else value.isoformat()


class DateTimeType(FieldType):
    """A moment in time; a value without an offset is taken as UTC.  Stored in UTC."""

    name = "datetime"
    invalid = "invalid_datetime"
    operators = ORDERED_OPERATORS

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return UtcDateTime()

    def marshmallow_field(self, field: Field) -> ma.fields.Field:
        return ma.fields.AwareDateTime(default_timezone=UTC)

    def from_computed(self, field: Field, value: Any) -> Any:
        if isinstance(value, datetime):
            return self.coerce(field, value)
        return self.parse(field, value)

    def coerce(self, field: Field, value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:00-05:00 is past the last UTC date
            raise FieldValueError(Message(self.invalid)) from None

    def validate(self, field: Field, value: Any) -> list[Message]:
        return check_range(field, value, _aware)

    def to_json(self, field: Field, value: Any) -> Any:
        return None if value is None else value.isoformat().replace("+00:00", "Z")


class TimeType(FieldType):
    name = "time"
    invalid = "invalid_time"
    operators = ORDERED_OPERATORS

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.Time()

    def marshmallow_field(self, field: Field) -> ma.fields.Field:
        return ma.fields.Time()

    def validate(self, field: Field, value: Any) -> list[Message]:
        return check_range(field, value, time.fromisoformat)

    def to_json(self, field: Field, value: Any) -> Any:
        return (
            None
            if value is None
            else value.isoformat(timespec="minutes" if not value.second else "seconds")
        )


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
