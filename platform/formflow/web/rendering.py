"""One URL serves a page or its fragment: an htmx request (``HX-Request``) gets the
partial, any other the full page, which includes that same partial.  Templates are
looked up from specific to general (``records/list-crm-customer.html``, then
``records/list.html``) so an app or plugin can override one page of one entity."""

from __future__ import annotations

from flask import Response, make_response, render_template, request

from formflow.metadata.model import Entity


def is_htmx() -> bool:
    """Whether the request wants a fragment (an htmx request that is not boosted)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def templates_for(name: str, entity: Entity | None = None) -> list[str]:
    """``records/list`` -> ``[records/list-<app>-<entity>.html, records/list.html]``."""
    names = [f"{name}.html"]
    if entity is not None:
        names.insert(0, f"{name}-{entity.app}-{entity.name}.html")
    return names


def render(
    page: str,
    partial: str | None = None,
    *,
    entity: Entity | None = None,
    status: int = 200,
    **context,
) -> Response:
    """Render ``page`` (or, for an htmx request, ``partial``), varying on HX-Request.
    The page gets the partial's template names as ``partial`` to include."""
    partial_names = templates_for(partial, entity) if partial else None
    names = partial_names if partial and is_htmx() else templates_for(page, entity)
    html = render_template(names, partial=partial_names, entity=entity, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def fragment(
    template: str, *, entity: Entity | None = None, status: int = 200, **context
) -> Response:
    """A partial on its own (for endpoints that only ever answer htmx)."""
    response = make_response(
        render_template(templates_for(template, entity), entity=entity, **context), status
    )
    response.vary.add("HX-Request")
    return response
