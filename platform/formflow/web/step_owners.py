"""Who does a process step, in words: "申请人的直属上级", "财务 (会签：全部同意)",
"due in 24h, reminder after 20h" — the requirement-analysis view of a process, for the
process catalogue."""

from __future__ import annotations

from flask_babel import gettext as _

from formflow.metadata.model import Assignee, Model, Process, State

REQUESTER = "_created_by"


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
        return _("the person in %(field)s", field=self.field(rule.value))

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
        text = _("due in %(due)s", due=sla.due)
        if sla.remind:
            text += _(", reminder after %(remind)s", remind=sla.remind)
        return text

    def field(self, name: str) -> str:
        field = self.entity.field(name) if self.entity else None
        return f"“{field.label.text(self.lang)}”" if field else name
