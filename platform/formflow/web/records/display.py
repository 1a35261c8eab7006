"""How values look on pages: numbers, money, dates and times in the page's locale, and
the titles of the records, users and departments a value refers to.

Values arrive as the records service gives them (JSON form: decimals as strings, dates
as ISO text, links as ids, users as user names, departments as codes)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

from flask import Flask, url_for
from flask_babel import format_date, format_decimal, format_time, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from formflow.auth import User
from formflow.errors import ServiceError
from formflow.fields import FieldType
from formflow.fields.temporal import as_date, as_datetime
from formflow.metadata.model import SYSTEM_FIELDS, Entity, Field, Label
from formflow.records.titles import Titles
from formflow.runtime import get_runtime
from formflow.web.language import page_language
from formflow.web.process.labels import ProcessLabels, StateBadge

#: Labels of the system fields (translated when shown).
SYSTEM_LABELS = {
    "id": _l("ID"),
    "_number": _l("Number"),
    "_title": _l("Title"),
    "_state": _l("State"),
    "_version": _l("Version"),
    "_created_at": _l("Created"),
    "_created_by": _l("Created by"),
    "_updated_at": _l("Updated"),
    "_updated_by": _l("Updated by"),
    "_deleted_at": _l("Deleted"),
}


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        number=format_number,
        local_date=local_date,
        local_datetime=local_datetime,
        local_time=local_time,
    )
    app.jinja_env.globals.update(
        field_label=field_label,
        display_text=display_text,
        system_field=system_field,
        option_label=option_label,
        state_badge=state_badge,
        state_badges=state_badges,
        display_title=display_title,
        field_type=field_type,
    )


def field_type(field: Field) -> FieldType:
    """The type of ``field`` (templates ask it for alignment, layout and templates)."""
    return get_runtime().field_types[field.type]


class PageFormats:
    """The :class:`formflow.fields.base.Page` of the current request: its language,
    time zone and locale, and the titles ``refs`` looked up."""

    def __init__(self, lang: str, refs: References | None = None, zone: tzinfo | None = None):
        self.lang = lang
        self.refs = refs
        self._zone = zone

    @property
    def zone(self) -> tzinfo:
        return self._zone if self._zone is not None else get_timezone()

    def number(self, value: Decimal, pattern: str) -> str:
        return format_decimal(value, format=pattern)

    def date(self, value: date) -> str:
        return format_date(value, "medium")

    def moment(self, value: datetime) -> str:
        local = value.astimezone(get_timezone())
        return f"{format_date(local.date(), 'medium')} {format_time(local, 'short')}"

    def yes_no(self, value: bool) -> str:
        return _("Yes") if value else _("No")

    def reference(self, field: Field, value: Any) -> str | None:
        return self.refs.title(field, value) if self.refs is not None else None


def state_badge(entity: Entity, name: str | None) -> StateBadge | None:
    """A record's process state as its badge shows it (label in the page's language,
    colour); the one place pages turn a state name into words."""
    process = get_runtime().model.process_for(entity)
    return ProcessLabels(process, page_language()).badge(name)


def state_badges(entity: Entity) -> list[StateBadge]:
    """Every state a record of ``entity`` can be in, in the process's order."""
    process = get_runtime().model.process_for(entity)
    if process is None:
        return []
    labels = ProcessLabels(process, page_language())
    names = [s.name for s in process.states] + (["cancelled"] if process.cancel else [])
    return [labels.badge(name) for name in names]


_DECIMAL = Field(name="", type="decimal", label=Label.of(""))


def system_field(name: str) -> Field:
    """A Field standing for a system field, for labels and formatting."""
    return Field(name=name, type=SYSTEM_FIELDS.get(name, "text"), label=Label.of(name))


def field_label(field: Field, lang: str) -> str:
    if field.name in SYSTEM_LABELS and field.label.texts.get("") == field.name:
        return str(SYSTEM_LABELS[field.name])
    return field.label_text(lang)


def option_label(field: Field, value: str, lang: str) -> str:
    for option in field.options:
        if option.value == value:
            return option.label.text(lang)
    return value


# -- numbers and dates ----------------------------------------------------------------


def format_number(value: Any, field: Field | None = None) -> str:
    """A number with the locale's separators; decimals keep the field's scale."""
    if value is None or value == "":
        return ""
    if field is None:
        field = system_field("id") if isinstance(value, int) else _DECIMAL
    return field_type(field).format(field, value, PageFormats(page_language()))


def local_date(value: Any) -> str:
    parsed = as_date(value)
    return format_date(parsed, "medium") if parsed else ""


def local_datetime(value: Any) -> str:
    moment = as_datetime(value)
    return PageFormats(page_language()).moment(moment) if moment is not None else ""


def local_time(value: Any) -> str:
    if not value:
        return ""
    try:
        return time.fromisoformat(str(value)).strftime("%H:%M")
    except ValueError:
        return str(value)


def display_text(field: Field, value: Any, refs: References | None, lang: str) -> str:
    """A value as plain text (the templates add links, badges and stars around it)."""
    if value is None or value == "" or value == []:
        return ""
    return field_type(field).format(field, value, PageFormats(lang, refs))


_TOKEN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def title_fields(entity: Entity) -> list[Field]:
    """The fields the entity's ``title`` pattern shows."""
    found = (entity.field(t) for t in _TOKEN.findall(entity.title or ""))
    return [f for f in found if f is not None]


def display_title(entity: Entity, record: Mapping[str, Any], refs: References | None,
                  lang: str) -> str:
    """A record's title in the reader's language: its ``title`` pattern with every field
    shown as the page shows it (option labels, local dates, people's names); the stored
    title when the pattern holds anything else (the creation date, a counter) or a
    field the reader may not see is empty here."""
    stored = record.get("_title") or record.get("_number") or f"#{record.get('id', '')}"
    pattern = entity.title
    if not pattern:
        return stored
    parts = []
    for token in _TOKEN.findall(pattern):
        field = entity.field(token)
        if field is None or (field_type(field).reference and refs is None):
            return stored
        parts.append((token, field))
    text = pattern
    for token, field in parts:
        text = text.replace("{" + token + "}", display_text(field, record.get(token), refs, lang))
    return text.strip() or stored


# -- references -----------------------------------------------------------------------


class References:
    """Titles of the linked records, users and departments of a set of records, looked up
    in one go (see :mod:`formflow.records.titles`); a linked record the user may not read
    shows as ``#id``."""

    def __init__(self, user: User, titles: Titles | None = None):
        self.user = user
        self.titles = titles if titles is not None else Titles()

    def collect(self, fields: Iterable[Field], records: Iterable[Mapping[str, Any]]) -> References:
        get_runtime().titles.collect(self.user, fields, records, into=self.titles)
        return self

    def title(self, field: Field, value: Any) -> str:
        kind = field_type(field).reference
        if kind == "record":
            return self.titles.links.get(field.to or "", {}).get(value) or f"#{value}"
        if kind == "department":
            return self.titles.departments.get(value, value)
        return self.titles.users.get(value, value)

    def url(self, field: Field, value: Any) -> str | None:
        """The page of a linked record the user may read."""
        if (field_type(field).reference != "record"
                or value not in self.titles.links.get(field.to or "", {})):
            return None
        app, _, entity = (field.to or "").partition(".")
        return url_for("web.view_record", app=app, entity=entity, record_id=value)


def picker_label(refs: References, field: Field, raw: Any) -> str:
    """What a picker shows for the value its hidden input holds."""
    if raw in (None, ""):
        return ""
    value = int(raw) if field_type(field).reference == "record" and str(raw).isdigit() else raw
    return refs.title(field, value)


def titles_in(user: User, lang: str,
              pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The titles of these (entity, id) records the user may read, in ``lang``: one list
    query per entity, one look-up of the people and records the titles name."""
    records = get_runtime().records
    wanted: dict[str, list[int]] = defaultdict(list)
    for entity_name, record_id in pairs:
        wanted[entity_name].append(record_id)
    found: dict[tuple[str, int], str] = {}
    for entity_name, ids in wanted.items():
        entity = get_runtime().model.entity(entity_name)
        if entity is None or not entity.title:
            continue
        try:
            page = records.list(user, entity_name, {
                "id__in": [",".join(map(str, sorted(ids)))], "per_page": [str(len(ids))]})
        except ServiceError:
            continue  # an entity the user may no longer read: its stored titles stand
        refs = References(user).collect(title_fields(entity), page.items)
        for record in page.items:
            found[(entity_name, record["id"])] = display_title(entity, record, refs, lang)
    return found

