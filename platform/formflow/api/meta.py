"""``GET /api/v1/meta``: the apps and entities the caller may see, with their fields."""

from __future__ import annotations

from typing import Any

from formflow.auth import User, can_read_field
from formflow.metadata.model import Field
from formflow.runtime import Runtime


def describe_model(runtime: Runtime, user: User, lang: str) -> dict[str, Any]:
    apps = []
    for app in runtime.model.apps.values():
        entities = []
        for entity in app.entities.values():
            grant = runtime.records.grant(user, entity)
            if not (grant.read or grant.create):
                continue
            entities.append({
                "name": entity.name,
                "label": entity.label.text(lang),
                "permissions": {
                    "create": grant.create, "read": grant.read, "update": grant.update,
                    "delete": grant.delete, "export": grant.export, "import": grant.import_,
                },
                "process": entity.process,
                "fields": [
                    describe_field(f, lang) for f in entity.fields if can_read_field(f, user.roles)
                ],
            })
        if entities:
            apps.append({"name": app.name, "label": app.label.text(lang), "entities": entities})
    return {"apps": apps, "user": {"username": user.username, "roles": sorted(user.roles)}}


def describe_field(field: Field, lang: str) -> dict[str, Any]:
    data: dict[str, Any] = {"name": field.name, "type": field.type, "label": field.label.text(lang)}
    for key in ("required", "unique"):
        if getattr(field, key):
            data[key] = True
    for key in ("to", "compute", "fetch", "min", "max", "min_length", "max_length", "pattern",
                "precision", "scale", "visible_if", "required_if", "readonly_if", "default"):
        value = getattr(field, key)
        if value is not None:
            data[key] = value
    if field.help:
        data["help"] = field.help.text(lang)
    if field.options:
        data["options"] = [
            {"value": o.value, "label": o.label.text(lang),
             **({"color": o.color} if o.color else {})}
            for o in field.options
        ]
    if field.is_table:
        data["fields"] = [describe_field(column, lang) for column in field.fields]
    return data
