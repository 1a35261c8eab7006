"""An entity's export (CSV or XLSX of the list's current filter) and its import pages.

A big file (``IMPORT_BACKGROUND_ROWS`` rows or more) is imported in the background, as
a job followed on its own page (:mod:`formflow.web.records.import_jobs`).  Otherwise
importing is two steps: the upload is checked as a dry run, whose result (every
problem of every row, or what would be created and updated) is shown; the user then
confirms, and the same file is imported for real.  Between the steps the file waits in
``<instance>/imports/`` under a random name that only the uploader's session knows;
files older than a day are removed at the next upload.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from formflow.errors import ServiceError
from formflow.http.downloads import download
from formflow.io.import_jobs import FINAL
from formflow.io.importing import ImportFailed, ImportResult, error_lines
from formflow.io.mapping import read_mapping
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.records.entities import entity_crumbs, entity_or_404
from formflow.web.records.listing import list_args, service_args
from formflow.web.rendering import render

#: Pending uploads a session remembers, and how long a pending file is kept.
SESSION_IMPORTS = 5
KEEP_SECONDS = 24 * 3600


@web.get("/<app>/<entity>/export.<any(csv, xlsx):file_format>")
def export_records(app: str, entity: str, file_format: str):
    user = signed_in()
    found = entity_or_404(app, entity)
    args = service_args(found, list_args())
    codes = args.pop("codes", None) is not None
    export = get_runtime().exporter.export(
        user, found.qualified_name, args, file_format, lang=page_language(), codes=codes
    )
    return download(export.chunks, export.mimetype, export.filename)


@web.before_app_request
def allow_import_uploads():
    """An import may be larger than other requests (read before the CSRF check)."""
    if request.endpoint == "web.import_records" and request.method == "POST":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@web.route("/<app>/<entity>/import", methods=["GET", "POST"])
def import_records(app: str, entity: str):
    """The upload form; a posted file is checked (dry run) and the result shown."""
    user = signed_in()
    found = entity_or_404(app, entity)
    runtime = get_runtime()
    runtime.records.require(user, found, "import_")
    context = {"entity": found, "key": request.form.get("key", "").strip(), "result": None,
               "errors": [], "problem": None, "token": None}
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        saved = request.files.get("mapping")
        try:
            mapping = read_mapping(saved.read().decode("utf-8-sig", "replace")) if (
                saved and saved.filename) else None
        except ServiceError as error:
            context["problem"] = error.message.render(page_language())
            return import_page(found, context)
        if not data:
            context["problem"] = _("Choose a CSV or XLSX file.")
        elif mapping is None and runtime.import_jobs.wants_job(found.qualified_name, data):
            return start_job(user, found, data, context["key"] or None, context)
        else:
            context.update(check_upload(user, found, data, context["key"] or None, mapping))
    return import_page(found, context)


def start_job(user, found, data: bytes, key: str | None, context: dict):
    """A big file is imported in the background: off to its job's page."""
    try:
        job = get_runtime().import_jobs.submit(user, found.qualified_name, data, key=key,
                                               mode=request.form.get("mode") or "all")
    except ServiceError as error:
        context["problem"] = error.message.render(page_language())
        return import_page(found, context)
    return redirect(url_for("web.import_job", job_id=job.id))


@web.post("/<app>/<entity>/import/confirm")
def confirm_import(app: str, entity: str):
    """Import the checked file for real."""
    user = signed_in()
    found = entity_or_404(app, entity)
    token = request.form.get("token", "")
    path = pending_upload(found.qualified_name, token)
    key = request.form.get("key", "").strip() or None
    try:
        mapping = (read_mapping(request.form["mapping"]) if request.form.get("mapping")
                   else None)
        result = get_runtime().importer.run(user, found.qualified_name, path.read_bytes(),
                                            key=key, mapping=mapping)
    except ImportFailed as failed:  # the data changed since the check
        context = {"entity": found, "key": key or "", "result": None, "token": token,
                   "errors": error_lines(failed.errors, page_language(), found),
                   "problem": failed.message.render(page_language())}
        return import_page(found, context, 422)
    forget_upload(token, path)
    flash(_("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
            created=result.created, updated=result.updated, unchanged=result.unchanged),
          "success")
    return redirect(url_for("web.list_records", app=found.app, entity=found.name))


def check_upload(user, found, data: bytes, key: str | None, mapping=None,
                 token: str | None = None) -> dict:
    """Check the file as a dry run (through ``mapping``, when given), propose or show the
    field of each column with the first rows read so, and keep the file for the next
    step under ``token`` (a new one when None)."""
    lang = page_language()
    importer = get_runtime().importer
    try:
        choices = importer.choices(user, found.qualified_name, data, mapping)
    except ServiceError as error:
        return {"problem": error.message.render(lang)}
    context = {"choices": choices, "mapping": mapping,
               "token": token or keep_upload(found.qualified_name, data)}
    try:
        result: ImportResult = importer.run(user, found.qualified_name, data, dry_run=True,
                                            key=key, mapping=mapping)
    except ImportFailed as failed:
        return {**context, "errors": error_lines(failed.errors, lang, found),
                "problem": failed.message.render(lang)}
    except ServiceError as error:
        return {**context, "problem": error.message.render(lang)}
    return {**context, "result": result}


def import_page(found, context: dict, status: int | None = None):
    jobs = get_runtime().import_jobs
    latest = jobs.latest(signed_in(), found.qualified_name)
    context = {"choices": None, "mapping": None, **context, "background_rows": jobs.threshold,
               "running_job": latest if latest and latest.status not in FINAL else None}
    failed = bool(context["errors"] or context["problem"])
    crumbs = [*entity_crumbs(found, page_language()), (_("Import"), None)]
    return render("records/import", crumbs=crumbs, status=status or (422 if failed else 200),
                  **context)


def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def keep_upload(qualified: str, data: bytes) -> str:
    """Keep an upload checked by a dry run until it is confirmed; its token.
    ``qualified`` names what it is for (an entity), which confirming must match."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():
        if now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / token).write_bytes(data)
    pending = {t: q for t, q in session.get("imports", {}).items()}
    pending[token] = qualified
    session["imports"] = dict(list(pending.items())[-SESSION_IMPORTS:])
    return token


def pending_upload(qualified: str, token: str) -> Path:
    """The file waiting under ``token`` for this session and entity, or 404."""
    if session.get("imports", {}).get(token) != qualified:
        abort(404)
    path = _folder() / token
    if not path.is_file():
        abort(404)
    return path


def forget_upload(token: str, path: Path) -> None:
    path.unlink(missing_ok=True)
    session["imports"] = {t: q for t, q in session.get("imports", {}).items() if t != token}
