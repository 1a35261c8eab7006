"""What a site may change in a shipped app.

A site adds (its new names start with ``x_``, so an upgrade never collides with them),
relabels, reorders, hides and tightens; it does not rename a shipped element, change
a shipped field's type or link target, loosen a shipped requirement or delete a shipped
element (removing a shipped field hides it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from formflow.design.overlay_apply import value_at
from formflow.design.paths import PathError, parse, resolve
from formflow.i18n import Message

SITE_PREFIX = "x_"
#: Items whose new names must carry the site prefix.
NAMED = frozenset({"fields/*", "fields/*/fields/*", "fields/*/options/*",
                   "fields/*/fields/*/options/*", "form/sections/*", "states/*"})
FIELD_ITEMS = ("fields/*", "fields/*/fields/*")
#: Properties of a shipped field a site keeps as they are.
FIXED = ("name", "type", "to")


class NotAllowed(Exception):
    """The operation changes what a site may not change; ``message`` says why."""

    def __init__(self, message: Message):
        self.message = message
        super().__init__(message.key)


def admit(shipped: Mapping[str, Any], documents: Mapping[str, Any], op: Any) -> Any:
    """``op`` as the overlay keeps it (a remove of a shipped field becomes a hide), or
    :class:`NotAllowed`.  ``documents``: the effective documents it applies to.  A
    malformed op is left for the operation engine to refuse."""
    if not isinstance(op, dict) or not isinstance(op.get("path"), str):
        return op
    try:
        address = parse(op["path"])
        was = value_at(shipped, op["path"])
    except PathError:
        was = None
        address = None
    kind = op.get("op")
    if address is None:
        return op
    if not address.steps:
        if kind == "add":
            _site_name(address.name)
        elif was:
            raise NotAllowed(Message("overlay_whole_document", {"path": op["path"]}))
        return op
    pattern = _pattern(documents, address)
    if kind == "add" and pattern in NAMED:
        _site_name(address.steps[-1])
    if not was:
        return op
    if kind == "remove":
        if pattern in FIELD_ITEMS:
            return {"op": "hide", "path": op["path"]}
        raise NotAllowed(Message("overlay_no_remove", {"path": op["path"]}))
    if kind == "set":
        _keeps_shipped(op, pattern, was["value"])
    return op


def _site_name(name: str) -> None:
    if not name.startswith(SITE_PREFIX):
        raise NotAllowed(Message("overlay_site_name", {"name": name, "prefix": SITE_PREFIX}))


def _pattern(documents: Mapping[str, Any], address) -> str:
    document = documents.get(address.document)
    if document is None:
        return ""
    try:
        return resolve(json.loads(json.dumps(document)), address.kind, address.steps,
                       create=False).pattern
    except PathError:
        return ""


def _keeps_shipped(op: dict, pattern: str, shipped: Any) -> None:
    """A ``set`` keeps a shipped item's name, a field's type and link target, and does
    not loosen a requirement."""
    path, value = op["path"], op.get("value")
    prop = path.rpartition("/")[2]
    if pattern in FIELD_ITEMS or pattern in NAMED or pattern.endswith("/*"):
        new = value if isinstance(value, dict) else {}
        old = shipped if isinstance(shipped, dict) else {}
        for key in FIXED if pattern in FIELD_ITEMS else ("name",):
            if key in old and new.get(key, old[key]) != old[key]:
                raise NotAllowed(Message("overlay_fixed", {"path": path, "property": key}))
        if old.get("required") is True and new.get("required", True) is not True:
            raise NotAllowed(Message("overlay_loosen", {"path": path}))
        return
    parent = pattern.rpartition("/")[0]
    if prop == "name" or (parent in FIELD_ITEMS and prop in FIXED):
        raise NotAllowed(Message("overlay_fixed", {"path": path.rpartition("/")[0],
                                                   "property": prop}))
    if prop == "required" and shipped is True and value is not True:
        raise NotAllowed(Message("overlay_loosen", {"path": path.rpartition("/")[0]}))
