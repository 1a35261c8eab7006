"""The automation editor of the designer: ``/designer/<app>/automations`` lists the
automations (智能助手) of an app's draft, its trigger and actions in words, and makes
new ones; ``/designer/<app>/automations/<name>`` edits one — its trigger (event,
entity, fields, states, schedule, condition), its actions, whether it is on — moves it
or removes it, each save one design operation on ``app/automations/<name>``.
Publishing the app makes the automation run."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from formflow.design.paths import APP_DOCUMENT
from formflow.design.service import Draft
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.designer_automation_model import (
    ACTION_KINDS,
    TRIGGERS,
    FormProblem,
    action_value,
    describe_action,
    describe_trigger,
    kind_of,
    kind_words,
    notify_text,
    trigger_ops,
    trigger_words,
    values_text,
)
from formflow.web.designer_model import label_of, order_op, posted_name, text
from formflow.web.designer_saving import saved
from formflow.web.language import page_language
from formflow.web.rendering import render

ACTIONS = frozenset(
    {"trigger", "add_action", "action", "remove_action", "move_up", "move_down", "remove"}
)
#: What a new automation does until its designer says otherwise: tell its admins.
FIRST_ACTION = {"notify": [{"role": "admin"}]}


def _automations(draft: Draft) -> list[dict]:
    app = draft.documents.get(APP_DOCUMENT) or {}
    found = app.get("automations") if isinstance(app, dict) else None
    return [a for a in found or [] if isinstance(a, dict)]


def _find(draft: Draft, name: str) -> dict | None:
    return next((a for a in _automations(draft) if a.get("name") == name), None)


def _entity_labels(draft: Draft) -> dict:
    return {
        key[len("entities/") : -len(".json")]: (document.get("label") or None)
        for key, document in sorted(draft.documents.items())
        if key.startswith("entities/") and isinstance(document, dict)
    }


def _words(draft: Draft) -> dict:
    return {
        "triggers": TRIGGERS,
        "trigger_words": trigger_words(),
        "kinds": ACTION_KINDS,
        "kind_words": kind_words(),
        "entities": _entity_labels(draft),
        "describe_trigger": describe_trigger,
        "describe_action": describe_action,
        "kind_of": kind_of,
        "values_text": values_text,
        "notify_text": notify_text,
        "lang": page_language(),
        "text": text,
    }


def _problems(draft: Draft, name: str) -> list[dict]:
    """The draft's problems in automation ``name``: they block publishing."""
    prefix = f"app/automations/{name}"
    return [p for p in draft.problems if p["path"] == prefix or p["path"].startswith(prefix + "/")]


def _editor(app: str, name: str):
    return redirect(url_for("web.designer_automation", app=app, name=name))


@web.get("/designer/<app>/automations")
def designer_automations(app: str):
    draft = service().draft(signed_in(), app)
    return render(
        "designer/automations",
        app=app,
        draft=draft,
        automations=_automations(draft),
        broken={a.get("name") for a in _automations(draft) if _problems(draft, a.get("name"))},
        **_words(draft),
    )


@web.post("/designer/<app>/automations")
def designer_add_automation(app: str):
    """A new automation (name proposed from its label) on the chosen entity and event,
    notifying the app's admins until its actions are set."""
    draft = service().draft(signed_in(), app)
    label = label_of(request.form)
    taken = {a.get("name") for a in _automations(draft)}
    name = posted_name(request.form, label, taken, "automation")
    value = {
        "name": name,
        "label": label or name,
        "entity": request.form.get("entity", "").strip(),
        "on": request.form.get("on", ""),
        "actions": [FIRST_ACTION],
    }
    if saved(app, [{"op": "add", "path": f"app/automations/{name}", "value": value}]):
        return _editor(app, name)
    return redirect(url_for("web.designer_automations", app=app))


@web.get("/designer/<app>/automations/<name>")
def designer_automation(app: str, name: str):
    draft = service().draft(signed_in(), app)
    automation = _find(draft, name)
    if automation is None:
        abort(404)
    return render(
        "designer/automation",
        app=app,
        draft=draft,
        name=name,
        automation=automation,
        problems=_problems(draft, name),
        **_words(draft),
    )


@web.post("/designer/<app>/automations/<name>")
def designer_change_automation(app: str, name: str):
    form = request.form
    action = form.get("action")
    if action not in ACTIONS:
        abort(400)
    path = f"app/automations/{name}"
    if action == "remove":
        if saved(app, [{"op": "remove", "path": path}]):
            return redirect(url_for("web.designer_automations", app=app))
        return _editor(app, name)
    try:
        ops = _ops(app, name, action, form)
    except FormProblem as problem:
        flash(str(problem), "error")
    else:
        saved(app, ops)
    return _editor(app, name)


def _ops(app: str, name: str, action: str, form) -> list[dict]:
    """The operation of one of the editor's forms."""
    path = f"app/automations/{name}"
    if action == "trigger":
        return trigger_ops(path, form, label_of(form), name)
    draft = service().draft(signed_in(), app)
    if action in ("move_up", "move_down"):
        return [_move(draft, name, up=action == "move_up")]
    actions = list((_find(draft, name) or {}).get("actions") or [])
    if action == "add_action":
        actions.append(action_value(form))
    else:
        index = form.get("index", type=int)
        if index is None or not 0 <= index < len(actions):
            abort(400)
        if action == "action":
            actions[index] = action_value(form)
        else:
            del actions[index]
    return [{"op": "set", "path": f"{path}/actions", "value": actions}]


def _move(draft: Draft, name: str, *, up: bool) -> dict:
    """The ``order`` operation moving automation ``name`` one place up or down."""
    names = [a.get("name") for a in _automations(draft)]
    return order_op(names, name, f"app/automations/{name}", up=up)
