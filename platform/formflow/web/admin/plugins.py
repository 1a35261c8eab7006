"""Admin page for plugins (``/admin/plugins``): what ``GET /api/v1/admin/plugins``
answers (:func:`formflow.plugins.report.describe_plugins`), as a page: the loaded
plugins with their apps, hooks, jobs and settings, then those that failed and why."""

from __future__ import annotations

from flask_babel import gettext as _

from formflow.plugins.report import describe_plugins
from formflow.runtime import get_runtime
from formflow.web.admin.area import admin, admin_render
from formflow.web.auth import signed_in
from formflow.web.language import page_language


@admin.get("/plugins")
def plugins():
    runtime = get_runtime()
    plugins = describe_plugins(signed_in(), runtime.plugins, runtime.jobs, page_language())
    return admin_render(
        "admin/plugins", "plugins", [(_("Plugins"), None)],
        loaded=[p for p in plugins if p["loaded"]],
        failed=[p for p in plugins if not p["loaded"]],
    )
