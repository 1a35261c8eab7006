"""File and image fields: uploads and downloads.

An upload is stored once per content in the deployment's content store
(:mod:`formflow.storage.contents`); the field's value is the storage key ``<sha256>/<name>``.
Uploads are limited in size (``FORMFLOW_UPLOAD_MAX_BYTES``, at most
the request limit) and type (by extension; images must also look like images).
Each upload is remembered as its user's (:mod:`formflow.storage.files`): a save may
attach only a file its user uploaded or can already see on a record they may read
(:mod:`formflow.records.attachments`), so knowing a file's digest is not enough to
attach it to a record of one's own.  Downloads go through the record: whoever may read
the record and the field may fetch its file.  Before the record is saved, only the
session that uploaded a file may fetch it.  Files attached to an action's comment are
stored the same way; readers of the record fetch them through its history.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import Response, abort, current_app, request, session
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from formflow.auth import can_read_field, can_write_field
from formflow.records.files import (
    FILE_TYPES,
    IMAGE_TYPES,
    FileStore,
    allowed_types,
    file_name,
    looks_like_image,
    safe_name,
)
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.records.display import field_type
from formflow.web.records.entities import entity_or_404
from formflow.web.records.pickers import picked_field
from formflow.web.rendering import fragment

INPUT = re.compile(r"^([a-z][a-z0-9_]*)(?:-(\d{1,6})-([a-z][a-z0-9_]*))?$")
#: How many of its own uploads a session may fetch before saving them.
SESSION_UPLOADS = 20


def max_bytes() -> int:
    limit = int(
        current_app.config.get("UPLOAD_MAX_BYTES") or current_app.config["MAX_CONTENT_LENGTH"]
    )
    return min(limit, current_app.config["MAX_CONTENT_LENGTH"] or limit)


def file_store() -> FileStore:
    return get_runtime().files


def check_upload(field_type: str, filename: str, data: bytes) -> str | None:
    """Why the upload is refused, or None."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    types = allowed_types(field_type)
    if extension not in types:
        return _(
            "Files of this type are not accepted. Allowed: %(types)s.",
            types=", ".join(sorted(types)),
        )
    if len(data) > max_bytes():
        return _("The file is larger than %(size)s.", size=human_size(max_bytes()))
    if not data:
        return _("The file is empty.")
    if extension in IMAGE_TYPES and not looks_like_image(data):
        return _("The file is not an image.")
    return None


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


@web.app_template_global()
def upload_limits(field_type: str) -> str:
    """The accepted types and size, as shown under an upload input."""
    types = ", ".join(sorted({t.upper() for t in allowed_types(field_type)}))
    return _("%(types)s; at most %(size)s.", types=types, size=human_size(max_bytes()))


@web.post("/<app>/<entity>/upload/<name>")
def upload(app: str, entity: str, name: str):
    """Store the file sent for input ``name`` and answer the widget holding its key."""
    user = signed_in()
    found = entity_or_404(app, entity)
    match = INPUT.match(name)
    target = (
        picked_field(
            found, f"{match.group(1)}.{match.group(3)}" if match and match.group(3) else name
        )
        if match
        else None
    )
    top = found.field(match.group(1)) if match else None
    if target is None or not field_type(target).stores_file:
        abort(404)
    grant = get_runtime().records.grant(user, found)
    if not (grant.create or grant.update) or not can_write_field(top, user.roles):
        abort(403)
    error, key = None, ""
    try:
        sent = request.files.get(f"_upload_{name}")
    except RequestEntityTooLarge:
        sent, error = None, _("The file is larger than %(size)s.", size=human_size(max_bytes()))
    if sent is not None and sent.filename:
        data = sent.read(max_bytes() + 1)
        error = check_upload(target.type, sent.filename, data)
        if error is None:
            key = file_store().store(data, sent.filename)
            get_runtime().records.remember_upload(user, key)
            session["uploads"] = [key, *session.get("uploads", [])][:SESSION_UPLOADS]
    elif error is None:
        error = _("Choose a file.")
    return fragment(
        "records/_upload",
        entity=found,
        field=target,
        input_name=name,
        value=key or request.form.get(name, ""),
        error=error,
        upload_view=SimpleNamespace(entity=found, record_id=None),
    )


def stored_attachments(sent) -> tuple[list[str], str | None]:
    """Store the files chosen with an action's comment (any file type a file field
    accepts); their keys, or why one is refused (then none is kept by the action)."""
    keys = []
    for upload_ in sent:
        if not upload_ or not upload_.filename:
            continue
        data = upload_.read(max_bytes() + 1)
        problem = check_upload("file", upload_.filename, data)
        if problem is not None:
            return [], f"{safe_name(upload_.filename)}: {problem}"
        keys.append(file_store().store(data, upload_.filename))
    return keys, None


@web.get("/<app>/<entity>/<int:record_id>/attachments/<digest>/<filename>")
def download_attachment(app: str, entity: str, record_id: int, digest: str, filename: str):
    """A file attached to an action's comment on a record the user may read."""
    user = signed_in()
    found = entity_or_404(app, entity)
    key = f"{digest}/{filename}"
    if not get_runtime().process.attachment(user, found.qualified_name, record_id, key):
        abort(404)
    return _send(key)


@web.get("/files/<digest>/<filename>")
def own_upload(digest: str, filename: str):
    """A file this session uploaded and has not saved yet."""
    signed_in()
    key = f"{digest}/{filename}"
    if key not in session.get("uploads", []):
        abort(404)
    return _send(key)


@web.get("/<app>/<entity>/<int:record_id>/files/<name>")
def download(app: str, entity: str, record_id: int, name: str):
    """The file in input ``name`` (``photo``, ``lines-0-attachment``) of a record the
    user may read."""
    user = signed_in()
    found = entity_or_404(app, entity)
    record = get_runtime().records.get(user, found.qualified_name, record_id)
    match = INPUT.match(name)
    if not match:
        abort(404)
    table, row, column = match.groups()
    value = record.get(table)  # absent when the user may not read the field
    if column is not None:
        rows = value if isinstance(value, list) else []
        value = rows[int(row)].get(column) if int(row) < len(rows) else None
    top = found.field(table)
    if not isinstance(value, str) or top is None or not can_read_field(top, user.roles):
        abort(404)
    return _send(value)


def _send(key: str):
    chunks = file_store().chunks(key)
    if chunks is None:
        abort(404)
    filename = file_name(key)
    extension = filename.rpartition(".")[2].lower()
    disposition = "inline" if extension in IMAGE_TYPES else "attachment"
    response = Response(
        chunks,
        mimetype=FILE_TYPES.get(extension, "application/octet-stream"),
        direct_passthrough=True,
    )
    # A safe name (letters, digits, '.', '_', '-'), so it needs no quoting rules.
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["ETag"] = f'"{key.partition("/")[0]}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
