"""Admin page for the organisation file (``/admin/organisation``): download every
department and user as CSV or XLSX, and upload such a file.  As with records, the upload
is first checked as a dry run (every problem by row and column, or what would be created
and updated); the admin then confirms and the same file is imported.  Writes go
through :class:`formflow.io.org.OrgTransfer`."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import ServiceError
from formflow.http.downloads import download
from formflow.io.importing import ImportFailed, error_lines
from formflow.runtime import get_runtime
from formflow.web.admin.area import admin, admin_render
from formflow.web.auth import signed_in
from formflow.web.language import page_language
from formflow.web.records.import_export import forget_upload, keep_upload, pending_upload

#: What a pending organisation upload is kept for (entities are named ``app.entity``).
PENDING = "organisation"


@admin.before_app_request
def allow_org_uploads():
    """An organisation file may be larger than other requests."""
    if request.endpoint == "web.admin.organisation" and request.method == "POST":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@admin.get("/organisation/export.<any(csv, xlsx):file_format>")
def export_organisation(file_format: str):
    export = get_runtime().org.export(signed_in(), file_format)
    return download(export.chunks, export.mimetype, export.filename)


@admin.route("/organisation", methods=["GET", "POST"])
def organisation():
    """The download links and the upload form; a posted file is checked (dry run)."""
    user = signed_in()
    get_runtime().org.require_admin(user)
    context = {"result": None, "errors": [], "problem": None, "token": None}
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        if not data:
            context["problem"] = _("Choose a CSV or XLSX file.")
        else:
            context.update(_check(user, data))
    return _page(context)


@admin.post("/organisation/confirm")
def confirm_organisation():
    """Import the checked file for real."""
    user = signed_in()
    token = request.form.get("token", "")
    path = pending_upload(PENDING, token)
    try:
        result = get_runtime().org.import_file(user, path.read_bytes())
    except ImportFailed as failed:  # the directory changed since the check
        return _page({"result": None, "token": token,
                      "errors": error_lines(failed.errors, page_language()),
                      "problem": failed.message.render(page_language())})
    forget_upload(token, path)
    flash(_("Imported: %(departments)s departments and %(users)s users created, "
            "%(updated)s rows updated.", departments=result.departments_created,
            users=result.users_created,
            updated=result.departments_updated + result.users_updated), "success")
    if result.without_password:
        flash(_("New users have no password and cannot sign in until one is set: "
                "%(names)s", names=", ".join(result.without_password)), "warning")
    return redirect(url_for("web.admin.organisation"))


def _check(user, data: bytes) -> dict:
    lang = page_language()
    try:
        result = get_runtime().org.import_file(user, data, dry_run=True)
    except ImportFailed as failed:
        return {"errors": error_lines(failed.errors, lang), "problem": failed.message.render(lang)}
    except ServiceError as error:
        return {"problem": error.message.render(lang)}
    return {"result": result, "token": keep_upload(PENDING, data)}


def _page(context: dict):
    failed = bool(context["errors"] or context["problem"])
    return admin_render("admin/organisation", "organisation", [(_("Organisation file"), None)],
                        status=422 if failed else 200, **context)
