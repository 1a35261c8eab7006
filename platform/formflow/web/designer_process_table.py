"""The process builder's table view: states and transitions as editable rows, for flows
that do not fit a tree — parallel branches (a state's ``parallel`` key, steps leaving
by ``@join``), moves back, one action leaving several states.  Each row's form stands
for a few design operations.  Pure but for the translated refusals."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

from formflow.web.designer_model import label_of
from formflow.web.designer_process_model import Flow, key_of
from formflow.web.designer_process_ops import NotInProcess

TABLE_ACTIONS = frozenset(
    {
        "add_state",
        "save_state",
        "remove_state",
        "add_transition",
        "save_transition",
        "remove_transition",
    }
)
COMMENTS = ("required", "optional")


class BadValue(Exception):
    """A row holds a value no operation can carry (text that is not JSON, say)."""


def _names(raw: str | None) -> list[str]:
    return [name.strip() for name in (raw or "").split(",") if name.strip()]


def _parallel(raw: str | None) -> Any:
    """The ``parallel`` key as written in the row (JSON); empty: not parallel."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadValue(
            _(
                "The parallel branches must be written as JSON, like "
                '{"branches": [{"name": "legal", "steps": ["legal_review"]}]}.'
            )
        ) from None
    return value


def parallel_text(state: dict) -> str:
    """A state's ``parallel`` key as the table's text area shows it."""
    value = state.get("parallel")
    return json.dumps(value, ensure_ascii=False, indent=1) if value else ""


def _transition_value(form: Any) -> dict:
    sources = _names(form.get("from"))
    value: dict[str, Any] = {
        "from": sources if len(sources) > 1 else (sources[0] if sources else ""),
        "to": (form.get("to") or "").strip(),
    }
    if when := (form.get("when") or "").strip():
        value["when"] = when
    if form.get("comment") in COMMENTS:
        value["comment"] = form["comment"]
    return value


def _own(name: str, own: str) -> str:
    """A new name as the app keeps it: starting with ``own`` (``x_`` on a shipped app)."""
    return own + name if name and not name.startswith(own) else name


def table_ops(action: str, process: str, document: dict, form: Any, own: str = "") -> list[dict]:
    """The operations of one row's form; ``own`` starts the names of new states and
    transitions."""
    base = f"processes/{process}"
    flow = Flow(document)
    name = _own((form.get("name") or "").strip(), own)
    if action == "add_state":
        value: dict[str, Any] = {"label": label_of(form) or name}
        if form.get("final") == "on":
            value["final"] = True
        if (parallel := _parallel(form.get("parallel"))) is not None:
            value["parallel"] = parallel
        return [{"op": "add", "path": f"{base}/states/{name}", "value": value}]
    if action in ("save_state", "remove_state"):
        node = form.get("node") or ""
        if node not in flow.states:
            raise NotInProcess(node)
        path = f"{base}/states/{node}"
        if action == "remove_state":
            return [{"op": "remove", "path": path}]
        return [
            {"op": "set", "path": f"{path}/label", "value": label_of(form)},
            {
                "op": "set",
                "path": f"{path}/final",
                "value": True if form.get("final") == "on" else None,
            },
            {"op": "set", "path": f"{path}/parallel", "value": _parallel(form.get("parallel"))},
        ]
    if action == "add_transition":
        value = _transition_value(form)
        first = _names(form.get("from"))[:1] or [""]
        return [
            {
                "op": "add",
                "path": f"{base}/transitions/{name}@{first[0]}>{value['to']}",
                "value": value,
            }
        ]
    key = form.get("key") or ""
    path = f"{base}/transitions/{key}"
    if action == "remove_transition":
        return [{"op": "remove", "path": path}]
    value = _transition_value(form)
    moved = f"{base}/transitions/{key.partition('>')[0]}>{value['to']}"
    return [
        {"op": "set", "path": f"{path}/when", "value": value.get("when")},
        {"op": "set", "path": f"{path}/comment", "value": value.get("comment")},
        {"op": "set", "path": f"{path}/to", "value": value["to"]},
        {"op": "set", "path": f"{moved}/from", "value": value["from"]},
    ]


def transition_rows(flow: Flow) -> list[dict]:
    """The transitions as table rows, each with the key its forms address it by."""
    rows = []
    for transition in flow.transitions:
        found = transition.get("from")
        first = found[0] if isinstance(found, list) and found else found
        rows.append(
            {
                "key": key_of(transition, str(first)),
                "transition": transition,
                "from": ", ".join(found) if isinstance(found, list) else str(found),
            }
        )
    return rows
