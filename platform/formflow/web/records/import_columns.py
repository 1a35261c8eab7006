"""The import page's column step: the user changes which field each column of the
uploaded file fills (a select per column), checks the file again through those choices,
and may download them as a mapping file for next time (the upload form and
``formflow import --mapping`` take it).  The file waits where the first check left it
(see :mod:`formflow.web.records.import_export`)."""

from __future__ import annotations

import json

from flask import Response, request

from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.records.entities import entity_or_404
from formflow.web.records.import_export import check_upload, import_page, pending_upload


@web.post("/<app>/<entity>/import/columns")
def import_columns(app: str, entity: str):
    """Check the waiting file again with the columns as chosen."""
    user, found, token, data, mapping = _chosen(app, entity)
    key = request.form.get("key", "").strip()
    context = {"entity": found, "key": key, "result": None, "errors": [], "problem": None}
    context.update(check_upload(user, found, data, key or None, mapping, token))
    return import_page(found, context)


@web.post("/<app>/<entity>/import/mapping")
def import_mapping(app: str, entity: str):
    """The columns as chosen, as a mapping file to download."""
    _, found, _, _, mapping = _chosen(app, entity)
    body = json.dumps(mapping, ensure_ascii=False, indent=2) + "\n"
    name = f"{found.app}-{found.name}.mapping.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _chosen(app: str, entity: str):
    """The user, the entity, the waiting file and its token, and the mapping the
    selects (``column_<i>``: a field name, or empty to skip the column) make."""
    user = signed_in()
    found = entity_or_404(app, entity)
    token = request.form.get("token", "")
    data = pending_upload(found.qualified_name, token).read_bytes()
    header = get_runtime().importer.choices(user, found.qualified_name, data).header
    mapping = {}
    for index, column in enumerate(header):
        name = request.form.get(f"column_{index}", "").strip()
        if name and found.field(name) is not None:
            mapping[name] = column
    return user, found, token, data, mapping
