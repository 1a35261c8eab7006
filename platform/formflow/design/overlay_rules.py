"""What a site may change in a shipped app.

A site adds (its new names start with ``x_``, so an upgrade never collides with them),
relabels, reorders, hides and tightens (adds a rule, raises a minimum, lowers a maximum);
it does not rename a shipped element, change
a shipped field's type or link target, loosen a shipped requirement or delete a shipped
element (removing a shipped field hides it).

In a shipped process a site changes assignees, approver rules, CC, SLA and labels, adds
``x_`` states and transitions (a new transition's name, source or target starts with
``x_``; in a fork, the site's own copy, any name) and leads shipped transitions to them;
removing or renaming a shipped state or transition is a bigger change: it is refused
with the advice to fork the process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from formflow.design.overlay_apply import value_at
from formflow.design.paths import PathError, parse, resolve, transition_key
from formflow.i18n import Message

SITE_PREFIX = "x_"
#: Items whose new names must carry the site prefix.
NAMED = frozenset({"fields/*", "fields/*/fields/*", "fields/*/options/*",
                   "fields/*/fields/*/options/*", "form/sections/*", "states/*"})
FIELD_ITEMS = ("fields/*", "fields/*/fields/*")
#: The items of a process a site may add to but neither remove nor rename (it forks).
PROCESS_ITEMS = ("states/*", "transitions/*")
#: Properties of a shipped field a site keeps as they are.
FIXED = ("name", "type", "to")
#: A shipped field's rules a site may tighten: "up" (only raised), "down" (only lowered),
#: "same" (kept, e.g. a pattern: one cannot tell a stricter one), "on" (kept switched on).
RULES = {"required": "on", "unique": "on", "min": "up", "min_length": "up",
         "min_rows": "up", "max": "down", "max_length": "down", "max_rows": "down",
         "pattern": "same"}


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
    if kind == "add" and pattern == "transitions/*" and address.document in shipped:
        _site_transition(address.steps[-1])
    if not was:
        return op
    if kind == "remove":
        if pattern in FIELD_ITEMS:
            return {"op": "hide", "path": op["path"]}
        if address.kind == "process" and pattern in PROCESS_ITEMS:
            raise NotAllowed(Message("overlay_process_fork", {"path": op["path"]}))
        raise NotAllowed(Message("overlay_no_remove", {"path": op["path"]}))
    if kind == "set":
        _keeps_shipped(op, pattern, was["value"])
    return op


def _site_name(name: str) -> None:
    if not name.startswith(SITE_PREFIX):
        raise NotAllowed(Message("overlay_site_name", {"name": name, "prefix": SITE_PREFIX}))


def _site_transition(key: str) -> None:
    """A new transition of a shipped process: its name, the state it leaves or the state
    it leads to is the site's (``x_``), so an upgrade never collides with it."""
    name, source, target = transition_key(key)
    if not any(part and part.startswith(SITE_PREFIX) for part in (name, source, target)):
        _site_name(name)


def _fixed(path: str, prop: str, pattern: str) -> NotAllowed:
    """The refusal of changing ``prop`` of a shipped item; a shipped process's step or
    transition keeps its name (changing it is a fork)."""
    if pattern.partition("/")[0] + "/*" in PROCESS_ITEMS and prop == "name":
        return NotAllowed(Message("overlay_process_fork", {"path": path}))
    return NotAllowed(Message("overlay_fixed", {"path": path, "property": prop}))


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
    not loosen a rule of a shipped field (:data:`RULES`)."""
    path, value = op["path"], op.get("value")
    prop = path.rpartition("/")[2]
    if pattern in FIELD_ITEMS or pattern in NAMED or pattern.endswith("/*"):
        new = value if isinstance(value, dict) else {}
        old = shipped if isinstance(shipped, dict) else {}
        for key in FIXED if pattern in FIELD_ITEMS else ("name",):
            if key in old and new.get(key, old[key]) != old[key]:
                raise _fixed(path, key, pattern)
        for key in RULES if pattern in FIELD_ITEMS else ():
            _not_looser(path, key, old.get(key), new.get(key))
        return
    parent = pattern.rpartition("/")[0]
    if prop == "name" or (parent in FIELD_ITEMS and prop in FIXED):
        raise _fixed(path.rpartition("/")[0], prop, parent)
    if parent in FIELD_ITEMS and prop in RULES:
        _not_looser(path.rpartition("/")[0], prop, shipped, value)


def _not_looser(path: str, rule: str, old: Any, new: Any) -> None:
    """A site may add a rule or make it stricter (a higher minimum, a lower maximum),
    never drop or widen a shipped one."""
    if old is None or old is False or old == new:
        return
    how = RULES[rule]
    if new is None or new is False or how == "same":
        stricter = False
    else:
        try:
            older, newer = _comparable(old), _comparable(new)
            stricter = newer > older if how == "up" else newer < older
        except (TypeError, ArithmeticError, ValueError):
            stricter = False
    if not stricter:
        key = {"required": "overlay_loosen", "unique": "overlay_loosen_unique"}.get(
            rule, f"overlay_loosen_{how}")
        raise NotAllowed(Message(key, {
            "path": path, "rule": rule, "shipped": json.dumps(old, ensure_ascii=False)}))


def _comparable(value: Any) -> Any:
    """A bound as something ordered: numbers as decimals, ISO dates and times as text."""
    if isinstance(value, bool):
        raise TypeError(value)
    return value if isinstance(value, str) else Decimal(str(value))
