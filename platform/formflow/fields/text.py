"""Text-like field types: text, textarea, email, phone, url, file, image."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from formflow.fields.base import EQUALITY_OPERATORS, FieldType, FieldValueError
from formflow.i18n import Message
from formflow.metadata.model import Field

TEXT_MAX_LENGTH = 255
TEXTAREA_MAX_LENGTH = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,30}(?:(?:ext\.?|x|#|转)\s*[0-9]{1,6})?$")
_FILE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./\-]{0,255}$")


class TextType(FieldType):
    name = "text"
    invalid = "invalid_text"
    operators = EQUALITY_OPERATORS | {"contains"}
    default_max_length = TEXT_MAX_LENGTH
    multiline = False

    def max_length(self, field: Field) -> int:
        return field.max_length or self.default_max_length

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.String(self.max_length(field))

    def parse(self, field: Field, raw: Any) -> Any:
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise FieldValueError(Message(self.invalid))
        value = raw if self.multiline else raw.strip()
        if value == "":
            return None
        control = _CONTROL if self.multiline else _CONTROL_SINGLE_LINE
        if control.search(value):
            raise FieldValueError(Message("control_characters"))
        return self.coerce(field, value)

    def validate(self, field: Field, value: Any) -> list[Message]:
        errors = []
        if len(value) > self.max_length(field):
            errors.append(Message("max_length", {"max": self.max_length(field)}))
        if field.min_length is not None and len(value) < field.min_length:
            errors.append(Message("min_length", {"min": field.min_length}))
        if field.pattern and not re.fullmatch(field.pattern, value):
            errors.append(Message("pattern"))
        return errors


class TextareaType(TextType):
    name = "textarea"
    default_max_length = TEXTAREA_MAX_LENGTH
    multiline = True

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.Text()


class EmailType(TextType):
    name = "email"
    invalid = "invalid_email"
    default_max_length = 254

    def coerce(self, field: Field, value: str) -> str:
        try:
            return ma.fields.Email().deserialize(value)
        except ma.ValidationError:
            raise FieldValueError(Message(self.invalid)) from None


class PhoneType(TextType):
    name = "phone"
    invalid = "invalid_phone"
    default_max_length = 40

    def coerce(self, field: Field, value: str) -> str:
        if not _PHONE.match(value):
            raise FieldValueError(Message(self.invalid))
        return value


class UrlType(TextType):
    name = "url"
    invalid = "invalid_url"
    default_max_length = 2048

    def coerce(self, field: Field, value: str) -> str:
        try:
            return ma.fields.URL(schemes={"http", "https"}, require_tld=False).deserialize(value)
        except ma.ValidationError:
            raise FieldValueError(Message(self.invalid)) from None


class FileType(TextType):
    """A reference to a stored file (the storage key returned by an upload)."""

    name = "file"
    invalid = "invalid_file"
    operators = frozenset({"isnull"})
    default_max_length = 512

    def coerce(self, field: Field, value: str) -> str:
        if not _FILE_REFERENCE.match(value) or ".." in value:
            raise FieldValueError(Message(self.invalid))
        return value


class ImageType(FileType):
    name = "image"
