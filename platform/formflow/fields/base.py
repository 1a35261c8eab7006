"""The field-type protocol and the registry of field types.

A field type knows, for one kind of field: its SQL column type, how to parse a value
from JSON or a query string (with marshmallow where it fits), which constraints apply,
how the value looks in JSON, and which filter operators it supports.  Parsing never
touches the database: references (links, users, departments) are resolved in bulk by
the records service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import marshmallow as ma
import sqlalchemy as sa

from formflow.i18n import Message
from formflow.metadata.model import Field

#: Filter operators of the REST API (``field__op=value``); equality has no suffix.
ALL_OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "isnull")
ORDERED_OPERATORS = frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "in", "isnull"})
EQUALITY_OPERATORS = frozenset({"eq", "ne", "in", "isnull"})


class FieldValueError(ValueError):
    """A value does not fit its field; ``message`` says why in the user's language."""

    def __init__(self, message: Message):
        self.message = message
        super().__init__(message.key)


class FieldType:
    """Base class: one subclass per field type, one shared instance in the registry."""

    name: ClassVar[str]
    #: The message key used when a value cannot be parsed at all.
    invalid: ClassVar[str] = "invalid_text"
    operators: ClassVar[frozenset[str]] = EQUALITY_OPERATORS
    #: Whether the value lives in a column of the record's own table.
    stored: ClassVar[bool] = True
    #: For user/department/link fields: what the JSON value refers to.
    reference: ClassVar[str | None] = None

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        raise NotImplementedError

    def marshmallow_field(self, field: Field) -> ma.fields.Field | None:
        """The marshmallow field that parses a JSON value; None when ``coerce`` does it."""
        return None

    def parse(self, field: Field, raw: Any) -> Any:
        """Turn a JSON value into the Python value, or raise FieldValueError.
        Empty values (None, "") become None."""
        if raw is None or raw == "":
            return None
        ma_field = self._marshmallow_field_of(field)
        if ma_field is not None:
            try:
                raw = ma_field.deserialize(raw)
            except ma.ValidationError:
                raise FieldValueError(Message(self.invalid)) from None
        return self.coerce(field, raw)

    def _marshmallow_field_of(self, field: Field) -> ma.fields.Field | None:
        """The marshmallow field for ``field``, built once per loaded Field object."""
        cache = self.__dict__.setdefault("_marshmallow_cache", {})
        entry = cache.get(id(field))
        if entry is None or entry[0] is not field:
            entry = cache[id(field)] = (field, self.marshmallow_field(field))
        return entry[1]

    def coerce(self, field: Field, value: Any) -> Any:
        """Normalize an already-deserialized value; override for type-specific checks."""
        return value

    def from_computed(self, field: Field, value: Any) -> Any:
        """Turn the result of a ``compute`` expression into a stored value."""
        return self.parse(field, value)

    def parse_text(self, field: Field, text: str) -> Any:
        """Parse a value given as text (query strings, CSV cells)."""
        return self.parse(field, text)

    def validate(self, field: Field, value: Any) -> list[Message]:
        """The constraint violations of a parsed, non-empty value."""
        return []

    def to_json(self, field: Field, value: Any) -> Any:
        return value

    def display(self, field: Field, value: Any, lang: str | None = None) -> str:
        """The value (in its JSON form) as pages show it.  The API keeps ``to_json``;
        a plugin type overrides this to mask personal data on pages, say."""
        return str(value)

    def from_column(self, field: Field, value: Any) -> Any:
        """Adjust a value read from the database (most types need nothing)."""
        return value


def check_range(field: Field, value: Any, convert=lambda v: v) -> list[Message]:
    errors = []
    if field.min is not None and value < convert(field.min):
        errors.append(Message("min_value", {"min": field.min}))
    if field.max is not None and value > convert(field.max):
        errors.append(Message("max_value", {"max": field.max}))
    return errors


class Registry(Mapping[str, FieldType]):
    """Field types by name; plugins register more."""

    def __init__(self) -> None:
        self._types: dict[str, FieldType] = {}

    def register(self, field_type: FieldType) -> None:
        self._types[field_type.name] = field_type

    def __getitem__(self, name: str) -> FieldType:
        return self._types[name]

    def __iter__(self):
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)
