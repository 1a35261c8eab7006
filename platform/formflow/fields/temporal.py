"""Date and time field types, parsed as ISO 8601."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from formflow.fields.base import ORDERED_OPERATORS, FieldType, FieldValueError, Page, check_range
from formflow.fields.columns import UtcDateTime
from formflow.fields.properties import RANGE
from formflow.i18n import Message
from formflow.metadata.model import Field


class TemporalType(FieldType):
    """What dates, moments and times share (not registered itself)."""

    name = "temporal"
    operators = ORDERED_OPERATORS
    free_text_cell = False
    own_properties = RANGE
    range_input = "date"


class DateType(TemporalType):
    name = "date"
    label = {"en": "Date", "zh-CN": "日期"}
    invalid = "invalid_date"
    filter_kind = "range"
    input_type = "date"
    fillable = True

    def format(self, field: Field, value: Any, page: Page) -> str:
        parsed = as_date(value)
        return page.date(parsed) if parsed else ""

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["string", "null"], "format": "date"}

    def default_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}

    def from_cell(self, field: Field, value: Any) -> str:
        """A date and time cell counts by its date."""
        return value.date().isoformat() if isinstance(value, datetime) else super().from_cell(
            field, value)

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


class DateTimeType(TemporalType):
    """A moment in time; a value without an offset is taken as UTC.  Stored in UTC.
    A form's ``datetime-local`` input holds local time in the configured time zone."""

    name = "datetime"
    label = {"en": "Date and time", "zh-CN": "日期时间"}
    invalid = "invalid_datetime"
    filter_kind = "range"
    input_type = "datetime-local"

    def format(self, field: Field, value: Any, page: Page) -> str:
        moment = as_datetime(value)
        return page.moment(moment) if moment is not None else ""

    def form_value(self, field: Field, raw: Any, zone: tzinfo) -> Any:
        """A local ``YYYY-MM-DDTHH:MM`` as ISO 8601 with the zone's offset (other text
        is passed on for the service to judge)."""
        text = super().form_value(field, raw, zone)
        try:
            moment = datetime.fromisoformat(text) if text is not None else None
        except ValueError:
            return text
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.isoformat()

    def form_text(self, field: Field, value: Any, page: Page) -> Any:
        if value is None:
            return ""
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment.astimezone(page.zone).strftime("%Y-%m-%dT%H:%M")

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["string", "null"], "format": "date-time"}

    def default_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}

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


class TimeType(TemporalType):
    name = "time"
    label = {"en": "Time", "zh-CN": "时间"}
    invalid = "invalid_time"
    input_type = "time"
    fillable = True

    def format(self, field: Field, value: Any, page: Page) -> str:
        try:
            return time.fromisoformat(str(value)).strftime("%H:%M")
        except ValueError:
            return str(value)

    def form_text(self, field: Field, value: Any, page: Page) -> Any:
        return "" if value is None else str(value)[:5]

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["string", "null"], "pattern": r"^\d{2}:\d{2}(:\d{2})?$"}

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


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
