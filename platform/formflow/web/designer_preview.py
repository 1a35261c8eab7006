"""The designer's preview (``/designer/<app>/preview``): the real form, list and record
page of an entity of the app's DRAFT, filled with sample records built in memory, seen as
one role of the app, at desktop or phone width.

The page holds the controls and a sandboxed frame (no scripts, no form submission); the
frame (``.../preview/frame``) renders the records pages' own templates with the draft's
runtime for this request.  Nothing is written: the samples go through the records
service's preview (a read transaction, never committed)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from flask import abort, g, request
from flask_babel import gettext as _

from formflow.auth import can_read_field
from formflow.design.preview import (
    SAMPLE_ROWS,
    as_role,
    draft_runtime,
    preview_roles,
    sample_payload,
    stored_columns,
)
from formflow.errors import ValidationFailed
from formflow.records.listing import Page
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.designer_model import text
from formflow.web.forms import field_errors
from formflow.web.headers import PAGE_POLICY
from formflow.web.language import page_language
from formflow.web.process.area import labels_for
from formflow.web.records.display import References, display_title, system_field
from formflow.web.records.entities import column_span, entity_crumbs, entity_or_404, layout
from formflow.web.records.form import FormView, _render_form, _zone
from formflow.web.records.formdata import raw_from_record
from formflow.web.records.listing import Listing
from formflow.web.rendering import render

VIEWS = ("form", "list", "record")


class SampleListing(Listing):
    """A list page of the sample records instead of a query."""

    def __init__(self, entity, user, items: list[dict]):
        self._samples = items
        super().__init__(entity, user, {})

    def fetch(self) -> None:
        self.page = Page(self._samples, len(self._samples), 1, max(len(self._samples), 1))


def _choice(value: str | None, allowed, default: str) -> str:
    return value if value in allowed else default


@web.get("/designer/<app>/preview")
def designer_preview(app: str):
    user = signed_in()
    draft = service().draft(user, app, present=True)
    entities = sorted(
        k[len("entities/") : -len(".json")] for k in draft.documents if k.startswith("entities/")
    )
    roles = preview_roles(draft.documents.get("app.json") or {})
    args = request.args
    chosen = {
        "entity": _choice(args.get("entity"), entities, entities[0] if entities else ""),
        "role": _choice(args.get("role"), roles, "user"),
        "view": _choice(args.get("view"), VIEWS, "form"),
    }
    return render(
        "designer/preview",
        app=app,
        draft=draft,
        entities=entities,
        roles=roles,
        views=VIEWS,
        chosen=chosen,
        phone=args.get("phone") == "1",
        lang=page_language(),
        text=text,
    )


#: The frame's pages may be framed by the preview page (this site), no other.
FRAME_POLICY = PAGE_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


@web.get("/designer/<app>/preview/frame")
def designer_preview_frame(app: str):
    response = _frame(app)
    response.headers["Content-Security-Policy"] = FRAME_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _frame(app: str):
    user = signed_in()
    try:
        runtime = draft_runtime(service(), user, app)
    except ValidationFailed as failed:
        messages = [m for ms in field_errors(failed).values() for m in ms]
        return render("designer/preview_note", status=422, notes=messages)
    g.formflow_runtime = runtime  # this request renders the draft
    entity = entity_or_404(app, request.args.get("entity", ""))
    role = request.args.get("role", "user")
    if role not in preview_roles(runtime.model.apps[app].documents.get("app.json") or {}):
        abort(404)
    viewer = as_role(user, role)
    view = _choice(request.args.get("view"), VIEWS, "form")
    lang = page_language()
    grant = runtime.records.grant(viewer, entity)
    stored = stored_columns(service(), entity)
    if view == "form":
        if not grant.create:
            return render(
                "designer/preview_note",
                notes=[
                    _(
                        "This role may not create %(entity)s records.",
                        entity=entity.label.text(lang),
                    )
                ],
            )
        preview = runtime.records.preview(
            viewer, entity.qualified_name, sample_payload(entity, 0, viewer, lang, stored)
        )
        return _render_form(
            FormView(entity, viewer, _raw(entity, preview.values), preview.values, preview)
        )
    if not grant.read:
        return render(
            "designer/preview_note",
            notes=[_("This role may not read %(entity)s records.", entity=entity.label.text(lang))],
        )
    samples = _samples(runtime, entity, viewer, lang, stored)
    if view == "list":
        return render(
            "records/list",
            "records/_list_results",
            entity=entity,
            listing=SampleListing(entity, viewer, samples),
            views=[],
            crumbs=entity_crumbs(entity, lang),
            page_sizes=[],
        )
    return render(
        "records/record",
        "records/_record_body",
        **_record_context(runtime, entity, viewer, samples[0], grant, lang),
    )


def _raw(entity, values: dict):
    """The form's inputs holding ``values``."""
    filled = {k: v for k, v in values.items() if v not in (None, "", [])}
    return raw_from_record(entity, filled, _zone())


def _samples(runtime, entity, viewer, lang: str, stored: frozenset[str]) -> list[dict]:
    """Sample records as the API shows them to ``viewer`` (computed values included)."""
    builder = as_role(viewer, "admin")  # samples are built whatever the role may create
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    samples = []
    for index in range(SAMPLE_ROWS):
        values = runtime.records.preview(
            builder, entity.qualified_name, sample_payload(entity, index, viewer, lang, stored)
        ).values
        values = {
            k: v
            for k, v in values.items()
            if k.startswith("_")
            or any(f.name == k and can_read_field(f, viewer.roles) for f in entity.fields)
        }
        samples.append(
            {
                **values,
                "id": index + 1,
                "_version": 1,
                "_created_at": now,
                "_updated_at": now,
                "_created_by": viewer.username,
                "_updated_by": viewer.username,
            }
        )
    return samples


def _record_context(runtime, entity, viewer, record: dict, grant, lang: str) -> dict:
    refs = References(viewer).collect(entity.fields, [record])
    refs.collect([system_field("_created_by")], [record])
    title = display_title(entity, record, refs, lang)
    return {
        "entity": entity,
        "app_label": runtime.model.apps[entity.app].label,
        "record": record,
        "title": title,
        "sections": layout(entity, viewer),
        "history": [],
        "refs": refs,
        "permitted": SimpleNamespace(
            update=bool(grant.update), delete=bool(grant.delete), reason=None
        ),
        "plugin_actions": [],
        "crumbs": [*entity_crumbs(entity, lang), (title, None)],
        "column_span": column_span,
        "system_field": system_field,
        "history_field": lambda name: None,
        "process": None,
        "outcome": None,
        "labels": labels_for(entity, record, None),
        "person": lambda name: refs.title(system_field("_created_by"), name),
        "rating": None,
    }
