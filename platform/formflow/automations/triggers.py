"""Which automations an event sets off.

An event is something that happened to one record: it was created, changed, entered a
process state, or a schedule came round.  An automation matches when its ``on`` names
the event (``save`` names create and update alike; a record created in its process
enters the start state too), its ``fields`` (if any) include one that changed, and its
``state`` (for ``enter``) is the one entered.  Its ``when`` condition is the runner's to
judge, with the record at hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from formflow.metadata.automation_model import Automation
from formflow.metadata.model import Entity, Model

#: The ``on`` values each event kind matches.
MATCHES = {"create": ("create", "save"), "update": ("update", "save"), "enter": ("enter",),
           "schedule": ("schedule",)}


@dataclass(frozen=True)
class Event:
    kind: str  # create, update, enter, schedule
    entity: Entity
    record: Mapping[str, Any]  # internal form, as saved
    current: Mapping[str, Any] | None = None  # update: as it was before
    state: str | None = None  # enter: the state entered


class Triggers:
    """The active automations of a model, by the entity they watch."""

    def __init__(self, model: Model):
        self.by_entity: dict[str, list[Automation]] = defaultdict(list)
        for automation in model.automations():
            if automation.active:
                self.by_entity[automation.entity].append(automation)

    def watched(self, entity: Entity) -> bool:
        return entity.qualified_name in self.by_entity

    def matching(self, event: Event) -> list[Automation]:
        found = []
        for automation in self.by_entity.get(event.entity.qualified_name, ()):
            if automation.on in MATCHES[event.kind]:
                if event.kind == "update" and automation.fields and not (
                        set(automation.fields) & changed_fields(event)):
                    continue
                if event.kind == "enter" and event.state not in automation.states:
                    continue
                found.append(automation)
            elif (event.kind == "create" and automation.on == "enter"
                  and event.record.get("_state") in automation.states):
                found.append(automation)  # created into its process's start state
        return found


def changed_fields(event: Event) -> set[str]:
    """The fields (and ``_state``) whose value differs before and after an update."""
    before, after = event.current or {}, event.record
    names = [f.name for f in event.entity.fields] + ["_state"]
    return {name for name in names if before.get(name) != after.get(name)}
