"""The create and edit forms (``/<app>/<entity>/new``, ``/<app>/<entity>/<id>/edit``).

While the user types, htmx posts the form to the preview URL, which runs the records
save pipeline without writing (:meth:`RecordService.preview`) and answers with
out-of-band fragments: computed values, each field's state (visible, required,
read-only) and its errors.  Adding, removing and moving line-item rows goes through the
same preview and re-renders the form body.  A failed save shows the form again with
every typed value; a save over someone else's newer change shows what they changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.auth import User, can_read_field, can_write_field
from formflow.errors import Conflict, StaleVersion, ValidationFailed
from formflow.i18n import render_errors
from formflow.metadata.model import Entity, Field
from formflow.records.idempotency import KeyReused
from formflow.records.preview import Preview
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.records.display import References, field_type, picker_label
from formflow.web.records.entities import column_span, entity_crumbs, entity_or_404, layout
from formflow.web.records.formdata import (
    Raw,
    input_name,
    input_text,
    is_input,
    parse_form,
    raw_from_record,
    row_fills,
)
from formflow.web.rendering import fragment, render

#: The hidden input carrying a new-record form's idempotency key.
IDEMPOTENCY_INPUT = "_idempotency_key"


@dataclass
class FormView:
    """Everything the form templates show."""

    entity: Entity
    user: User
    raw: Raw
    values: dict[str, Any]
    preview: Preview
    errors: dict[str, list[str]] = field(default_factory=dict)
    record: dict[str, Any] | None = None
    seen: str = ""
    #: The ``_version`` the user started from (what a save expects to overwrite).
    version: str = ""
    conflict: list[dict] | None = None
    focus: str | None = None

    @cached_property
    def idempotency_key(self) -> str:
        """The key of the create this new-record form makes: the submitted one when the
        form is shown again, so that submitting it twice still makes one record."""
        return request.form.get(IDEMPOTENCY_INPUT) or secrets.token_urlsafe(16)

    @property
    def record_id(self) -> int | None:
        return self.record["id"] if self.record else None

    def inputs(self) -> dict[str, Field]:
        return form_inputs(self.entity, self.user)

    def writable(self, f: Field) -> bool:
        return is_input(f) and can_write_field(f, self.user.roles)

    def state(self, path: str):
        return self.preview.states.get(path)

    def field_errors(self, path: str) -> list[str]:
        return self.errors.get(path, [])

    def row_has_errors(self, table: str, index: int) -> bool:
        """Whether a line-item row or one of its cells has an error (the row is marked)."""
        row = f"{table}[{index}]"
        return any(path == row or path.startswith(f"{row}.") for path in self.errors)

    def form_errors(self) -> list[str]:
        """Errors of the record as a whole and of fields the form does not show."""
        shown = {f.name for section in self.sections() for f in section.fields}
        found = list(self.errors.get("", []))
        for path, messages in self.errors.items():
            top = path.split("[")[0].split(".")[0]
            if path and top not in shown:
                found += [m for m in messages if m not in found]  # a rule's: said once
        return found

    def sections(self):
        return layout(self.entity, self.user, shown=self.record)

    def save_url(self) -> str:
        if self.record_id is None:
            return url_for("web.new_record", app=self.entity.app, entity=self.entity.name)
        return url_for(
            "web.edit_record",
            app=self.entity.app,
            entity=self.entity.name,
            record_id=self.record_id,
        )

    def preview_url(self) -> str:
        if self.record_id is None:
            return url_for("web.preview_new", app=self.entity.app, entity=self.entity.name)
        return url_for(
            "web.preview_edit",
            app=self.entity.app,
            entity=self.entity.name,
            record_id=self.record_id,
        )

    def pick_url(self, name: str) -> str:
        """The choices of the picker named ``name`` (``partner``, ``lines-0-product``)."""
        parts = name.split("-")
        path = f"{parts[0]}.{parts[2]}" if len(parts) == 3 else name
        return url_for("web.pick", app=self.entity.app, entity=self.entity.name, path=path)

    def picker_label(self, f: Field, raw: Any) -> str:
        return picker_label(self.refs(), f, raw)

    def fills(self) -> dict[str, str]:
        """Line-item inputs left empty that the preview gave a value, by input name."""
        return row_fills(self.entity, self.raw, self.values, self.writable, _zone())

    def refs(self) -> References:
        if not hasattr(self, "_refs"):
            rows = [self.values, _typed(self.entity, self.raw)]
            self._refs = References(self.user).collect(self.entity.fields, rows)
        return self._refs


def form_inputs(entity: Entity, user: User) -> dict[str, Field]:
    """The fields ``user`` may type on this entity's form."""
    return {
        f.name: f
        for f in entity.fields
        if is_input(f) and can_read_field(f, user.roles) and can_write_field(f, user.roles)
    }


def _typed(entity: Entity, raw: Raw) -> dict[str, Any]:
    """Raw link ids as numbers, so the picker labels of typed values can be looked up."""
    typed: dict[str, Any] = {}
    for f in entity.fields:
        value = raw.get(f.name)
        if f.is_table:
            typed[f.name] = [_typed_row(f, row) for row in value or []]
        elif (kind := field_type(f).reference) == "record":
            if isinstance(value, str) and value.isdigit():
                typed[f.name] = int(value)
        elif kind is not None:
            typed[f.name] = value or None
    return typed


def _typed_row(table: Field, row: dict) -> dict:
    return {
        c.name: int(row[c.name])
        if field_type(c).reference == "record" and str(row.get(c.name, "")).isdigit()
        else row.get(c.name)
        for c in table.fields
    }


def _zone():
    return current_app.config["TIMEZONE"]


def _submitted(entity: Entity, user: User) -> tuple[dict[str, Any], Raw]:
    """The payload and raw values of the submitted form."""
    limits = get_runtime().record_limits
    return parse_form(entity, request.form, form_inputs(entity, user), _zone(), limits)


def _qualified(app: str, entity: str) -> tuple[Entity, str]:
    found = entity_or_404(app, entity)
    return found, found.qualified_name


def _crumbs(view: FormView) -> list:
    lang = page_language()
    crumbs = entity_crumbs(view.entity, lang)
    if view.record:
        crumbs.append(
            (
                view.record.get("_title") or view.record.get("_number") or f"#{view.record_id}",
                url_for(
                    "web.view_record",
                    app=view.entity.app,
                    entity=view.entity.name,
                    record_id=view.record_id,
                ),
            )
        )
        crumbs.append((_("Edit"), None))
    else:
        crumbs.append((_("New"), None))
    return crumbs


def _render_form(view: FormView, status: int = 200):
    return render(
        "records/form",
        "records/_form_body",
        view=view,
        crumbs=_crumbs(view),
        entity=view.entity,
        column_span=column_span,
        input_name=input_name,
        status=status,
    )


# -- pages ----------------------------------------------------------------------------


@web.get("/<app>/<entity>/new")
def new_record(app: str, entity: str):
    user = signed_in()
    found, name = _qualified(app, entity)
    preview = get_runtime().records.preview(user, name, {})
    filled = {k: v for k, v in preview.values.items() if v not in (None, "", [])}
    view = FormView(found, user, raw_from_record(found, filled, _zone()), preview.values, preview)
    return _render_form(view)


@web.post("/<app>/<entity>/new")
def create_record(app: str, entity: str):
    user = signed_in()
    found, name = _qualified(app, entity)
    payload, raw = _submitted(found, user)
    if request.form.get("_op"):  # a line-item button pressed without htmx
        return _render_form(_apply_op(found, user, payload, raw, None))
    records = get_runtime().records
    try:
        record = _create(records, user, name, payload)
    except ValidationFailed as failed:
        preview = records.preview(user, name, payload)
        view = FormView(
            found, user, raw, preview.values, preview, render_errors(failed.errors, page_language())
        )
        return _render_form(view, 422)
    flash(
        _("Saved %(title)s.", title=record.get("_title") or record.get("_number") or ""), "success"
    )
    return redirect(url_for("web.view_record", app=app, entity=entity, record_id=record["id"]))


def _create(records, user: User, name: str, payload: dict) -> dict:
    """Create once per form: a form submitted again (twice at once, say) answers with
    the record it made.  A form sent back changed after it made a record (the browser's
    Back button, then Save) makes a new one, as its user means."""
    key = request.form.get(IDEMPOTENCY_INPUT)
    if key:
        try:
            return records.create_once(user, name, payload, key)[0]
        except KeyReused:
            pass
    return records.create(user, name, payload)


@web.get("/<app>/<entity>/<int:record_id>/edit")
def edit_record(app: str, entity: str, record_id: int):
    user = signed_in()
    found, name = _qualified(app, entity)
    records = get_runtime().records
    record = records.get(user, name, record_id)
    permitted = records.permitted(user, name, record_id)
    if not permitted.update and permitted.reason is not None and permitted.reason.key != (
            "edit_not_permitted"):  # in approval or finished: say so on the record's page
        flash(permitted.reason.render(page_language()), "warning")
        return redirect(url_for("web.view_record", app=app, entity=entity, record_id=record_id))
    preview = records.preview(user, name, {}, record_id)  # refuses a record one may not change
    view = FormView(
        found,
        user,
        raw_from_record(found, record, _zone()),
        record,
        preview,
        record=record,
        seen=record["_updated_at"] or "",
        version=str(record["_version"]),
    )
    return _render_form(view)


@web.post("/<app>/<entity>/<int:record_id>/edit")
def update_record(app: str, entity: str, record_id: int):
    user = signed_in()
    found, name = _qualified(app, entity)
    records = get_runtime().records
    current = records.get(user, name, record_id)
    payload, raw = _submitted(found, user)
    if request.form.get("_op"):
        return _render_form(_apply_op(found, user, payload, raw, current))
    try:
        record = records.update(user, name, record_id, payload)
    except ValidationFailed as failed:
        preview = records.preview(user, name, _without_version(payload), record_id)
        view = FormView(
            found,
            user,
            raw,
            preview.values,
            preview,
            render_errors(failed.errors, page_language()),
            record=current,
            seen=request.form.get("_seen", ""),
            version=request.form.get("_version", ""),
        )
        return _render_form(view, 422)
    except (StaleVersion, Conflict) as error:
        current = records.get(user, name, record_id)
        preview = records.preview(user, name, _without_version(payload), record_id)
        view = FormView(
            found,
            user,
            raw,
            preview.values,
            preview,
            record=current,
            seen=current["_updated_at"] or "",
            version=str(current["_version"]),
            conflict=_changes_since(user, name, record_id, request.form.get("_seen", "")),
        )
        flash(error.message.render(page_language()), "warning")
        return _render_form(view, error.status)
    flash(
        _("Saved %(title)s.", title=record.get("_title") or record.get("_number") or ""), "success"
    )
    return redirect(url_for("web.view_record", app=app, entity=entity, record_id=record_id))


def _without_version(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k != "_version"}


def _changes_since(user: User, name: str, record_id: int, seen: str) -> list[dict]:
    """The history entries written after the version the user started from."""
    entries = get_runtime().process.history(user, name, record_id)
    return [e for e in entries if not seen or (e.get("at") or "") > seen]


# -- live preview -------------------------------------------------------------------


@web.post("/<app>/<entity>/preview")
def preview_new(app: str, entity: str):
    return _preview(app, entity, None)


@web.post("/<app>/<entity>/<int:record_id>/preview")
def preview_edit(app: str, entity: str, record_id: int):
    return _preview(app, entity, record_id)


def _preview(app: str, entity: str, record_id: int | None):
    user = signed_in()
    found, name = _qualified(app, entity)
    current = get_runtime().records.get(user, name, record_id) if record_id else None
    payload, raw = _submitted(found, user)
    payload = _without_version(payload)
    if request.form.get("_op"):
        view = _apply_op(found, user, payload, raw, current)
        return fragment(
            "records/_form_body", view=view, column_span=column_span, input_name=input_name
        )
    preview = get_runtime().records.preview(user, name, payload, record_id)
    touched = {t for t in request.form.get("_touched", "").split(",") if t}
    errors = {
        path: messages
        for path, messages in render_errors(preview.errors, page_language()).items()
        if not path or input_name(path) in touched
    }
    view = FormView(found, user, raw, preview.values, preview, errors, record=current)
    return fragment("records/_form_preview", view=view, input_name=input_name)


def _apply_op(
    entity: Entity, user: User, payload: dict, raw: Raw, current: dict | None
) -> FormView:
    """Add, remove or move a line-item row (``_op`` = ``add:lines``, ``remove:lines:2``,
    ``up:lines:2``, ``down:lines:2``) and preview the result."""
    op, _sep, rest = request.form.get("_op", "").partition(":")
    table_name, _sep, index_text = rest.partition(":")
    table = entity.field(table_name)
    focus = None
    if table is not None and table.is_table and table_name in form_inputs(entity, user):
        rows = list(payload.get(table_name) or [])
        raw_rows = list(raw.get(table_name) or [])
        index = int(index_text) if index_text.isdigit() else -1
        count = len(raw_rows)  # rows past a table's limit are not shown (see parse_form)
        if op == "add":
            rows.append({})
            raw_rows.append(None)  # filled from the preview: defaults apply
            focus = f"{table_name}-{len(rows) - 1}"
        elif 0 <= index < count:
            if op == "remove":
                del rows[index], raw_rows[index]
            elif op in ("up", "down"):
                other = index - 1 if op == "up" else index + 1
                if 0 <= other < count:
                    rows[index], rows[other] = rows[other], rows[index]
                    raw_rows[index], raw_rows[other] = raw_rows[other], raw_rows[index]
                    focus = f"{table_name}-{other}"
        payload[table_name] = rows
        raw[table_name] = raw_rows
    name = entity.qualified_name
    preview = get_runtime().records.preview(
        user, name, _without_version(payload), current["id"] if current else None
    )
    for key, rows in raw.items():
        if isinstance(rows, list) and None in rows:
            computed = preview.values.get(key) or []
            table = entity.field(key)
            raw[key] = [
                row
                if row is not None
                else {
                    c.name: input_text(
                        c, (computed[i] if i < len(computed) else {}).get(c.name), _zone()
                    )
                    for c in table.fields
                }
                for i, row in enumerate(rows)
            ]
    view = FormView(
        entity,
        user,
        raw,
        preview.values,
        preview,
        record=current,
        seen=request.form.get("_seen", ""),
        version=request.form.get("_version", ""),
        focus=focus,
    )
    return view
