"""The admin area's frame (``/admin``): its front page, the section tabs, and what its
pages share: reading optional form values and showing a service's validation errors
beside their inputs.  Every page asks a service that refuses anyone but an admin, so
others get the 403 page.  The sections live in ``admin_users``, ``admin_departments``,
``admin_roles``, ``admin_org``, ``admin_plugins``, ``admin_automations`` and
``admin_audit``; a plugin's own admin page (``/admin/webhooks``) is a tab when the plugin
registers it (``register_admin_links``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import gettext as _

from formflow.auth.directory import DepartmentRow
from formflow.errors import ValidationFailed
from formflow.i18n import render_errors
from formflow.metadata.model import Label
from formflow.plugins.report import describe_plugins
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.rendering import render


@dataclass(frozen=True)
class Tab:
    name: str
    label: str
    url: str


def tabs() -> list[Tab]:
    """The admin area's sections, then the plugin pages that exist in this install."""
    found = [
        Tab("users", _("Users"), url_for("web.admin_users")),
        Tab("departments", _("Departments"), url_for("web.admin_departments")),
        Tab("roles", _("Roles"), url_for("web.admin_roles")),
        Tab("organisation", _("Organisation file"), url_for("web.admin_organisation")),
        Tab("plugins", _("Plugins"), url_for("web.admin_plugins")),
        Tab("automations", _("Automations"), url_for("web.admin_automations")),
        Tab("audit", _("Audit log"), url_for("web.admin_audit")),
    ]
    lang = page_language()
    for link in get_runtime().admin_links:  # register_admin_links
        if link.endpoint in current_app.view_functions:
            label = Label.of(link.label).text(lang)
            found.append(Tab(link.endpoint, label, url_for(link.endpoint)))
    return found


def admin_render(page: str, section: str | None, crumbs=(), partial: str | None = None,
                 status: int = 200, **context):
    """Render an admin page with the tabs (``section`` is the current one)."""
    trail = [(_("Administration"), url_for("web.admin_home")), *crumbs]
    return render(page, partial, status=status, tabs=tabs(), section=section, crumbs=trail,
                  **context)


def optional(name: str) -> str | None:
    """A form value with surrounding blanks removed; an empty one is None."""
    value = request.form.get(name, "").strip()
    return value or None


def department_choices(rows: Iterable[DepartmentRow]) -> list[tuple[str, str]]:
    """``(code, text)`` for a department select, indented by depth in the tree."""
    return [(r.department.code, f"{'　' * r.depth}{r.department.name} ({r.department.code})")
            for r in rows]


def field_errors(failed: ValidationFailed) -> dict[str, list[str]]:
    return render_errors(failed.errors, page_language())


@web.get("/admin")
def admin_home():
    user = signed_in()
    runtime = get_runtime()
    counts = runtime.directory.summary(user)
    plugins = describe_plugins(user, runtime.plugins, runtime.jobs, page_language())
    return admin_render("admin/index", None, counts=counts, plugins=plugins)
