"""Form inputs <-> record values.

Inputs are named after the metadata fields: ``name``, ``tags`` (one input per chosen
option), and for line items ``<table>-<row>-<column>`` (``lines-0-product``), rows in
document order (the row number only groups a row's cells).  A few hidden inputs make
absent and empty distinguishable: each table has a marker input named after it, a
checkbox follows a hidden ``false``, a multiselect's options follow a hidden empty value.
Names starting with ``_`` are the form's own (``_version``, ``_seen``, ``_touched``,
``_op``, ...) and never reach the records service except ``_version``.

How an input's text becomes a value and back is the field type's business
(``FieldType.form_input``, ``form_value`` and ``form_text``): a ``datetime-local`` input
holds local time in the configured time zone, money inputs carry thousands separators.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from formflow.metadata.model import Entity, Field
from formflow.records.limits import DEFAULT_LIMITS, RecordLimits
from formflow.web.language import page_language
from formflow.web.records.display import PageFormats, field_type

_ROW_KEY = re.compile(r"^([a-z][a-z0-9_]*)-(\d{1,6})-([a-z][a-z0-9_]*)$")

Raw = dict[str, Any]  # field name -> str, list[str] (multiselect) or list[dict] (rows)


def input_name(path: str) -> str:
    """``lines[2].qty`` (an error path) -> ``lines-2-qty`` (an input name)."""
    return path.replace("[", "-").replace("].", "-").replace("]", "")


def is_input(field: Field) -> bool:
    """Whether the form has an input for ``field`` (computed and fetched values are
    shown, not typed)."""
    return not field.compute and not field.fetch


def parse_form(
    entity: Entity, form: MultiDict, inputs: Mapping[str, Field], zone: ZoneInfo,
    limits: RecordLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, Any], Raw]:
    """The service payload and the raw values (to show again) of a submitted form.
    ``inputs`` are the fields the form offers; any other input is ignored.  The raw
    values keep no more rows than a table may hold (the payload keeps them all, for the
    service to refuse), so a form with too many rows is not shown again whole."""
    payload: dict[str, Any] = {}
    raw: Raw = {}
    rows = _rows(form)
    for name, field in inputs.items():
        if name not in form:
            continue  # not on the form (or disabled): left unchanged
        if field.is_table:
            raw_rows = rows.get(name, [])
            raw[name] = raw_rows[: limits.max_rows(field)]
            payload[name] = [_row_payload(field, row, zone) for row in raw_rows]
        else:
            kind = field_type(field)
            raw[name] = kind.form_input(form.getlist(name))
            payload[name] = kind.form_value(field, raw[name], zone)
    version = form.get("_version", "")
    if version:
        payload["_version"] = version
    return payload, raw


def _row_payload(table: Field, row: Mapping[str, str], zone: ZoneInfo) -> dict[str, Any]:
    """A line-item row's values; an empty cell whose default is worked out from the row
    (``product.price``) is left out, so the default applies once the row has a product."""
    values = {}
    for c in table.fields:
        if is_input(c) and c.name in row:
            value = field_type(c).form_value(c, row[c.name], zone)
            if value is not None or not c.default_expr:
                values[c.name] = value
    return values


def _rows(form: MultiDict) -> dict[str, list[dict[str, str]]]:
    """Line-item cells grouped by table and row, rows in the order they first appear."""
    tables: dict[str, dict[str, dict[str, str]]] = {}
    for key, value in form.items(multi=True):
        match = _ROW_KEY.match(key)
        if match:
            table, row, column = match.groups()
            cells = tables.setdefault(table, {}).setdefault(row, {})
            cells[column] = value  # the last value wins (a checkbox after its hidden false)
    return {name: list(rows.values()) for name, rows in tables.items()}


# -- record values -> input text ------------------------------------------------------


def raw_from_record(entity: Entity, record: Mapping[str, Any], zone: ZoneInfo) -> Raw:
    """The input values showing a record (JSON form) on a form."""
    return {
        f.name: input_text(f, record.get(f.name), zone) for f in entity.fields if f.name in record
    }


def input_text(field: Field, value: Any, zone: ZoneInfo) -> Any:
    if field.is_table:
        return [
            {c.name: input_text(c, row.get(c.name), zone) for c in field.fields}
            for row in value or []
        ]
    return field_type(field).form_text(field, value, PageFormats(page_language(), zone=zone))


def row_fills(
    entity: Entity, raw: Raw, values: Mapping[str, Any], writable: Callable[[Field], bool],
    zone: ZoneInfo,
) -> dict[str, str]:
    """Line-item inputs the user left empty that the preview gave a value (a default
    taken from the row's product, say), by input name: the page fills them in."""
    found = {}
    for table in entity.table_fields:
        typed_rows = raw.get(table.name) or []
        for i, row in enumerate(values.get(table.name) or []):
            typed = typed_rows[i] if i < len(typed_rows) and typed_rows[i] else {}
            for c in table.fields:
                if field_type(c).fillable and writable(c) and typed.get(c.name) in ("", None):
                    text = input_text(c, row.get(c.name), zone)
                    if text != "":
                        found[f"{table.name}-{i}-{c.name}"] = text
    return found
