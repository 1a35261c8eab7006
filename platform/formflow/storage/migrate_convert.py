"""Column type changes: how a column must change when its field does, proven safe first.

A text column whose length changes is widened, or narrowed when every value fits.  Any
other change converts the values: they are read with the column type they were stored
with (a decimal on SQLite is a scaled integer: only the old scale reads it right), turned
into their JSON form and parsed by the new field type, exactly as if a user had entered
them.  One value that does not convert refuses the migration, before anything is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.fields import FieldType, FieldValueError, Registry
from formflow.fields.columns import ExactDecimal
from formflow.metadata.model import Field
from formflow.storage.migrate_catalog import column_spec, field_from_spec

INT64 = 2**63 - 1
MAX_LISTED = 20
REFERENCE_REFUSED = "a value cannot be converted to or from a reference (link, user, department)"
_VARCHAR = re.compile(r"^(?:VARCHAR|CHARACTER VARYING|NVARCHAR)\((\d+)\)$")
_UNBOUNDED = float("inf")


@dataclass
class TypeChange:
    change: str  # "widen", "narrow" or "convert"
    description: str
    problems: list[str]
    #: convert: the converted values, [(row id, value)] (empty values are left out).
    values: list[tuple[int, Any]] | None = None


def plan_type_change(
    conn: Connection,
    field_types: Registry,
    table: sa.Table,
    field: Field,
    db_table: str,
    source: str,
    stored_type: sa.types.TypeEngine,
    old_spec: dict[str, Any] | None,
) -> TypeChange | None:
    """How the existing column of ``field`` must change, or None when it fits already.

    ``db_table`` and ``source`` name the table and column in the database now (they differ
    from the field's when it is being renamed); ``stored_type`` is the reflected type and
    ``old_spec`` the published catalog entry of the column (None when unknown)."""
    return _ColumnCheck(conn, field_types, table, field, db_table, source).check(
        stored_type, old_spec
    )


class _ColumnCheck:
    def __init__(
        self, conn, field_types: Registry, table: sa.Table, field: Field, db_table, source
    ):
        self.conn = conn
        self.field_types = field_types
        self.field = field
        self.target = table.c[field.name]
        self.table = table.name
        self.where = f"{table.name}.{field.name}"
        self.db_table = db_table
        self.source = source

    def check(self, stored_type, old_spec) -> TypeChange | None:
        field, new_type = self.field, self.field_types.get(self.field.type)
        if old_spec is not None:
            old_type = self.field_types.get(old_spec["type"])
            old_field = field_from_spec(self.source, old_spec)
            if self._changed(old_spec, old_type, old_field):
                if old_type is None:
                    return self._convert(
                        stored_type,
                        f"{old_spec['type']} (unknown type)",
                        json_form,
                        reference=True,
                    )
                column_type = old_type.column_type(old_field)
                return self._convert(
                    column_type,
                    f"{old_spec['type']} {describe_type(column_type)}",
                    lambda value: old_type.to_json(old_field, value),
                    reference=bool(
                        old_type.reference
                        or (new_type and new_type.reference)
                        or old_spec.get("to") != field.to
                    ),
                )
        dialect = self.conn.dialect
        have, want = stored_type.compile(dialect=dialect), self.target.type.compile(dialect=dialect)
        if have == want:
            return None
        have_length, want_length = _string_length(have), _string_length(want)
        if have_length is not None and want_length is not None:
            return self._resize(describe_type(stored_type), wider=want_length > have_length)
        return self._convert(
            stored_type,
            describe_type(stored_type),
            json_form,
            reference=bool(new_type and new_type.reference),
        )

    def _changed(self, old_spec, old_type, old_field) -> bool:
        """Whether the published field and the current one store values differently
        (text lengths aside: those are compared on the database's own columns)."""
        field = self.field
        if old_spec.get("type") != field.type or old_spec.get("to") != field.to:
            return True
        new_type = self.field_types.get(field.type)
        if old_type is None or new_type is None:
            return old_spec != column_spec(field)
        before, after = old_type.column_type(old_field), new_type.column_type(field)
        if isinstance(before, sa.String) and isinstance(after, sa.String):
            return False
        return _type_key(before) != _type_key(after)

    def _resize(self, have: str, *, wider: bool) -> TypeChange:
        table, name = self.table, self.field.name
        want = describe_type(self.target.type)
        if wider:
            return TypeChange("widen", f"{table}: widen column {name} ({have} to {want})", [])
        limit = self.target.type.length
        length = sa.func.length(sa.column(self.source))
        too_long = self.conn.execute(
            sa.select(sa.column("id"), length)
            .select_from(sa.table(self.db_table))
            .where(length > limit)
            .order_by(sa.column("id"))
            .limit(MAX_LISTED + 1)
        ).all()
        problems = [
            f"{self.where}: id {row_id} holds {chars} characters, more than the new maximum "
            f"of {limit}"
            for row_id, chars in too_long[:MAX_LISTED]
        ]
        if len(too_long) > MAX_LISTED:
            problems.append(f"{self.where}: ... and more values that are too long")
        text = f"{table}: narrow column {name} ({have} to {want}; every value fits)"
        return TypeChange("narrow", text, problems)

    def _convert(self, stored_type, old_label: str, to_form, *, reference: bool) -> TypeChange:
        values, failures, total = self._read_converted(stored_type, to_form, reference)
        problems = []
        if failures:
            problems.append(
                f"{self.where}: {len(failures)} of {total} values cannot be converted from "
                f"{old_label} to {self.field.type}; correct or clear them first"
            )
            problems += [
                f"{self.where}: id {row_id}: {form!r}: {reason}"
                for row_id, form, reason in failures[:MAX_LISTED]
            ]
            if len(failures) > MAX_LISTED:
                problems.append(f"{self.where}: ... and {len(failures) - MAX_LISTED} more")
        count = f"{total} value" + ("" if total == 1 else "s")
        text = (
            f"{self.table}: convert column {self.field.name} from {old_label} to "
            f"{self.field.type} {describe_type(self.target.type)} ({count})"
        )
        return TypeChange("convert", text, problems, values)

    def _read_converted(self, stored_type, to_form: Callable[[Any], Any], reference: bool):
        """Read every non-empty value with the type it was stored with and convert it.

        Returns the converted values ``[(id, value)]``, the failures ``[(id, form,
        reason)]`` and the number of values read."""
        column = sa.column(self.source, stored_type)
        query = (
            sa.select(sa.column("id"), column)
            .select_from(sa.table(self.db_table))
            .where(column.is_not(None))
            .order_by(sa.column("id"))
        )
        field_type = self.field_types.get(self.field.type)
        values, failures, total = [], [], 0
        for row_id, value in self.conn.execute(query):
            if value is None:  # a JSON null
                continue
            total += 1
            form = to_form(value)
            try:
                converted = self._convert_one(field_type, value, form, reference)
            except _Unfit as unfit:
                failures.append((row_id, form, str(unfit)))
            else:
                if converted is not None:
                    values.append((row_id, converted))
        return values, failures, total

    def _convert_one(self, field_type: FieldType | None, value, form, reference: bool) -> Any:
        if field_type is None:
            raise _Unfit(f"field type {self.field.type} is not known")
        if reference:
            raise _Unfit(REFERENCE_REFUSED)
        try:
            converted = convert_value(field_type, self.field, value, form)
        except FieldValueError as error:
            raise _Unfit(error.message.render("en")) from None
        target = self.target.type
        limit = target.length if isinstance(target, sa.String) else None
        if limit and isinstance(converted, str) and len(converted) > limit:
            raise _Unfit(f"longer than {limit} characters")
        if not _storable(target, converted, self.conn.dialect.name):
            raise _Unfit("too large to store on this database")
        return converted


class _Unfit(Exception):
    """A value that does not fit the new field; the message says why."""


def _type_key(type_: sa.types.TypeEngine) -> Any:
    if isinstance(type_, ExactDecimal):
        return ("decimal", type_.precision, type_.scale)
    return repr(type_)


def _string_length(sql: str) -> float | None:
    """The length limit of a text column type (infinite for TEXT); None for other types."""
    if sql == "TEXT":
        return _UNBOUNDED
    match = _VARCHAR.match(sql)
    return int(match.group(1)) if match else None


def describe_type(type_: sa.types.TypeEngine) -> str:
    """A column type as people know it, the same on every database."""
    if isinstance(type_, ExactDecimal):
        return f"NUMERIC({type_.precision},{type_.scale})"
    try:
        return type_.compile()
    except sa.exc.CompileError:
        return type(type_).__name__.upper()


def json_form(value: Any) -> Any:
    """A value read from a column as it would appear in JSON."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def text_form(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def convert_value(field_type: FieldType, field: Field, value: Any, form: Any) -> Any:
    """Parse ``form`` (the JSON form of ``value``) as a value of ``field``; when that fails,
    try the value itself and its text.  The first error is raised when none fits."""
    attempts = [form]
    for candidate in (value, None if isinstance(form, str) else text_form(form)):
        if candidate is not None and not any(
            type(candidate) is type(seen) and candidate == seen for seen in attempts
        ):
            attempts.append(candidate)
    first_error = None
    for attempt in attempts:
        try:
            return field_type.parse(field, attempt)
        except FieldValueError as error:
            first_error = first_error or error
    raise first_error


def _storable(type_: sa.types.TypeEngine, value: Any, dialect: str) -> bool:
    """Whether a decimal fits SQLite's scaled 64-bit storage (PostgreSQL's NUMERIC fits
    whatever the field's precision allows)."""
    if dialect != "sqlite" or not isinstance(type_, ExactDecimal) or value is None:
        return True
    return abs(int(Decimal(value).scaleb(type_.scale))) <= INT64
