"""The field-type protocol and the registry of field types.

A field type knows everything about one kind of field: its SQL column type, how to
parse a value from JSON or a query string (with marshmallow where it fits), which
constraints apply, how the value looks in JSON, which filter operators it supports,
its form widget and how a form input turns into a value and back, how pages show it,
its JSON Schema in the OpenAPI document, how it goes into and comes out of a
spreadsheet cell, and which properties a field of the type accepts (the designer's
property panel).  Parsing never touches the database: references (links, users,
departments) are resolved in bulk by the records service.

Adding a type means one subclass; everything a plugin type does not override comes
from its base class (a subclass of ``TextType`` behaves as text everywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any, ClassVar, Protocol

import marshmallow as ma
import sqlalchemy as sa

from formflow.fields.properties import field_schema
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


class Page(Protocol):
    """What a page offers a field type for showing a value: the reader's language and
    time zone and the locale's formats.  The web layer implements it; field types never
    import Flask."""

    lang: str
    zone: tzinfo

    def number(self, value: Decimal, pattern: str) -> str:
        """``value`` with the locale's separators, laid out by a CLDR ``pattern``."""

    def date(self, value: date) -> str:
        """A date in the locale's medium format."""

    def moment(self, value: datetime) -> str:
        """A moment in the reader's time zone, date and short time."""

    def yes_no(self, value: bool) -> str:
        """"Yes" or "No" in the reader's language."""

    def reference(self, field: Field, value: Any) -> str | None:
        """The title of the record, user or department ``value`` names, or None when
        the page looked no titles up."""


class FieldType:
    """Base class: one subclass per field type, one shared instance in the registry."""

    name: ClassVar[str]
    #: What the designer's palette calls the type, by language tag.
    label: ClassVar[Mapping[str, str]] = {}
    #: The message key used when a value cannot be parsed at all.
    invalid: ClassVar[str] = "invalid_text"
    operators: ClassVar[frozenset[str]] = EQUALITY_OPERATORS
    #: Whether the value lives in a column of the record's own table.
    stored: ClassVar[bool] = True
    #: For user/department/link fields: what the JSON value refers to.
    reference: ClassVar[str | None] = None

    # -- presentation: how forms, lists and record pages show the type ------------------
    #: Where values sit in list columns and table cells: ``"end"`` for numbers.
    align: ClassVar[str] = "start"
    #: How a form lays the widget out: ``"label"`` (a label above it), ``"fieldset"``
    #: (a group of inputs under a legend) or ``"switch"`` (a checkbox carrying its label).
    form_layout: ClassVar[str] = "label"
    #: Whether the widget takes a form section's whole width whatever its columns.
    full_width: ClassVar[bool] = False
    #: The list filter: ``"search"`` (text contains), ``"choice"`` (one option),
    #: ``"yes_no"``, ``"range"`` (from-to), ``"picker"`` (a record, user or department).
    filter_kind: ClassVar[str] = "search"
    #: The ``<input type>`` of the two ends of a ``"range"`` filter.
    range_input: ClassVar[str] = "text"
    #: Whether the value is a stored file (pages link it for download).
    stores_file: ClassVar[bool] = False
    #: The ``type`` and ``inputmode`` of the generic ``<input>`` widget, and a unit shown
    #: after it.
    input_type: ClassVar[str] = "text"
    input_mode: ClassVar[str | None] = None
    input_suffix: ClassVar[str | None] = None
    input_class: ClassVar[str] = ""
    #: Whether a list's totals row adds the column up.
    totalled: ClassVar[bool] = False
    #: Whether surrounding spaces of a typed value are dropped.
    strip_input: ClassVar[bool] = True
    #: Whether a form preview may fill an empty line-item input with a worked-out value
    #: (a plain text input: no choice, picker or upload).
    fillable: ClassVar[bool] = False
    #: Whether a spreadsheet cell of the type may hold free text (which is then escaped
    #: so a spreadsheet program never runs it as a formula); and whether XLSX holds
    #: whole numbers of the type as numbers.
    free_text_cell: ClassVar[bool] = True
    number_cell: ClassVar[bool] = False
    #: The properties a field of this type accepts besides the common ones (see
    #: :mod:`formflow.fields.properties`), and those it must have.
    own_properties: ClassVar[tuple[str, ...]] = ()
    required_properties: ClassVar[tuple[str, ...]] = ()

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

    # -- pages ---------------------------------------------------------------------------

    def format(self, field: Field, value: Any, page: Page) -> str:
        """A non-empty value (in its JSON form) as plain text on a page; the widget and
        value templates add links, badges and stars around it."""
        return self.display(field, value, page.lang)

    def _template_names(self, folder: str) -> list[str]:
        return [f"{folder}{cls.__dict__['name']}.html" for cls in type(self).__mro__
                if isinstance(cls.__dict__.get("name"), str)]

    def widget_templates(self) -> list[str]:
        """The form widget's templates, most specific first: ``fields/<type>.html`` for
        the type and each type it derives from, then the generic ``fields/input.html``."""
        return [*self._template_names("fields/"), "fields/input.html"]

    def value_templates(self) -> list[str]:
        """How a value shows on list and record pages, most specific first
        (``fields/value/<type>.html``), then the plain text of :meth:`format`."""
        return [*self._template_names("fields/value/"), "fields/value/plain.html"]

    def input_attributes(self, field: Field) -> dict[str, Any]:
        """Extra attributes of the generic ``<input>`` (limits the browser checks)."""
        return {}

    # -- forms ---------------------------------------------------------------------------

    def form_input(self, submitted: list[str]) -> Any:
        """The raw value of the inputs named after the field (the last one wins: a
        checkbox follows a hidden ``false``)."""
        return submitted[-1]

    def form_value(self, field: Field, raw: Any, zone: tzinfo) -> Any:
        """The payload value of a raw input value; the records service parses it."""
        if raw is None:
            return None
        text = raw.strip() if self.strip_input else raw
        return None if text == "" else text

    def form_text(self, field: Field, value: Any, page: Page) -> Any:
        """A value (JSON form) as its input shows it."""
        return "" if value is None else str(value)

    # -- the REST API --------------------------------------------------------------------

    def json_schema(self, field: Field, types: Registry) -> dict[str, Any]:
        """The JSON Schema of the field's value in the API (``null`` included)."""
        return {"type": ["string", "null"]}

    # -- spreadsheets --------------------------------------------------------------------

    def to_cell(self, field: Field, value: Any, lang: str | None) -> str | int:
        """A non-empty value (JSON form) as a cell, before formula escaping; ``lang``
        asks for labels rather than codes where the type has them."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int) and self.number_cell:
            return value
        return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)

    def from_cell(self, field: Field, value: Any) -> str:
        """A non-blank cell (text, with escaping undone; or a number, boolean or date
        from XLSX) as the text :meth:`parse` takes."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        if isinstance(value, date | time):
            return value.isoformat()
        return str(value)

    # -- metadata ------------------------------------------------------------------------

    def property_schema(self) -> dict[str, Any]:
        """The JSON Schema of a field of this type as written in an entity document:
        the designer renders its property panel from it."""
        return field_schema(
            self.name, self.own_properties, self.required_properties, self.default_schema()
        )

    def default_schema(self) -> dict[str, Any]:
        """The JSON Schema of a literal ``default`` of this type."""
        return {"type": "string"}


def check_range(field: Field, value: Any, convert=lambda v: v) -> list[Message]:
    errors = []
    if field.min is not None and value < convert(field.min):
        errors.append(Message("min_value", {"min": field.min}))
    if field.max is not None and value > convert(field.max):
        errors.append(Message("max_value", {"max": field.max}))
    return errors


class Registry(dict[str, FieldType]):
    """Field types by name; plugins register more.  A dict, so that looking a type up
    (tens of times for each record saved) is no call of Python code."""

    def register(self, field_type: FieldType) -> None:
        self[field_type.name] = field_type

    def json_schema(self, field: Field) -> dict[str, Any]:
        """The JSON Schema of a field's value as its type describes it (see
        :meth:`FieldType.json_schema`), titled; computed and fetched values are
        read-only."""
        schema = {**self[field.type].json_schema(field, self), "title": field.label.text("en")}
        if field.compute or field.fetch:
            schema["readOnly"] = True
        return schema

    def palette(self) -> list[dict[str, Any]]:
        """Every field type with its property schema, by name: what a designer offers."""
        return [
            {"name": name, "label": dict(self[name].label) or {"en": name},
             "property_schema": self[name].property_schema()}
            for name in sorted(self)
        ]
