"""Form inputs <-> record values.

Inputs are named after the metadata fields: ``name``, ``tags`` (one input per chosen
option), and for line items ``<table>-<row>-<column>`` (``lines-0-product``), rows in
document order (the row number only groups a row's cells).  A few hidden inputs make
absent and empty distinguishable: each table has a marker input named after it, a
checkbox follows a hidden ``false``, a multiselect's options follow a hidden empty value.
Names starting with ``_`` are the form's own (``_version``, ``_seen``, ``_touched``,
``_op``, ...) and never reach the records service except ``_version``.

Dates and times: a ``datetime-local`` input holds local time in the configured time
zone; money inputs may carry thousands separators.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from formflow.metadata.model import Entity, Field
from formflow.records.limits import DEFAULT_LIMITS, RecordLimits
from formflow.web.display import format_number

#: Input types with no input of their own on a form (their values are computed).
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
        elif field.type == "multiselect":
            chosen = [v for v in form.getlist(name) if v != ""]
            raw[name] = chosen
            payload[name] = chosen
        else:
            text = form.getlist(name)[-1]
            raw[name] = text
            payload[name] = _value(field, text, zone)
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
            value = _value(c, row[c.name], zone)
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


def _value(field: Field, text: str, zone: ZoneInfo) -> Any:
    if text is None:
        return None
    text = text.strip() if field.type != "textarea" else text
    if text == "":
        return None
    if field.type == "datetime":
        return _aware(text, zone)
    return text


def _aware(text: str, zone: ZoneInfo) -> str:
    """A local ``YYYY-MM-DDTHH:MM`` as ISO 8601 with the zone's offset (other text is
    passed on for the service to judge)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


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
    if value is None:
        return [] if field.type == "multiselect" else ""
    if field.type == "multiselect":
        return list(value)
    if field.type == "boolean":
        return "true" if value else "false"
    if field.type == "money":
        return format_number(value, field).replace("\u00a0", "")
    if field.type == "datetime":
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    if field.type == "time":
        return str(value)[:5]
    return str(value)


#: Line-item inputs a preview may fill in: those holding plain text.
FILLABLE = frozenset({"text", "integer", "decimal", "money", "percent", "date", "time",
                      "email", "phone", "url", "select"})


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
                if c.type in FILLABLE and writable(c) and typed.get(c.name) in ("", None):
                    text = input_text(c, row.get(c.name), zone)
                    if text != "":
                        found[f"{table.name}-{i}-{c.name}"] = text
    return found
