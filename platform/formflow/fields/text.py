"""Text-like field types: text, textarea, email, phone, url, file, image."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from formflow.fields.base import EQUALITY_OPERATORS, FieldType, FieldValueError, Page
from formflow.fields.properties import TEXT, UPLOAD
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
    label = {"en": "Text", "zh-CN": "单行文本"}
    invalid = "invalid_text"
    operators = EQUALITY_OPERATORS | {"contains"}
    fillable = True
    own_properties = TEXT
    default_max_length = TEXT_MAX_LENGTH
    multiline = False
    #: Whether the browser may offer remembered values in the input.
    autocomplete = True

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

    def input_attributes(self, field: Field) -> dict[str, Any]:
        found: dict[str, Any] = {"maxlength": field.max_length} if field.max_length else {}
        return found if self.autocomplete else {**found, "autocomplete": "off"}


class TextareaType(TextType):
    name = "textarea"
    label = {"en": "Long text", "zh-CN": "多行文本"}
    default_max_length = TEXTAREA_MAX_LENGTH
    multiline = True
    strip_input = False
    fillable = False
    full_width = True

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.Text()


#: One validator for every e-mail value (building one per value is most of the cost).
_EMAIL = ma.fields.Email()


class EmailType(TextType):
    name = "email"
    label = {"en": "Email", "zh-CN": "电子邮箱"}
    invalid = "invalid_email"
    input_type = "email"
    autocomplete = False
    default_max_length = 254

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["string", "null"], "format": "email"}

    def coerce(self, field: Field, value: str) -> str:
        try:
            return _EMAIL.deserialize(value)
        except ma.ValidationError:
            raise FieldValueError(Message(self.invalid)) from None


class PhoneType(TextType):
    name = "phone"
    label = {"en": "Phone", "zh-CN": "电话"}
    invalid = "invalid_phone"
    input_type = "tel"
    input_mode = "tel"
    default_max_length = 40

    def coerce(self, field: Field, value: str) -> str:
        if not _PHONE.match(value):
            raise FieldValueError(Message(self.invalid))
        return value


class UrlType(TextType):
    name = "url"
    label = {"en": "Web address", "zh-CN": "网址"}
    invalid = "invalid_url"
    input_type = "url"
    autocomplete = False
    default_max_length = 2048

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["string", "null"], "format": "uri"}

    def coerce(self, field: Field, value: str) -> str:
        try:
            return ma.fields.URL(schemes={"http", "https"}, require_tld=False).deserialize(value)
        except ma.ValidationError:
            raise FieldValueError(Message(self.invalid)) from None


class FileType(TextType):
    """A reference to a stored file (the storage key returned by an upload)."""

    name = "file"
    label = {"en": "File", "zh-CN": "附件"}
    invalid = "invalid_file"
    operators = frozenset({"isnull"})
    fillable = False
    own_properties = UPLOAD
    stores_file = True
    default_max_length = 512
    #: Whether pages show the file as a picture, and what the file chooser offers.
    thumbnail = False
    accept = ""

    def format(self, field: Field, value: Any, page: Page) -> str:
        """The file's name (the storage key ends with it)."""
        return str(value).rsplit("/", 1)[-1]

    def coerce(self, field: Field, value: str) -> str:
        if not _FILE_REFERENCE.match(value) or ".." in value:
            raise FieldValueError(Message(self.invalid))
        return value


class ImageType(FileType):
    name = "image"
    label = {"en": "Image", "zh-CN": "图片"}
    thumbnail = True
    accept = ".png,.jpg,.jpeg,.gif,.webp"
