"""What the automation editor shows and reads: an automation's trigger and actions in
words, and the automation and action documents its forms describe (values as
``field = expression`` lines, people to notify as ``rule: value`` lines)."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

from formflow.web.designer_model import text

TRIGGERS = ("create", "update", "save", "enter", "schedule")
ACTION_KINDS = ("create", "update", "notify", "webhook")


class FormProblem(ValueError):
    """A line of a form that cannot be read; the message says which and why."""


def trigger_words() -> dict[str, str]:
    return {
        "create": _("is created"),
        "update": _("is changed"),
        "save": _("is created or changed"),
        "enter": _("enters a state"),
        "schedule": _("on a schedule"),
    }


def kind_words() -> dict[str, str]:
    return {
        "create": _("Create a record"),
        "update": _("Update the linked record"),
        "notify": _("Notify people"),
        "webhook": _("Call a webhook"),
    }


def _names(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value or "")


def describe_trigger(automation: dict, labels: dict[str, Any], lang: str) -> str:
    """``when a Leave request enters approved, if days > 3``."""
    entity = automation.get("entity", "")
    what = text(labels.get(entity), lang) or entity
    on = automation.get("on")
    if on == "enter":
        words = _(
            "when a %(entity)s enters %(states)s",
            entity=what,
            states=_names(automation.get("state")),
        )
    elif on == "schedule":
        words = _(
            "every %(every)s, for each %(entity)s", every=automation.get("every", "?"), entity=what
        )
    else:
        words = _(
            "when a %(entity)s %(happens)s", entity=what, happens=trigger_words().get(on, on or "?")
        )
        if automation.get("fields"):
            words += " " + _("(%(fields)s)", fields=_names(automation["fields"]))
    if automation.get("when"):
        words += _(", if %(condition)s", condition=automation["when"])
    return words


def kind_of(action: Any) -> str:
    return next((k for k in ACTION_KINDS if isinstance(action, dict) and k in action), "")


def describe_action(action: Any) -> str:
    kind = kind_of(action)
    if kind == "create":
        return _("create a %(entity)s", entity=action["create"])
    if kind == "update":
        return _("update the record in %(field)s", field=action["update"])
    if kind == "notify":
        rules = action["notify"] if isinstance(action["notify"], list) else []
        return _("notify %(people)s", people=", ".join(_rule_text(r) for r in rules))
    if kind == "webhook":
        return _("call %(url)s", url=action["webhook"])
    return "?"


def _rule_text(rule: Any) -> str:
    if isinstance(rule, dict) and len(rule) == 1:
        key, value = next(iter(rule.items()))
        return f"{key}: {value}"
    return json.dumps(rule, ensure_ascii=False)


def values_text(values: Any) -> str:
    """``field = expression`` lines; a line-item mapping is written as JSON."""
    if not isinstance(values, dict):
        return ""
    return "\n".join(
        f"{field} = {json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v}"
        for field, v in values.items()
    )


def notify_text(rules: Any) -> str:
    return "\n".join(_rule_text(r) for r in rules) if isinstance(rules, list) else ""


def _json(raw: str, line: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise FormProblem(_("This line is not valid JSON: %(line)s", line=line)) from None


def parse_values(raw: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for line in filter(None, (line.strip() for line in raw.splitlines())):
        field, equals, expression = line.partition("=")
        if not equals or not field.strip() or not expression.strip():
            raise FormProblem(_("Write each value as “field = expression”: %(line)s", line=line))
        expression = expression.strip()
        values[field.strip()] = (
            _json(expression, line) if expression.startswith("{") else expression
        )
    return values


def parse_notify(raw: str) -> list[Any]:
    rules: list[Any] = []
    for line in filter(None, (line.strip() for line in raw.splitlines())):
        if line.startswith("{"):
            rules.append(_json(line, line))
            continue
        key, colon, value = line.partition(":")
        if not colon or not key.strip() or not value.strip():
            raise FormProblem(
                _(
                    "Write each person to notify as “rule: value” (role, user, "
                    "field, manager_of, department_head): %(line)s",
                    line=line,
                )
            )
        rules.append({key.strip(): value.strip()})
    return rules


def action_value(form: Any) -> dict[str, Any]:
    """The action document an action form describes."""
    kind = form.get("kind", "")
    if kind == "notify":
        return {"notify": parse_notify(form.get("notify", ""))}
    target = form.get("target", "").strip()
    if kind == "webhook":
        return {"webhook": target}
    if kind not in ("create", "update"):
        raise FormProblem(_("Choose what the action does."))
    return {kind: target, "values": parse_values(form.get("values", ""))}


def _list(raw: str) -> list[str] | None:
    names = [name.strip() for name in raw.replace("，", ",").split(",") if name.strip()]
    return names or None


def trigger_ops(path: str, form: Any, label: dict | None, name: str) -> list[dict]:
    """One ``set`` per trigger key: empty inputs remove the key."""
    on = form.get("on", "")
    states = _list(form.get("state", ""))
    values = {
        "label": label or name,
        "active": None if form.get("active") else False,
        "entity": form.get("entity", "").strip(),
        "on": on,
        "fields": _list(form.get("fields", "")) if on in ("update", "save") else None,
        "state": (states[0] if states and len(states) == 1 else states) if on == "enter" else None,
        "every": (form.get("every", "").strip() or None) if on == "schedule" else None,
        "when": form.get("when", "").strip() or None,
    }
    return [{"op": "set", "path": f"{path}/{key}", "value": value} for key, value in values.items()]
