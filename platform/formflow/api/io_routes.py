"""Import and export over the REST API: thin views over the io services.

``POST /api/v1/<app>/<entity>/import`` takes the file as a multipart upload (field
``file``) or as the raw body (``text/csv`` or the XLSX media type); ``?dry_run=1``
checks without writing, ``?key=field`` updates matching records.  A file of
``IMPORT_BACKGROUND_ROWS`` rows or more becomes a background job (``?mode=all|chunks``):
the answer is 202 with the job, ``Location`` its URL; ``GET /api/v1/import-jobs/<id>``
tells its progress, ``POST .../cancel`` stops it and ``POST .../resume`` (optionally
with a corrected file) continues a failed chunked job.  ``GET
/api/v1/<app>/<entity>/export?format=csv|xlsx`` takes the list API's filters.
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from formflow.api.authentication import current_api_user
from formflow.api.routes import UnsupportedMediaType, api
from formflow.http.downloads import download
from formflow.http.language import request_language
from formflow.i18n import Message
from formflow.io.exporting import MIMETYPES
from formflow.io.import_jobs import ImportJob
from formflow.runtime import get_runtime

#: Media types a raw import body may have.
RAW_TYPES = frozenset({*MIMETYPES.values(), "text/plain", "application/octet-stream"})
TRUE = frozenset({"1", "true", "yes", "on"})


@api.post("/<app>/<entity>/import")
def import_records(app: str, entity: str):
    user = current_api_user()
    runtime = get_runtime()
    request.max_content_length = runtime.settings["IMPORT_MAX_BYTES"]
    runtime.importer.check_size(request.content_length or 0)  # before reading the body
    try:
        data = _upload()
    except RequestEntityTooLarge:  # a body without Content-Length
        raise runtime.importer.too_large() from None
    dry_run = request.args.get("dry_run", "").lower() in TRUE
    key = request.args.get("key") or None
    if not dry_run and runtime.import_jobs.wants_job(f"{app}.{entity}", data):
        job = runtime.import_jobs.submit(user, f"{app}.{entity}", data, key=key,
                                         mode=request.args.get("mode") or "all")
        return _job_response(job, user, 202)
    result = runtime.importer.run(user, f"{app}.{entity}", data, dry_run=dry_run, key=key)
    return jsonify(rows=result.rows, created=result.created, updated=result.updated,
                   unchanged=result.unchanged, dry_run=result.dry_run)


@api.get("/import-jobs/<int:job_id>")
def import_job(job_id: int):
    user = current_api_user()
    return _job_response(get_runtime().import_jobs.get(user, job_id), user)


@api.post("/import-jobs/<int:job_id>/cancel")
def cancel_import_job(job_id: int):
    user = current_api_user()
    return _job_response(get_runtime().import_jobs.cancel(user, job_id), user)


@api.post("/import-jobs/<int:job_id>/resume")
def resume_import_job(job_id: int):
    user = current_api_user()
    runtime = get_runtime()
    data = None
    if request.content_length:
        request.max_content_length = runtime.settings["IMPORT_MAX_BYTES"]
        runtime.importer.check_size(request.content_length)
        data = _upload()
    return _job_response(runtime.import_jobs.resume(user, job_id, data), user, 202)


def _job_response(job: ImportJob, user, status: int = 200):
    response = jsonify(job.as_json(request_language(user)))
    response.status_code = status
    response.headers["Location"] = url_for("api.import_job", job_id=job.id)
    return response


def _upload() -> bytes:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise UnsupportedMediaType(Message("import_media_type"))
        return upload.read()
    if request.mimetype not in RAW_TYPES:
        raise UnsupportedMediaType(Message("import_media_type"))
    return request.get_data()


@api.get("/<app>/<entity>/export")
def export_records(app: str, entity: str):
    user = current_api_user()
    args = request.args.to_dict(flat=False)
    file_format = (args.pop("format", None) or ["csv"])[-1]
    codes = args.pop("codes", None) is not None
    export = get_runtime().exporter.export(
        user, f"{app}.{entity}", args, file_format, lang=request_language(user), codes=codes
    )
    return download(export.chunks, export.mimetype, export.filename)
