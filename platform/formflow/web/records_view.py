"""A record's page (``/<app>/<entity>/<id>``): its fields laid out as in the form, line
items, files and the history timeline; soft delete and restore.

The process area (state diagram, action buttons) is the ``records/_process.html``
partial, included in the page's ``process`` block.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.auth import can_read_field
from formflow.errors import ServiceError
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.display import References, system_field
from formflow.web.entities import column_span, entity_crumbs, entity_or_404, layout
from formflow.web.language import page_language
from formflow.web.rendering import render
from formflow.web.shell import flash_error


@web.get("/<app>/<entity>/<int:record_id>")
def view_record(app: str, entity: str, record_id: int):
    user = signed_in()
    found = entity_or_404(app, entity)
    runtime = get_runtime()
    record = runtime.records.get(user, found.qualified_name, record_id)
    history = runtime.process.history(user, found.qualified_name, record_id)
    changed = [
        {name: change.get("new") for name, change in (e.get("changes") or {}).items()}
        for e in history
    ]
    changed += [
        {name: change.get("old") for name, change in (e.get("changes") or {}).items()}
        for e in history
    ]
    refs = References(user).collect(found.fields, [record, *changed])
    title = record.get("_title") or record.get("_number") or f"#{record_id}"
    crumbs = [*entity_crumbs(found, page_language()), (title, None)]
    return render(
        "records/record",
        "records/_record_body",
        entity=found,
        record=record,
        title=title,
        sections=layout(found, user),
        history=history,
        refs=refs,
        grant=runtime.records.grant(user, found),
        crumbs=crumbs,
        column_span=column_span,
        system_field=system_field,
        history_field=lambda name: _history_field(found, name, user),
    )


def _history_field(entity, name, user):
    found = entity.field(name)
    if found is None or not can_read_field(found, user.roles):
        return None
    return found


@web.post("/<app>/<entity>/<int:record_id>/delete")
def delete_record(app: str, entity: str, record_id: int):
    user = signed_in()
    found = entity_or_404(app, entity)
    version = request.form.get("_version", "")
    try:
        get_runtime().records.delete(
            user,
            found.qualified_name,
            record_id,
            expected_version=int(version) if version.isdigit() else None,
        )
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        flash_error(error)
        return redirect(url_for("web.view_record", app=app, entity=entity, record_id=record_id))
    flash(_("Moved to the trash. You can restore it from there."), "success")
    return redirect(url_for("web.list_records", app=app, entity=entity))


@web.post("/<app>/<entity>/<int:record_id>/restore")
def restore_record(app: str, entity: str, record_id: int):
    user = signed_in()
    found = entity_or_404(app, entity)
    try:
        record = get_runtime().records.restore(user, found.qualified_name, record_id)
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        flash_error(error)
        return redirect(url_for("web.trash", app=app, entity=entity))
    flash(
        _("Restored %(title)s.", title=record.get("_title") or record.get("_number") or ""),
        "success",
    )
    return redirect(url_for("web.view_record", app=app, entity=entity, record_id=record_id))
