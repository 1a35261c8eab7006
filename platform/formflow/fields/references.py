"""Reference field types: link (another record), user, department.

Parsing only checks the shape of the reference (an id, a user name, a department code);
the records service resolves and verifies them in bulk, one query per field.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from formflow.fields.base import EQUALITY_OPERATORS, FieldType, FieldValueError
from formflow.fields.numbers import IntegerType
from formflow.i18n import Message
from formflow.metadata.model import Field

#: Record ids (and links to them) are 32-bit integer columns: PostgreSQL ``integer``.
MAX_RECORD_ID = 2**31 - 1


class LinkType(FieldType):
    """The id of a record of the entity named by ``to``."""

    name = "link"
    invalid = "invalid_link"
    operators = EQUALITY_OPERATORS
    reference = "record"

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


class UserType(FieldType):
    """A user, written as the user name; stored as the user's id."""

    name = "user"
    invalid = "invalid_text"
    operators = EQUALITY_OPERATORS
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
    reference = "department"
