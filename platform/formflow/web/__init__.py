"""Server-rendered pages: Jinja templates with htmx for partial updates.

One module per page area, each adding its routes to the ``web`` blueprint:

- :mod:`~formflow.web.auth`: sign in and out (Flask-Login), the sign-in wall, CSRF.
- :mod:`~formflow.web.shell`: the frame of every page (navigation, language switch,
  breadcrumbs, flash messages, error pages) and the home page.
- :mod:`~formflow.web.records_list`: an entity's list and its trash;
  :mod:`~formflow.web.saved_views`: saving and deleting a user's list views.
- :mod:`~formflow.web.records_io`: its CSV/XLSX export and the import pages;
  :mod:`~formflow.web.import_columns`: choosing the field of each imported column;
  :mod:`~formflow.web.import_jobs_view`: a big file's background import (progress,
  cancel, resume).
- :mod:`~formflow.web.records_form`: the create and edit forms and their live preview.
- :mod:`~formflow.web.records_view`: a record's page, history, delete and restore.
- :mod:`~formflow.web.process_area` and :mod:`~formflow.web.process_actions`: the
  record page's process area (diagram, progress, action buttons) and the action dialogs.
- :mod:`~formflow.web.inbox`, :mod:`~formflow.web.inbox_rows` and
  :mod:`~formflow.web.inbox_actions`: the inbox tabs, the navigation bar's counts, and
  deciding tasks from the list.
- :mod:`~formflow.web.insights_view`: the process catalogue, a process watched live and
  its figures, and two selections of its cases compared.
- :mod:`~formflow.web.case_feedback`: the requester's rating of a finished case and the
  admin page of hourly costs per role.
- :mod:`~formflow.web.dashboards_view`: dashboards over records;
  :mod:`~formflow.web.designer_dashboards`: editing them in the designer.
- :mod:`~formflow.web.notifications_view`: the notifications page and its read marks.
- :mod:`~formflow.web.pickers`: search-as-you-type choices for link, user and
  department inputs.
- :mod:`~formflow.web.files`: uploads (content-addressed under the instance folder) and
  downloads with permission checks.
- :mod:`~formflow.web.profile`: the signed-in user's password and API tokens;
  :mod:`~formflow.web.profile_delegations`: their deputies (委托).
- :mod:`~formflow.web.record_plugin_actions`: the record page's plugin action buttons.
- :mod:`~formflow.web.task_reassign`: admins hand a pending task to someone else.
- :mod:`~formflow.web.admin_area` and the ``admin_*`` modules: the admin area (users,
  departments, roles, the organisation file, plugins, automations, the audit log), for
  admins only.

Registering the blueprint sets up sign-in and translations on the app
(:func:`formflow.web.setup.init_web`).
"""

from __future__ import annotations

from formflow.web import (  # noqa: F401  (each module adds its routes to the blueprint)
    admin_area,
    admin_audit,
    admin_automations,
    admin_departments,
    admin_org,
    admin_plugins,
    admin_roles,
    admin_users,
    auth,
    case_feedback,
    dashboards_view,
    designer_apps,
    designer_dashboards,
    designer_form,
    designer_process,
    designer_presence,
    designer_preview,
    designer_overlays,
    designer_publish,
    designer_settings,
    files,
    import_columns,
    import_jobs_view,
    inbox,
    inbox_actions,
    insights_view,
    notifications_view,
    pickers,
    process_actions,
    profile,
    profile_delegations,
    record_plugin_actions,
    records_form,
    records_io,
    records_list,
    records_view,
    saved_views,
    shell,
    sso,
    task_reassign,
)
from formflow.web.blueprint import web
from formflow.web.setup import init_web

web.record_once(lambda state: init_web(state.app))

__all__ = ["web"]
