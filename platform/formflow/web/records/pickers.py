"""Search-as-you-type choices for link, user and department inputs.

``GET /<app>/<entity>/pick/<path>?_q_<input>=text`` answers the options partial for the
field at ``path`` (``partner``, or ``lines.product`` for a line-item column).  Links
search the target entity with the records service (so only records the user may read
are offered); users and departments match on name or code."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request

from formflow.auth import can_read_field
from formflow.errors import ServiceError
from formflow.metadata.model import Entity, Field
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.records.display import field_type
from formflow.web.records.entities import entity_or_404
from formflow.web.rendering import fragment

LIMIT = 10


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    detail: str = ""


def picked_field(entity: Entity, path: str) -> Field | None:
    """The field at ``path``: ``name``, or ``table.column``."""
    name, _sep, column = path.partition(".")
    found = entity.field(name)
    if found is not None and column:
        found = found.column(column) if found.is_table else None
    return found


@web.get("/<app>/<entity>/pick/<path>")
def pick(app: str, entity: str, path: str):
    user = signed_in()
    found = entity_or_404(app, entity)
    grant = get_runtime().records.grant(user, found)
    target = picked_field(found, path)
    top = found.field(path.partition(".")[0])
    if target is None or field_type(target).reference is None:
        abort(404)
    if not (grant.read or grant.create) or not can_read_field(top, user.roles):
        abort(403)
    text = search_text(request.args).strip()[:100]
    return fragment(
        "pickers/_options",
        choices=choices(user, target, text),
        listbox=request.args.get("listbox", ""),
        text=text,
    )


def search_text(args) -> str:
    """What the user typed: the picker sends its own input (``_q_partner``,
    ``_q_lines-3-product`` for a line-item cell), the API style ``q`` works too."""
    typed = [value for key, value in args.items() if key.startswith("_q_")]
    return (typed[0] if typed else "") or args.get("q") or ""


def choices(user, field: Field, text: str) -> list[Choice]:
    needle = text.lower()
    if field_type(field).reference == "record":
        args = {"per_page": [str(LIMIT)], "sort": ["_title"]}
        if text:
            args["q"] = [text]
        try:
            page = get_runtime().records.list(user, field.to or "", args)
        except ServiceError:
            return []
        return [
            Choice(
                str(item["id"]),
                item.get("_title") or item.get("_number") or f"#{item['id']}",
                item.get("_number") or "",
            )
            for item in page.items
        ]
    people = get_runtime().people
    if field_type(field).reference == "user":
        found = [
            Choice(u.username, u.display_name or u.username, u.username)
            for u in people.active_users()
            if needle in u.username.lower() or needle in (u.display_name or "").lower()
        ]
    else:
        found = [
            Choice(d.code, d.name, d.code)
            for d in people.departments()
            if needle in d.code.lower() or needle in d.name.lower()
        ]
    return found[:LIMIT]
