"""What the designer's preview needs from the design side: a runtime serving an app's
draft (not its published version), the user the preview is seen as (one role of the app),
and sample records built in memory from the draft's fields.  Nothing here writes to the
database: the pages render the draft's entity with these samples."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa

from formflow.auth import User
from formflow.design.service import DesignService
from formflow.design.site_apps import published_site_apps
from formflow.errors import ValidationFailed
from formflow.i18n import Message
from formflow.metadata.model import Entity, Field

#: Roles every app knows besides its own.
BUILT_IN_ROLES = ("user", "admin")
SAMPLE_ROWS = 3


def draft_runtime(service: DesignService, user: User, app: str):
    """A runtime serving the app's draft beside the published apps (nothing is migrated
    or written); a shipped app's is the current one.  A draft with errors cannot be
    served (422)."""
    draft = service.draft(user, app)
    if service.is_shipped(app):
        return service.runtime
    errors = [p for p in draft.problems if p["level"] == "error"]
    if errors:
        raise ValidationFailed({"": [Message("design_preview_problems", {"count": len(errors)})]})
    published = published_site_apps(service.db)
    return service.runtime.with_site_apps({**published, app: draft.documents})


def stored_columns(service: DesignService, entity: Entity) -> frozenset[str]:
    """The columns the entity's table has in the database now (none before its first
    publish): a unique field gets a sample value only when its column can be checked."""
    inspector = sa.inspect(service.db.engine)
    table = f"{entity.app}__{entity.name}"
    if not inspector.has_table(table):
        return frozenset()
    return frozenset(column["name"] for column in inspector.get_columns(table))


def preview_roles(app_document: dict) -> list[str]:
    """The roles a preview may be seen as: ``user``, the app's own roles, ``admin``."""
    own = [r.get("name") for r in app_document.get("roles", []) if isinstance(r, dict)]
    return ["user", *[r for r in own if isinstance(r, str)], "admin"]


def as_role(user: User, role: str) -> User:
    """``user`` holding only ``role`` (and ``user``, which everyone holds)."""
    return replace(user, roles=frozenset({"user", role}))


def _number(field: Field, value: float) -> float:
    low = field.min if isinstance(field.min, int | float) else None
    high = field.max if isinstance(field.max, int | float) else None
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value


def _option(field: Field, index: int) -> Any:
    options = [o.value for o in field.options or ()]
    return options[index % len(options)] if options else None


def sample_value(field: Field, index: int, user: User, lang: str) -> Any:
    """A plausible value of ``field`` in the API's JSON form (None: left empty)."""
    label = field.label.text(lang) if field.label else field.name
    kind = field.type
    if kind in ("text", "textarea"):
        text = Message("design_sample_text", {"label": label, "n": index + 1}).render(lang)
        return text[: field.max_length] if field.max_length else text
    if kind in ("integer", "rating"):
        return int(_number(field, 3 + index))
    if kind in ("decimal", "money", "percent"):
        return f"{_number(field, 12.5 + index * 10):.2f}"
    samples = {
        "boolean": index % 2 == 0,
        "date": date.today().isoformat(),
        "datetime": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "time": time(9, 30).isoformat(timespec="minutes"),
        "email": f"sample{index + 1}@example.com",
        "phone": f"1380000000{index}",
        "url": "https://example.com",
        "user": user.username,
    }
    if kind in samples:
        return samples[kind]
    if kind == "select":
        return _option(field, index)
    if kind == "multiselect":
        first = _option(field, index)
        return [first] if first is not None else []
    return None  # links, files, departments, plugin types: left empty


def sample_payload(
    entity: Entity, index: int, user: User, lang: str, stored: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A record's values for a preview: every field the user could enter (a unique one
    only when its column is in ``stored``), table fields with one row."""
    payload: dict[str, Any] = {}
    for field in entity.fields:
        if field.compute or field.fetch or (field.unique and field.name not in stored):
            continue
        if field.is_table:
            row = {
                c.name: sample_value(c, index, user, lang)
                for c in field.fields
                if not (c.compute or c.fetch)
            }
            payload[field.name] = [{k: v for k, v in row.items() if v is not None}]
            continue
        value = sample_value(field, index, user, lang)
        if value is not None:
            payload[field.name] = value
    return payload
