"""What the record pages share: finding the entity of a URL, the form layout, and the
breadcrumbs down to an entity."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

from flask import abort, url_for

from formflow.auth import User, can_read_field
from formflow.metadata.model import Entity, Field, Label
from formflow.runtime import get_runtime


@dataclass(frozen=True)
class Section:
    label: Label | None
    columns: int
    fields: tuple[Field, ...]


def entity_or_404(app: str, name: str) -> Entity:
    entity = get_runtime().model.entity(f"{app}.{name}")
    if entity is None:
        abort(404)
    return entity


def layout(entity: Entity, user: User, shown: Container[str] | None = None) -> list[Section]:
    """The form's sections with the fields ``user`` may read (of a record, those its JSON
    ``shown`` holds: a process step may hide some); fields no section places come last,
    so nothing the metadata defines is left out."""
    readable = {f.name: f for f in entity.fields if can_read_field(f, user.roles)
                and (shown is None or f.name in shown)}
    sections = []
    placed: set[str] = set()
    for section in entity.form:
        fields = tuple(readable[n] for n in section.fields if n in readable)
        placed.update(section.fields)
        if fields:
            sections.append(Section(section.label, max(1, min(section.columns, 4)), fields))
    rest = tuple(f for name, f in readable.items() if name not in placed)
    if rest:
        sections.append(Section(None, 1 if entity.form else 2, rest))
    return sections


def entity_crumbs(entity: Entity, lang: str) -> list[tuple[str, str | None]]:
    app = get_runtime().model.apps[entity.app]
    return [
        (app.label.text(lang), None),
        (entity.label.text(lang), url_for("web.list_records", app=entity.app, entity=entity.name)),
    ]


def column_span(section: Section, field: Field) -> str:
    """Bootstrap grid classes of one field in a section."""
    if field.is_table or get_runtime().field_types[field.type].full_width or section.columns == 1:
        return "col-12"
    return {2: "col-12 col-md-6", 3: "col-12 col-md-4", 4: "col-12 col-md-6 col-lg-3"}[
        section.columns
    ]
