"""Applying an overlay (a site's operations on a shipped app) to the shipped documents.

Each operation keeps ``was``: the shipped value at its path when it was made (``{}``
when there was none).  Applying never fails: every operation gets a status:

* ``applied``: it applies and the shipped value is still the one it was made against;
* ``conflict``: it applies, but the shipped value changed since (the site value wins);
* ``orphan``: what it changes is gone from the shipped app (it is skipped);
* ``invalid``: it does not apply for another reason (it is skipped).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from formflow.design.operations import OperationError, apply_ops
from formflow.design.paths import PathError, parse, resolve
from formflow.i18n import Message

STATUSES = ("applied", "conflict", "orphan", "invalid")


@dataclass(frozen=True)
class Outcome:
    """What became of one operation of an overlay."""

    op: dict
    was: dict
    status: str
    message: Message | None = None
    #: The operation's id in the draft overlay (None in a published one).
    id: int | None = None

    def as_json(self, lang: str) -> dict:
        return {"id": self.id, "op": self.op.get("op"), "path": self.op.get("path"),
                "value": self.op.get("value"), "was": self.was.get("value"),
                "status": self.status,
                "message": self.message.render(lang) if self.message else ""}


def value_at(documents: Mapping[str, Any], path: Any) -> dict:
    """``{"value": v}``: what ``path`` holds in ``documents``; ``{}`` when nothing.
    Raises :class:`PathError` when what would hold it is missing."""
    slot = _slot(documents, path)
    if slot is None or isinstance(slot, dict):
        return {} if slot is None else {"value": slot}
    return {"value": slot.get()} if slot.exists else {}


def _slot(documents: Mapping[str, Any], path: Any):
    """What ``path`` names: a slot inside a document, a whole document (a dict) or None
    (a missing document)."""
    address = parse(path)
    document = documents.get(address.document)
    if not address.steps:
        return document
    if document is None:
        raise PathError(Message("design_path_missing", {"path": path}))
    return resolve(json.loads(json.dumps(document)), address.kind, address.steps, create=False)


def _is_item(documents: Mapping[str, Any], path: Any) -> bool:
    """Whether ``path`` names an item of a list or a document (not a property)."""
    slot = _slot(documents, path)
    return not hasattr(slot, "is_item") or slot.is_item


def apply_overlay(shipped: Mapping[str, Any], items: list[dict]
                  ) -> tuple[dict[str, Any], list[Outcome]]:
    """The effective documents (``shipped`` with every operation that applies), and
    the outcome of each item (``{"op", "was"}`` and its id ``seq``)."""
    documents = dict(shipped)
    outcomes = []
    for item in items:
        op, was = item["op"], item.get("was") or {}
        outcome = replace(_outcome(shipped, documents, op, was), id=item.get("seq"))
        if outcome.status in ("applied", "conflict"):
            documents = apply_ops(documents, [op])
        outcomes.append(outcome)
    return documents, outcomes


def _outcome(shipped: Mapping[str, Any], documents: dict, op: dict, was: dict) -> Outcome:
    try:
        here = value_at(documents, op.get("path"))
    except PathError as error:
        return Outcome(op, was, "orphan", error.message)
    if was and not here and op.get("op") != "add" and _is_item(documents, op.get("path")):
        return Outcome(op, was, "orphan",
                       Message("design_path_missing", {"path": op.get("path")}))
    try:
        apply_ops(documents, [op])
    except OperationError as error:
        return Outcome(op, was, "invalid", error.message)
    try:
        now = value_at(shipped, op.get("path"))
    except PathError:
        now = {}
    if now != was:
        return Outcome(op, was, "conflict", Message("overlay_conflict"))
    return Outcome(op, was, "applied")
