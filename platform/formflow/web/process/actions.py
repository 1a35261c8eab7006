"""The action dialogs of a record page: approve, reject, submit, ... and the built-in
actions (transfer, add approver, withdraw, cancel, remind, comment).

``GET /<app>/<entity>/<id>/actions/<name>`` is the action's form: the comment (required
when the action says so), inputs for the fields the step needs (its ``required`` fields
and the state's editable ones, with the form's widgets), a user picker for a transfer,
users and their place for an added approver.  An htmx request gets the form alone, which
the page shows in a ``<dialog>``; any other the form as a page of its own (no script
needed).  ``POST`` to the same URL runs :meth:`ProcessService.act`: a refusal (403), a
step that moved meanwhile (409), input errors (422) come back in the form in the page's
language; success re-renders the record page's process area and body (htmx), or
redirects to the record page.  Files chosen with the comment are stored like file fields
and kept with the action's event (:func:`~formflow.web.records.files.stored_attachments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.auth import User, can_read_field, can_write_field
from formflow.errors import NotFound, ServiceError, ValidationFailed
from formflow.i18n import render_errors
from formflow.metadata.model import Entity, Field, Label
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.process.area import labels_for
from formflow.web.process.labels import done_text
from formflow.web.records.display import (
    References,
    field_label,
    field_type,
    picker_label,
    system_field,
)
from formflow.web.records.entities import Section, column_span, entity_crumbs, entity_or_404
from formflow.web.records.files import stored_attachments
from formflow.web.records.formdata import input_name, is_input, parse_form, raw_from_record
from formflow.web.records.page import record_context
from formflow.web.records.pickers import choices
from formflow.web.rendering import fragment, is_htmx, render

#: How many people one "add approver" may name.
MAX_ADDED = 10
#: Inputs of the built-in actions (not fields of the entity).
TRANSFER_TO = Field(name="to", type="user", label=Label.of("to"))
ADDED = Field(name="users", type="user", label=Label.of("users"))


@dataclass(frozen=True)
class InputState:
    """What the form widgets ask of a field's state (no live preview here)."""

    required: bool
    visible: bool = True
    readonly: bool = False


@dataclass
class ActionView:
    """Everything an action's form shows; speaks the form widgets' language
    (``state``, ``field_errors``, ``raw``, ``refs``, ``pick_url``, ...)."""

    entity: Entity
    user: User
    record: dict[str, Any]
    action: dict[str, Any]
    label: str
    fields: list[Field]
    raw: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    comment: str = ""
    to: str = ""
    users: list[str] = field(default_factory=lambda: [""])
    mode: str = "parallel"
    message: str = ""  # a refusal or a conflict, in words
    status: int = 200
    in_dialog: bool = True

    @property
    def name(self) -> str:
        return self.action["name"]

    @property
    def record_id(self) -> int:
        return self.record["id"]

    @property
    def values(self) -> dict[str, Any]:
        return self.record

    @property
    def section(self) -> Section:
        return Section(None, 1, tuple(self.fields))

    @property
    def refused(self) -> bool:
        """Whether the action cannot go on (not allowed, moved meanwhile, too soon): the
        form shows why, and no inputs."""
        return self.status not in (200, 422)

    @property
    def submit_style(self) -> str:
        return "btn-danger" if "reject" in self.name or self.name == "cancel" else "btn-primary"

    @property
    def comment_required(self) -> bool:
        return self.action.get("comment") == "required"

    def state(self, name: str) -> InputState:
        return InputState(required=name in self.action.get("required", ()))

    def chain(self) -> list[tuple[str, str, bool, bool]]:
        """The steps ahead if the action is taken now: (step, its people, whether they
        are stand-ins, whether it is the end), for a transition's dialog."""
        if self.action.get("kind") != "transition" or self.refused:
            return []
        labels = labels_for(self.entity, self.record)
        joiner = "、" if page_language().startswith("zh") else ", "
        steps = get_runtime().process.chain(self.user, self.entity.qualified_name,
                                            self.record_id, self.name)
        return [(labels.state(s.state), joiner.join(s.people), s.flagged, s.final)
                for s in steps]

    def field_errors(self, path: str) -> list[str]:
        return self.errors.get(path, [])

    def form_errors(self) -> list[str]:
        """Errors of the action as a whole and of fields the form does not show."""
        shown = {f.name for f in self.fields} | {"comment", "attachments", "to", "users", "mode"}
        found = []
        for path, messages in self.errors.items():
            if path.split("[")[0].split(".")[0] not in shown:
                label = self._field_label(path)
                found += [f"{label}: {m}" if label else m for m in messages]
        return found

    def _field_label(self, path: str) -> str:
        target = self.entity.field(path.split("[")[0].split(".")[0])
        return field_label(target, page_language()) if target is not None else ""

    def writable(self, f: Field) -> bool:
        return True

    def refs(self) -> References:
        if not hasattr(self, "_refs"):
            typed = {
                name: int(v)
                if self.entity.field(name) is not None
                and field_type(self.entity.field(name)).reference == "record"
                and str(v).isdigit()
                else v
                for name, v in self.raw.items()
            }
            shown = [self.to, *self.users, *(self.action.get("choices") or [])]
            people = [{"_created_by": n} for n in shown if n]
            self._refs = References(self.user).collect(self.entity.fields, [self.record, typed])
            self._refs.collect([system_field("_created_by")], people)
        return self._refs

    def picker_label(self, f: Field, raw: Any) -> str:
        if f.name in ("to", "users") or f.name.startswith("users-"):
            return self.refs().title(system_field("_created_by"), raw) if raw else ""
        return picker_label(self.refs(), f, raw)

    def pick_url(self, name: str) -> str:
        if name == "to" or name.startswith("users-"):
            return url_for(
                "web.action_pick",
                app=self.entity.app,
                entity=self.entity.name,
                record_id=self.record_id,
                name=self.name,
            )
        return url_for("web.pick", app=self.entity.app, entity=self.entity.name, path=name)

    def url(self) -> str:
        return url_for(
            "web.action_form",
            app=self.entity.app,
            entity=self.entity.name,
            record_id=self.record_id,
            name=self.name,
        )

    def record_url(self) -> str:
        return url_for(
            "web.view_record",
            app=self.entity.app,
            entity=self.entity.name,
            record_id=self.record_id,
        )

    def state_label(self) -> str:
        return labels_for(self.entity, self.record).state(self.record.get("_state"))

    def added_field(self, index: int) -> Field:
        return Field(name=f"users-{index}", type="user", label=ADDED.label)


# -- the form -------------------------------------------------------------------------


def step_fields(entity: Entity, user: User, action: dict[str, Any]) -> list[Field]:
    """The inputs of a step: its required fields, then the state's editable ones (all
    fields, ``*``, are left to the record's edit form), that ``user`` may write; line
    items too are edited on the form."""
    names = [*action.get("required", ()), *(n for n in action.get("fields", ()) if n != "*")]
    found = []
    for name in dict.fromkeys(names):
        target = entity.field(name)
        if (
            target is not None
            and is_input(target)
            and not target.is_table
            and can_read_field(target, user.roles)
            and can_write_field(target, user.roles)
        ):
            found.append(target)
    return found


def _offered(user: User, entity: Entity, record_id: int,
             name: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The record and action ``name`` as offered to ``user`` now (NotFound for a record
    outside any process)."""
    found = get_runtime().record_pages.action_page(user, entity.qualified_name, record_id, name)
    return found.record, found.action


def _view(user: User, entity: Entity, record: dict[str, Any], action: dict[str, Any]) -> ActionView:
    fields = step_fields(entity, user, action)
    zone = current_app.config["TIMEZONE"]
    raw = raw_from_record(entity, {f.name: record.get(f.name) for f in fields}, zone)
    label = labels_for(entity, record).action(action["name"])
    return ActionView(entity, user, record, action, label, fields, raw, in_dialog=is_htmx())


def _show(view: ActionView):
    page_title = f"{view.label} · {view.record.get('_title') or view.record.get('_number') or ''}"
    crumbs = [
        *entity_crumbs(view.entity, page_language()),
        (
            view.record.get("_title") or view.record.get("_number") or f"#{view.record_id}",
            view.record_url(),
        ),
        (view.label, None),
    ]
    return render(
        "records/action",
        "records/_action_form",
        entity=view.entity,
        view=view,
        crumbs=crumbs,
        page_title=page_title,
        column_span=column_span,
        input_name=input_name,
        status=view.status,
    )


@web.get("/<app>/<entity>/<int:record_id>/actions/<name>")
def action_form(app: str, entity: str, record_id: int, name: str):
    user = signed_in()
    found = entity_or_404(app, entity)
    record, action = _offered(user, found, record_id, name)
    if action is None:
        view = _view(user, found, record, {"name": name, "kind": "transition"})
        view.message = _("This action is not available to you now.")
        view.status = 403
        return _show(view)
    return _show(_view(user, found, record, action))


@web.post("/<app>/<entity>/<int:record_id>/actions/<name>")
def take_action(app: str, entity: str, record_id: int, name: str):
    user = signed_in()
    found = entity_or_404(app, entity)
    runtime = get_runtime()
    record, action = _offered(user, found, record_id, name)
    view = _view(user, found, record, action or {"name": name, "kind": "transition"})
    body = _read_form(view)
    attachments, problem = stored_attachments(request.files.getlist("attachments"))
    if problem is not None:
        view.errors = {"attachments": [problem]}
        view.status = 422
        return _show(view)
    try:
        runtime.process.act(user, found.qualified_name, record_id, name, body,
                            attachments=attachments)
    except ValidationFailed as failed:
        view.errors = render_errors(failed.errors, page_language())
        view.status = failed.status
        return _show(view)
    except NotFound:
        raise
    except ServiceError as error:
        view.message = error.message.render(page_language())
        view.status = error.status
        return _show(view)
    flash(done_text(name, view.label), "success")
    return _after(user, found, record_id)


def _read_form(view: ActionView) -> dict[str, Any]:
    """The body of :meth:`ProcessService.act` from the posted form (and keep what was
    typed on the view, to show again after an error)."""
    form = request.form
    zone = current_app.config["TIMEZONE"]
    inputs = {f.name: f for f in view.fields}
    payload, raw = parse_form(view.entity, form, inputs, zone)
    view.raw.update(raw)
    view.comment = form.get("comment", "")
    body: dict[str, Any] = {"comment": view.comment.strip() or None}
    if form.get("state"):
        body["state"] = form["state"]
    if view.name == "transfer":
        view.to = form.get("to", "").strip()
        body["values"] = {"to": view.to} if view.to else {}
    elif view.name == "remove_approver":
        view.users = [name.strip() for name in form.getlist("users") if name.strip()]
        body["values"] = {"users": view.users}
    elif view.name == "add_approver":
        picked = [form.get(f"users-{i}", "").strip() for i in range(MAX_ADDED)]
        view.users = [p for p in picked if p] or [""]
        view.mode = form.get("mode", "parallel")
        body["values"] = {"users": [p for p in picked if p], "mode": view.mode}
    else:
        values = {k: v for k, v in payload.items() if k in inputs}
        if values:
            body["values"] = values
    return body


def _after(user: User, entity: Entity, record_id: int):
    """After a success: the record page again (its process area and body, for htmx), or
    the inbox when the user may no longer read the record."""
    inbox = url_for("web.inbox")
    try:
        if not is_htmx():
            get_runtime().records.get(user, entity.qualified_name, record_id)  # still readable
            return redirect(
                url_for("web.view_record", app=entity.app, entity=entity.name, record_id=record_id)
            )
        context = record_context(user, entity, record_id)
    except NotFound:
        if is_htmx():
            return "", 204, {"HX-Redirect": inbox}
        return redirect(inbox)
    response = fragment("records/_acted", **context)
    response.headers["HX-Retarget"] = "#process"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


# -- pickers and rows -----------------------------------------------------------------


@web.get("/<app>/<entity>/<int:record_id>/actions/<name>/pick")
def action_pick(app: str, entity: str, record_id: int, name: str):
    """People to hand a task to or to add as approvers (``?_q_<input>=text``)."""
    user = signed_in()
    found = entity_or_404(app, entity)
    get_runtime().records.get(user, found.qualified_name, record_id)  # may read it
    if name not in ("transfer", "add_approver"):
        abort(404)
    text = next((v for k, v in request.args.items() if k.startswith("_q_")), "").strip()[:100]
    return fragment(
        "pickers/_options",
        choices=choices(user, TRANSFER_TO, text),
        listbox=request.args.get("listbox", ""),
        text=text,
    )


@web.get("/<app>/<entity>/<int:record_id>/actions/add_approver/row")
def approver_row(app: str, entity: str, record_id: int):
    """One more person to add (the form starts with one)."""
    user = signed_in()
    found = entity_or_404(app, entity)
    record = get_runtime().records.get(user, found.qualified_name, record_id)
    index = request.args.get("index", "1")
    index = int(index) if index.isdigit() else 1
    if not 0 < index < MAX_ADDED:
        abort(400)
    view = _view(user, found, record, {"name": "add_approver", "kind": "builtin"})
    return fragment("records/_approver_added", view=view, index=index)
