"""The admin area's frame (``/admin``): the ``admin`` blueprint, nested in ``web`` (so
the sign-in wall, CSRF check and error pages apply), with one guard before every admin
page — :meth:`formflow.auth.directory.Directory.require_admin` decides, and anyone but
an admin gets the 403 page; its front page and the section tabs.  The sections live
beside it in :mod:`formflow.web.admin`; a plugin's own admin page (``/admin/webhooks``)
is a tab when the plugin registers it (``register_admin_links``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Blueprint, current_app, url_for
from flask_babel import gettext as _

from formflow.auth.directory import DepartmentRow
from formflow.metadata.model import Label
from formflow.plugins.report import describe_plugins
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.language import page_language
from formflow.web.rendering import render

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.before_request
def admins_only() -> None:
    """Every admin page is for admins: the directory service refuses anyone else."""
    get_runtime().directory.require_admin(signed_in())


@dataclass(frozen=True)
class Tab:
    name: str
    label: str
    url: str


def tabs() -> list[Tab]:
    """The admin area's sections, then the plugin pages that exist in this install."""
    found = [
        Tab("users", _("Users"), url_for("web.admin.users")),
        Tab("departments", _("Departments"), url_for("web.admin.departments")),
        Tab("roles", _("Roles"), url_for("web.admin.roles")),
        Tab("organisation", _("Organisation file"), url_for("web.admin.organisation")),
        Tab("costs", _("Hourly costs"), url_for("web.admin.costs")),
        Tab("plugins", _("Plugins"), url_for("web.admin.plugins")),
        Tab("automations", _("Automations"), url_for("web.admin.automations")),
        Tab("audit", _("Audit log"), url_for("web.admin.audit")),
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
    trail = [(_("Administration"), url_for("web.admin.home")), *crumbs]
    return render(page, partial, status=status, tabs=tabs(), section=section, crumbs=trail,
                  **context)


def department_choices(rows: Iterable[DepartmentRow]) -> list[tuple[str, str]]:
    """``(code, text)`` for a department select, indented by depth in the tree."""
    return [(r.department.code, f"{'　' * r.depth}{r.department.name} ({r.department.code})")
            for r in rows]


@admin.get("")
def home():
    user = signed_in()
    runtime = get_runtime()
    counts = runtime.directory.summary(user)
    plugins = describe_plugins(user, runtime.plugins, runtime.jobs, page_language())
    return admin_render("admin/index", None, counts=counts, plugins=plugins)
