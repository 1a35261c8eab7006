"""Reference field types: link (another record), user, department.

Parsing only checks the shape of the reference (an id, a user name, a department code);
the records service resolves and verifies them in bulk, one query per field.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from formflow.fields.base import EQUALITY_OPERATORS, FieldType, FieldValueError, Page
from formflow.fields.numbers import IntegerType
from formflow.i18n import Message
from formflow.metadata.model import Field

#: Record ids (and links to them) are 32-bit integer columns: PostgreSQL ``integer``.
MAX_RECORD_ID = 2**31 - 1


class ReferenceType(FieldType):
    """What links, users and departments share (not registered itself): a search-as-
    you-type picker on forms and list filters, and the title of what the value names on
    pages."""

    name = "reference"
    operators = EQUALITY_OPERATORS
    filter_kind = "picker"

    def format(self, field: Field, value: Any, page: Page) -> str:
        title = page.reference(field, value)
        return self.display(field, value, page.lang) if title is None else title


class LinkType(ReferenceType):
    """The id of a record of the entity named by ``to``."""

    name = "link"
    label = {"en": "Link to a record", "zh-CN": "关联记录"}
    invalid = "invalid_link"
    reference = "record"
    own_properties = ("to", "link_scope")
    required_properties = ("to",)

    def json_schema(self, field: Field, types) -> dict[str, Any]:
        return {"type": ["integer", "null"], "minimum": 1}

    def default_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1}

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.Integer()

    def parse(self, field: Field, raw: Any) -> Any:
        try:
            value = IntegerType().parse(field, raw)
        except FieldValueError:
            raise FieldValueError(Message(self.invalid)) from None
        if value is not None and not 0 < value <= MAX_RECORD_ID:
            raise FieldValueError(Message(self.invalid))
        return value


class UserType(ReferenceType):
    """A user, written as the user name; stored as the user's id."""

    name = "user"
    label = {"en": "User", "zh-CN": "人员"}
    invalid = "invalid_text"
    reference = "user"

    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.Integer()

    def parse(self, field: Field, raw: Any) -> Any:
        if isinstance(raw, str):
            raw = raw.strip()  # a name of spaces alone is no name
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str) or len(raw) > 64:
            raise FieldValueError(Message(self.invalid))
        return raw


class DepartmentType(UserType):
    """A department, written as its code; stored as the department's id."""

    name = "department"
    label = {"en": "Department", "zh-CN": "部门"}
    reference = "department"
