"""Automations (智能助手) of app.json, built into the model.

An automation names the records it watches (``entity``), what happens to them (``on``:
``create``, ``update``, ``save`` — either —, ``enter`` a process state, or a
``schedule``), an optional condition (``when``) and, for changes, the fields that must
have changed (``fields``); then its ``actions``: create a record, update a linked one,
notify people, call a webhook.  Names inside the app are plain, as everywhere; entity
names are qualified here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from formflow.metadata.automation_model import Automation, AutomationAction, Rows
from formflow.metadata.model import Assignee, Label, humanize

#: The keys naming an action's kind, in the order they are looked for.
ACTION_KINDS = ("create", "update", "notify", "webhook")


def build_automations(app: str, documents: list[Mapping[str, Any]]) -> tuple[Automation, ...]:
    return tuple(build_automation(app, doc) for doc in documents)


def build_automation(app: str, doc: Mapping[str, Any]) -> Automation:
    name = doc["name"]
    states = doc.get("state", ())
    return Automation(
        app=app,
        name=name,
        label=Label.of(doc.get("label"), fallback=humanize(name)),
        entity=_qualify(app, doc["entity"]),
        on=doc["on"],
        actions=tuple(_build_action(app, action) for action in doc["actions"]),
        fields=tuple(doc.get("fields", ())),
        states=(states,) if isinstance(states, str) else tuple(states),
        every=doc.get("every"),
        when=doc.get("when"),
        active=doc.get("active", True),
        raw_actions=tuple(MappingProxyType(dict(action)) for action in doc["actions"]),
    )


def _build_action(app: str, doc: Mapping[str, Any]) -> AutomationAction:
    kind = next((key for key in ACTION_KINDS if key in doc), "")
    target = doc.get(kind) if kind in ("create", "update", "webhook") else None
    if kind == "create":
        target = _qualify(app, target)
    values = {
        name: value if isinstance(value, str)
        else Rows(value["rows"], MappingProxyType(dict(value["values"])), value.get("where"))
        for name, value in doc.get("values", {}).items()
    }
    return AutomationAction(
        kind=kind,
        target=target,
        values=MappingProxyType(values),
        notify=tuple(Assignee(k, v) for rule in doc.get("notify", ()) for k, v in rule.items()),
    )


def _qualify(app: str, name: str) -> str:
    return name if "." in name else f"{app}.{name}"
