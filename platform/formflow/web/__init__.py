"""Server-rendered pages: Jinja templates with htmx for partial updates.

The pages are split by area, each module adding its routes to the ``web`` blueprint
(:mod:`formflow.web.blueprint`):

- :mod:`formflow.web.records`: an entity's list, form, record page, import and export,
  files, pickers, and how field values are shown and read back from forms.
- :mod:`formflow.web.process`: the record page's process area and action dialogs, the
  diagram, the inbox, reassigning a task and rating a finished case.
- :mod:`formflow.web.insights`: dashboards and process figures.
- :mod:`formflow.web.account`: the signed-in user's profile, deputies and notifications.
- :mod:`formflow.web.admin`: the admin area's sections (users, departments, roles, the
  organisation file, hourly costs, plugins, automations, the audit log), on the
  ``admin`` blueprint of :mod:`formflow.web.admin.area` (nested in ``web``; endpoints
  ``web.admin.<page>``), whose one guard lets only admins in.
- the ``designer_*`` modules: the browser designer (apps, form, conditions, lists and
  permissions, processes, dashboards, customisations of shipped apps, preview, publish).

What every area shares stays here: :mod:`~formflow.web.auth` (sign in and out, the
sign-in wall, CSRF) and :mod:`~formflow.web.sso`; :mod:`~formflow.web.shell` (the
frame of every page, error pages, the home page); :mod:`~formflow.web.rendering`,
:mod:`~formflow.web.language`, :mod:`~formflow.web.redirects`,
:mod:`~formflow.web.csrf` and :mod:`~formflow.web.headers`.

:func:`init_app` registers the blueprint and sets up the templates, sign-in and
translations on the app (:func:`formflow.web.setup.init_web`).
"""

from __future__ import annotations

from functools import cache

from flask import Flask

from formflow.web.blueprint import web

__all__ = ["init_app", "web"]


def init_app(app: Flask) -> None:
    _add_routes()
    app.register_blueprint(web)
    from formflow.web.setup import init_web

    init_web(app)


@cache
def _add_routes() -> None:
    """Import the page modules, each adding its routes to the blueprint: on the first
    app's set-up, so what imports a helper of this package (a plugin's pages, say) does
    not import every page."""
    from formflow.web import (  # noqa: F401  (each module adds its routes to the blueprint)
        auth,
        designer_apps,
        designer_automations,
        designer_dashboards,
        designer_form,
        designer_overlays,
        designer_presence,
        designer_preview,
        designer_process,
        designer_publish,
        designer_settings,
        shell,
        sso,
    )
    from formflow.web.account import delegations, notifications, profile  # noqa: F401
    from formflow.web.admin import (  # noqa: F401
        area,
        audit,
        automations,
        costs,
        departments,
        organisation,
        plugins,
        roles,
        users,
    )
    from formflow.web.insights import dashboards, processes  # noqa: F401
    from formflow.web.process import (  # noqa: F401
        actions,
        case_feedback,
        inbox,
        inbox_actions,
        task_reassign,
    )
    from formflow.web.records import (  # noqa: F401
        files,
        form,
        import_columns,
        import_export,
        import_jobs,
        listing,
        page,
        pickers,
        plugin_actions,
        saved_views,
    )

    web.register_blueprint(area.admin)  # nested: the sign-in wall and error pages apply
