"""The process area of a record page (``records/_process.html``): the current step, who it
waits for and until when, the action buttons the user may take now, the diagram of the
process with the path the record took, and the time it spent in each step.

:func:`process_area` gathers it for :mod:`~formflow.web.records.page`; the action
dialogs behind the buttons are :mod:`~formflow.web.process.actions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from formflow.metadata.model import Entity, Process, text_of
from formflow.runtime import get_runtime
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.process.diagram import diagram
from formflow.web.process.labels import (
    BUILTIN_ORDER,
    ProcessLabels,
    StateBadge,
    duration,
    moment,
    overdue,
)

web.add_app_template_filter(duration, "duration")


@dataclass(frozen=True)
class ActionButton:
    name: str
    label: str
    kind: str  # transition | builtin
    style: str  # Bootstrap button classes
    url: str


@dataclass(frozen=True)
class Pending:
    """A task of the current step not decided yet."""

    assignee: str | None
    status: str  # open | waiting (a later turn)
    due_at: str | None
    overdue: bool
    flagged: bool
    task_id: int | None = None
    #: The step's label when the record is in a parallel state (several steps wait).
    step: str | None = None
    #: Whose task a deputy holds (代 张三).
    on_behalf_of: str | None = None
    #: What happens when the deadline passes, in words ("then approved automatically").
    then: str = ""


@dataclass(frozen=True)
class StepTime:
    state: str
    label: str
    seconds: float
    current: bool


@dataclass
class ProcessArea:
    process: Process
    state: str
    state_label: str
    badge: StateBadge
    final: bool
    entered_at: str | None
    since: str  # how long the record has been in its state, in words
    pending: list[Pending]
    buttons: list[ActionButton]
    svg: Markup
    times: list[StepTime] = field(default_factory=list)

    @property
    def transitions(self) -> list[ActionButton]:
        return [b for b in self.buttons if b.kind == "transition"]

    @property
    def builtins(self) -> list[ActionButton]:
        return [b for b in self.buttons if b.kind != "transition"]

    def people(self) -> set[str]:
        return {name for p in self.pending for name in (p.assignee, p.on_behalf_of) if name}


def breach_text(state, labels: ProcessLabels) -> str:
    """What the step's ``on_breach`` does when a task's deadline passes, in words."""
    rule = (state.sla.on_breach or {}) if state is not None and state.sla else {}
    if "action" in rule:
        return _("then “%(action)s” automatically", action=labels.action(rule["action"]))
    if "assign" in rule:
        return _("then escalated")
    if "notify" in rule:
        return _("then reported")
    return ""


def labels_for(
    entity: Entity, record: dict[str, Any], process: Process | None = None
) -> ProcessLabels:
    """The process texts of a record's page (its entity's process, when it has one)."""
    if process is None and record.get("_state"):
        process = get_runtime().model.process_for(entity)
    return ProcessLabels(process, page_language())


def process_area(
    entity: Entity, record: dict[str, Any], history: Sequence[dict[str, Any]],
    progress: dict[str, Any] | None, actions: list[dict[str, Any]],
) -> ProcessArea | None:
    """Everything the process area shows, from the record page's ``progress`` and
    ``actions``; None for a record outside any process."""
    if progress is None:
        return None
    process: Process = progress["process"]
    labels = ProcessLabels(process, page_language())
    state = record["_state"]
    found = process.state(state)
    moves = [
        (e["action"], e.get("from"), e["to"])
        for e in history
        if e.get("kind") == "event" and e.get("to")
    ]
    title = _(
        "Process %(process)s, current step: %(state)s",
        process=text_of(process.label, process.name, page_language(), {}),
        state=labels.state(state),
    )
    svg = diagram(
        process,
        lang=page_language(),
        current={state, *progress["states"]},
        moves=moves,
        names=labels.names(),
        title=title,
        id_prefix=f"pd-{record['id']}",
    )
    entered = moment(progress["entered_at"])
    final = state == "cancelled" or (found is not None and found.final)
    return ProcessArea(
        process=process,
        state=state,
        state_label=labels.state(state),
        badge=labels.badge(state),
        final=final,
        entered_at=progress["entered_at"],
        since=duration((datetime.now(UTC) - entered).total_seconds()) if entered else "",
        pending=[
            Pending(
                t["assignee"],
                t["status"],
                t["due_at"],
                t["status"] == "open" and overdue(t["due_at"]),
                t["flagged"],
                t["id"],
                labels.state(t["state"]) if found is not None and found.parallel else None,
                t.get("on_behalf_of"),
                breach_text(process.state(t["state"]) if process else found, labels)
                if t["due_at"] and t["status"] == "open" else "",
            )
            for t in progress["tasks"]
        ],
        buttons=_buttons(entity, record, actions, labels),
        svg=Markup(svg),  # noqa: S704 - built by formflow.web.process.diagram, every text escaped
        times=_times(history, labels, state, entered, final),
    )


def _buttons(
    entity: Entity, record: dict[str, Any], actions: list[dict[str, Any]], labels: ProcessLabels
) -> list[ActionButton]:
    found = []
    transitions = [a for a in actions if a["kind"] == "transition"]
    for index, action in enumerate(transitions):
        name = action["name"]
        if "reject" in name:
            style = "btn-outline-danger"
        elif index == 0:
            style = "btn-primary"
        else:
            style = "btn-outline-primary"
        found.append(
            ActionButton(name, labels.action(name), "transition", style, _url(entity, record, name))
        )
    builtins = {a["name"]: a for a in actions if a["kind"] != "transition"}
    for name in sorted(builtins, key=lambda n: (BUILTIN_ORDER + (n,)).index(n)):
        found.append(
            ActionButton(
                name,
                labels.action(name),
                "builtin",
                "btn-outline-secondary btn-sm",
                _url(entity, record, name),
            )
        )
    return found


def _url(entity: Entity, record: dict[str, Any], name: str) -> str:
    return url_for(
        "web.action_form", app=entity.app, entity=entity.name, record_id=record["id"], name=name
    )


def _times(
    history, labels: ProcessLabels, state: str, entered: datetime | None, final: bool
) -> list[StepTime]:
    """Time spent in each step, in the order first entered; the current step counts up
    to now unless it is final."""
    totals: dict[str, float] = {}
    for event in history:
        if event.get("kind") != "event" or not event.get("to"):
            continue
        totals.setdefault(event["to"], 0.0)
        if event.get("from") and event.get("seconds_in_state") is not None:
            totals[event["from"]] = totals.get(event["from"], 0.0) + event["seconds_in_state"]
    if not final and entered is not None:
        totals[state] = totals.get(state, 0.0) + (datetime.now(UTC) - entered).total_seconds()
    return [
        StepTime(name, labels.state(name), seconds, name == state)
        for name, seconds in totals.items()
        if not (final and name == state)
    ]
