"""The page of a background import (a big file uploaded on the import page): a
progress bar that follows the job (htmx polls the page, which answers with the bar
alone; the page's URL is the job's, so a reload shows it again), cancel, and for a
failed chunked job "resume from the first failed chunk", with the same file or a
corrected one.  Only the job's owner sees it; anyone else gets a 404."""

from __future__ import annotations

from flask import current_app, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import ServiceError
from formflow.io.import_jobs import FINAL, ImportJob
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.records.entities import entity_crumbs
from formflow.web.rendering import render

#: Seconds between two looks at a running job's progress.
POLL_SECONDS = 1


@web.before_app_request
def allow_resume_uploads():
    """A corrected file may be as large as an import (read before the CSRF check)."""
    if request.endpoint == "web.resume_import_job" and request.method == "POST":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@web.get("/import-jobs/<int:job_id>")
def import_job(job_id: int):
    return _page(get_runtime().import_jobs.get(signed_in(), job_id))


@web.post("/import-jobs/<int:job_id>/cancel")
def cancel_import_job(job_id: int):
    user = signed_in()
    jobs = get_runtime().import_jobs
    try:
        jobs.cancel(user, job_id)
    except ServiceError as error:
        return _page(jobs.get(user, job_id), error.message.render(page_language()), 409)
    return redirect(url_for("web.import_job", job_id=job_id))


@web.post("/import-jobs/<int:job_id>/resume")
def resume_import_job(job_id: int):
    user = signed_in()
    jobs = get_runtime().import_jobs
    upload = request.files.get("file")
    data = upload.read() if upload and upload.filename else None
    try:
        jobs.resume(user, job_id, data or None)
    except ServiceError as error:
        return _page(jobs.get(user, job_id), error.message.render(page_language()), 409)
    return redirect(url_for("web.import_job", job_id=job_id))


def _page(job: ImportJob, problem: str | None = None, status: int = 200):
    entity = get_runtime().model.entity(job.entity)
    crumbs = [*(entity_crumbs(entity, page_language()) if entity else []),
              (_("Background import"), None)]
    return render("records/import_job", "records/_import_job", crumbs=crumbs, status=status,
                  job=job, target=entity, problem=problem, poll=POLL_SECONDS, final=FINAL)
