"""A record's page (``/<app>/<entity>/<id>``): its fields laid out as in the form, line
items, files and the history timeline, the latest decision of its process as a banner;
soft delete and restore.

The process area (state diagram, action buttons) is the ``records/_process.html``
partial, included in the page's ``process`` block (:mod:`~formflow.web.process.area`).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.auth import User, can_read_field
from formflow.errors import ServiceError
from formflow.metadata.model import Entity
from formflow.process.outcomes import latest_decision
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.process.area import labels_for, process_area
from formflow.web.records.display import References, display_title, system_field
from formflow.web.records.entities import column_span, entity_crumbs, entity_or_404, layout
from formflow.web.rendering import render
from formflow.web.shell import flash_error


@web.get("/<app>/<entity>/<int:record_id>")
def view_record(app: str, entity: str, record_id: int):
    user = signed_in()
    found = entity_or_404(app, entity)
    return render("records/record", "records/_record_body",
                  **record_context(user, found, record_id))


def record_context(user: User, found: Entity, record_id: int) -> dict[str, Any]:
    """What the record page and its parts show (the process actions re-render them),
    from one call of the record page service."""
    runtime = get_runtime()
    page = runtime.record_pages.record_page(user, found.qualified_name, record_id,
                                            page_language())
    record, history = page.record, page.history
    area = process_area(found, record, history, page.progress, page.actions)
    refs = References(user, page.titles)
    title = display_title(found, record, refs, page_language())
    crumbs = [*entity_crumbs(found, page_language()), (title, None)]
    return {
        "entity": found,
        "app_label": runtime.model.apps[found.app].label,
        "record": record,
        "title": title,
        "sections": layout(found, user, shown=record),
        "history": history,
        "refs": refs,
        "permitted": page.permitted,
        "plugin_actions": page.plugin_actions,
        "crumbs": crumbs,
        "column_span": column_span,
        "system_field": system_field,
        "history_field": lambda name: _history_field(found, name, user),
        "process": area,
        "outcome": latest_decision(area.process, history) if area else None,
        "labels": labels_for(found, record, area.process if area else None),
        "person": lambda name: refs.title(system_field("_created_by"), name),
        "rating": page.rating,
    }


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
