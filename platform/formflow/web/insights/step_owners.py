"""Who does a process step, in words: "申请人的直属上级", "财务 (会签：全部同意)",
"due in 24h, reminder after 20h" — the requirement-analysis view of a process, for the
process catalogue."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import ngettext

from formflow.metadata.model import Assignee, Model, Process, State

REQUESTER = "_created_by"
DURATION = re.compile(r"(\d+)(m|h|d|bd|bh)")


class StepOwners:
    """Step owners of one process in the page's language."""

    def __init__(self, model: Model, process: Process, lang: str):
        self.process = process
        self.lang = lang
        self.entity = model.entity(process.entity)
        self.roles = {role.name: role.label for app in model.apps.values() for role in app.roles}

    def owners(self, state: State) -> str:
        """Who gets the step's tasks and how their decisions combine; empty for a step
        without assignees (the requester's own step, or an end)."""
        if not state.assignees:
            return ""
        joiner = "、" if self.lang.startswith("zh") else ", "
        who = joiner.join(self.rule(rule) for rule in state.assignees)
        mode = self.mode(state)
        return f"{who} ({mode})" if mode else who

    def rule(self, rule: Assignee) -> str:
        if rule.kind == "role":
            label = self.roles.get(rule.value)
            return label.text(self.lang) if label else rule.value
        if rule.kind == "user":
            return rule.value
        if rule.kind == "manager_of":
            if rule.value == REQUESTER:
                return _("the requester's manager")
            return _("the manager of %(field)s", field=self.field(rule.value))
        if rule.kind == "department_head":
            if rule.value == REQUESTER:
                return _("the head of the requester's department")
            return _("the department head of %(field)s", field=self.field(rule.value))
        if rule.kind == "managers_of":
            return self.chain(rule)
        return _("the person in %(field)s", field=self.field(rule.value))

    def chain(self, rule: Assignee) -> str:
        """A manager chain (逐级审批) in words."""
        who = _("the requester") if rule.value == REQUESTER else self.field(rule.value)
        if rule.until and rule.until[0] == "role":
            label = self.roles.get(rule.until[1])
            role = label.text(self.lang) if label else rule.until[1]
            return _("each manager above %(who)s, up to the first %(role)s", who=who, role=role)
        if rule.until:
            return _("each manager above %(who)s, up to the department head", who=who)
        if rule.levels:
            return _("each manager above %(who)s, up to %(levels)s levels", who=who,
                     levels=rule.levels)
        return _("each manager above %(who)s", who=who)

    def mode(self, state: State) -> str:
        approval = state.approval
        if len(state.assignees) == 1 and state.assignees[0].kind in ("manager_of", "user",
                                                                     "department_head"):
            return ""
        if approval.mode == "all":
            if approval.quorum:
                return _("countersign: %(quorum)s must agree", quorum=approval.quorum)
            return _("countersign: all must agree")
        if approval.mode == "sequential":
            return _("one after another")
        return _("any one decides")

    def timing(self, state: State) -> str:
        """The step's time limit and reminder, in words."""
        sla = state.sla
        if sla is None or not sla.due:
            return ""
        text = _("due in %(due)s", due=span(sla.due))
        if sla.remind:
            text += _(", reminder after %(remind)s", remind=span(sla.remind))
        return text

    def field(self, name: str) -> str:
        field = self.entity.field(name) if self.entity else None
        return f"“{field.label.text(self.lang)}”" if field else name


def span(duration: str) -> str:
    """An SLA duration (``30m``, ``24h``, ``3d``, ``2bd``, ``4bh``) in words."""
    match = DURATION.fullmatch(duration or "")
    if match is None:
        return duration
    n, unit = int(match[1]), match[2]
    if unit == "m":
        return ngettext("%(num)d minute", "%(num)d minutes", n)
    if unit == "h":
        return ngettext("%(num)d hour", "%(num)d hours", n)
    if unit == "d":
        return ngettext("%(num)d day", "%(num)d days", n)
    if unit == "bd":
        return ngettext("%(num)d working day", "%(num)d working days", n)
    return ngettext("%(num)d working hour", "%(num)d working hours", n)

