"""The automations of app.json in the model (see :mod:`formflow.metadata.automations`
for how they are built and :mod:`formflow.automations` for how they run)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from formflow.metadata.model import Assignee, Label


@dataclass(frozen=True)
class Rows:
    """Line items an automation writes: one per row of the record's table ``rows``
    (those where ``where`` holds), each column an expression over the source row."""

    rows: str
    values: Mapping[str, str]
    where: str | None = None


@dataclass(frozen=True)
class AutomationAction:
    """One action of an automation: ``kind`` is create, update, notify or webhook.
    ``target`` is the entity created (qualified), the link field whose record is
    updated, or the webhook's URL; ``values`` the created or changed fields."""

    kind: str
    target: str | None = None
    values: Mapping[str, str | Rows] = field(default_factory=lambda: MappingProxyType({}))
    notify: tuple[Assignee, ...] = ()


@dataclass(frozen=True)
class Automation:
    """A rule of app.json's ``automations``: when ``on`` happens to a record of
    ``entity`` (create, update, save, enter a state, or on a schedule) and ``when``
    holds, run the ``actions``."""

    app: str
    name: str
    label: Label
    entity: str  # qualified
    on: str
    actions: tuple[AutomationAction, ...]
    fields: tuple[str, ...] = ()  # update/save: only when one of these changed
    states: tuple[str, ...] = ()  # enter: the states
    every: str | None = None  # schedule: a duration
    when: str | None = None
    active: bool = True
    #: The action documents as written, for the checker (one kind each).
    raw_actions: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)

    @property
    def qualified_name(self) -> str:
        return f"{self.app}.{self.name}"
