"""The process builder's property panel: the rows it shows for a step's assignee rules,
and the design operations each of its forms stands for (label, assignees, approval mode,
field permissions, SLA, approver rules, CC; a transition's guard is
:mod:`designer_process_guard`'s).  Pure: form values in, operations out; what a value
means is the draft check's business."""

from __future__ import annotations

from typing import Any

from formflow.web.designer_model import label_of
from formflow.web.designer_process_fields import field_ops
from formflow.web.designer_process_model import Flow
from formflow.web.designer_process_ops import NotInProcess

RULE_KINDS = ("role", "user", "field", "manager_of", "department_head", "managers_of")
MAX_RULES = 20
APPROVER_RULES = {
    "requester": ("exclude", "approve", "skip", "manager", "admin"),
    "repeated": ("keep", "approve", "skip"),
    "empty": ("admin", "approve", "manager"),
}
PARTS = frozenset(
    {"name", "label", "assignees", "approval", "fields", "sla", "rules", "cc", "guard", "settings"}
)


def rule_rows(rules: Any) -> list[dict]:
    """Assignee rules as rows of the panel (kind, value, levels, until, when), plus an
    empty row to add one."""
    rows = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        kind = next((k for k in RULE_KINDS if k in rule), "role")
        until = rule.get("until")
        rows.append(
            {
                "kind": kind,
                "value": rule.get(kind, ""),
                "levels": rule.get("levels", ""),
                "until": "department_head" if until == "department_head" else "",
                "when": rule.get("when", ""),
            }
        )
    rows.append({"kind": "role", "value": "", "levels": "", "until": "", "when": ""})
    return rows


def rules_of(form: Any, prefix: str) -> list[dict] | None:
    """The rules of the rows ``<prefix>kind_<i>``, ``<prefix>value_<i>``, ...; a row
    without a value is left out (None: no rule at all)."""
    rules = []
    for i in range(MAX_RULES):
        kind = form.get(f"{prefix}kind_{i}")
        value = (form.get(f"{prefix}value_{i}") or "").strip()
        if kind is None:
            break
        if kind not in RULE_KINDS or not value:
            continue
        rule: dict[str, Any] = {kind: value}
        levels = (form.get(f"{prefix}levels_{i}") or "").strip()
        if kind == "managers_of" and levels:
            rule["levels"] = int(levels) if levels.isdigit() else levels
        if kind == "managers_of" and form.get(f"{prefix}until_{i}") == "department_head":
            rule["until"] = "department_head"
        when = (form.get(f"{prefix}when_{i}") or "").strip()
        if when:
            rule["when"] = when
        rules.append(rule)
    return rules or None


def _duration(raw: str | None) -> str | None:
    return (raw or "").strip().replace(" ", "") or None


def _sla(form: Any) -> dict | None:
    sla: dict[str, Any] = {k: v for k in ("due", "remind") if (v := _duration(form.get(k)))}
    breach = form.get("breach")
    if breach == "action" and form.get("breach_action"):
        sla["on_breach"] = {"action": form["breach_action"]}
    elif breach in ("assign", "notify") and (rules := rules_of(form, "breach_")):
        sla["on_breach"] = {breach: rules}
    return sla or None


def _approval(form: Any, action: str | None) -> Any:
    mode = form.get("mode")
    if mode not in ("all", "sequential") or not action:
        return "any"
    approval: dict[str, Any] = {"mode": mode, "action": action}
    quorum = (form.get("quorum") or "").strip()
    if mode == "all" and quorum:
        approval["quorum"] = int(quorum) if quorum.isdigit() else quorum
    return approval


def panel_ops(process: str, document: dict, node: str, part: str, form: Any) -> list[dict]:
    """The operations one form of the panel of ``node`` (a state, or ``t:<key>`` for a
    transition) stands for."""
    base = f"processes/{process}"
    if part == "settings":
        return [
            {"op": "set", "path": f"{base}/label", "value": label_of(form)},
            {"op": "set", "path": f"{base}/withdraw", "value": form.get("withdraw") == "on"},
            {"op": "set", "path": f"{base}/cancel", "value": form.get("cancel") == "on"},
        ]
    flow = Flow(document)
    if node not in flow.states:
        raise NotInProcess(node)
    path = f"{base}/states/{node}"
    if part == "label":
        return [{"op": "set", "path": f"{path}/label", "value": label_of(form)}]
    if part == "name":
        return [{"op": "set", "path": f"{path}/name", "value": (form.get("name") or "").strip()}]
    if part in ("assignees", "cc"):
        return [{"op": "set", "path": f"{path}/{part}", "value": rules_of(form, "")}]
    if part == "approval":
        return [
            {
                "op": "set",
                "path": f"{path}/approval",
                "value": _approval(form, flow.main_action(node)),
            }
        ]
    if part == "sla":
        return [{"op": "set", "path": f"{path}/sla", "value": _sla(form)}]
    if part == "rules":
        rules = {k: form[k] for k, allowed in APPROVER_RULES.items() if form.get(k) in allowed}
        return [{"op": "set", "path": f"{path}/approver_rules", "value": rules or None}]
    return field_ops(base, flow, node, form)


def required_of(flow: Flow, state: str) -> list[str]:
    """The fields a step's main action requires (the first of its transitions)."""
    action = flow.main_action(state)
    found = next((t for t in flow.leaving(state) if t.get("name") == action), {})
    return list(found.get("required") or [])
