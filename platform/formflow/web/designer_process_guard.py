"""A transition's guard (its ``when``: the condition of a branch) in the process
builder's panel, edited with the designer's condition builder over the fields of the
process's entity (rows of field, operator and value joined by 且/或, or text with a
live check).  The builder saves through the builder's own ``set`` / ``guard`` form."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from formflow.design.paths import transition_key
from formflow.errors import ValidationFailed
from formflow.i18n import Message
from formflow.web.designer_conditions import (
    Builder,
    condition_fields,
    make_builder,
    posted_expression,
)
from formflow.web.designer_model import label_of
from formflow.web.designer_process_model import Flow, sources
from formflow.web.designer_process_ops import NEW_WHEN, transition_of


def guard_fields(draft: Any, document: dict) -> list[dict]:
    """The fields a guard of the process ``document`` may test: its entity's."""
    entity = draft.documents.get(f"entities/{document.get('entity')}.json")
    return condition_fields(entity if isinstance(entity, dict) else {}, None)


def process_builder(
    app: str,
    process: str,
    draft: Any,
    document: dict,
    node: str,
    where: tuple[str, str, Any],
    editable: bool,
) -> Builder:
    """A condition builder of the process page, saving through its ``set`` form for
    ``node``; ``where`` is (the builder's key, the design path of the condition, the
    condition as saved)."""
    key, path, when = where
    builder = make_builder(
        key,
        _("Taken when (condition)"),
        None if when == NEW_WHEN else when,
        guard_fields(draft, document),
        save_url=url_for("web.designer_process_ops", app=app, process=process),
        entity=str(document.get("entity")),
        hidden={
            "revision": str(draft.revision),
            "action": "set",
            "part": "guard",
            "node": node,
            "view": "flow",
        },
        problems=[p["message"] for p in draft.problems if p["path"].startswith(path)],
        editable=editable,
    )
    builder.save_target = "#process-builder"
    return builder


def guard_builder(
    app: str, process: str, draft: Any, document: dict, node: str, editable: bool
) -> Builder:
    """The builder of the guard of the transition ``node`` (``t:<name>@<from>><to>``)."""
    transition = transition_of(Flow(document), node[2:])
    where = (
        "guard-" + node[2:].replace(">", "."),
        f"processes/{process}/transitions/{node[2:]}",
        transition.get("when"),
    )
    return process_builder(app, process, draft, document, node, where, editable)


def guard_ops(process: str, document: dict, node: str, form: Any, fields: list[dict]) -> list:
    """The operations of saving a transition's guard (from the builder: ``mode``, rows
    or text; or a plain ``when``) and its button title (the ``label_*`` inputs)."""
    key = node.removeprefix("t:")
    flow = Flow(document)
    transition = transition_of(flow, key)
    path = f"processes/{process}/transitions/{key}"
    ops = []
    if "mode" in form or "when" in form:
        if "mode" in form:
            when = posted_expression(form, fields)
        else:
            when = (form.get("when") or "").strip() or None
        name, source, _to = transition_key(key)
        siblings = [t for t in flow.transitions if t.get("name") == name and source in sources(t)]
        if when is None and transition.get("when") and len(siblings) > 1:
            raise ValidationFailed({"condition": [Message("condition_no_rows")]})
        ops.append({"op": "set", "path": f"{path}/when", "value": when})
    if any(k.startswith("label_") for k in form):
        ops.append({"op": "set", "path": f"{path}/label", "value": label_of(form)})
    return ops
