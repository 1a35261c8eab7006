"""The services of the runtime beyond its core, each built on first use.

:class:`Services` is the second half of :class:`formflow.runtime.Runtime`: the core
(database, plugins, metadata, records service and process engine) is built when the
runtime is; every service here is a cached attribute built from the core the first time
it is asked for, and its module is imported then.  A runtime serving pages builds them
all at once (``build_services``), so a web worker starts with every service ready; a
command that works on data (``formflow import``, ``export``, ``tick``...) builds only the
ones it uses and imports none of the others, which is most of its start-up.

Each service is given its collaborators here; it never reaches through another service
for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formflow.io.reading import ReadLimits

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from formflow.auth.accounts import AccountService
    from formflow.auth.admin_log import AdminLog
    from formflow.auth.directory import Directory
    from formflow.auth.single_sign_on import SingleSignOn
    from formflow.automations.log import AutomationLog
    from formflow.insights.dashboards import DashboardService
    from formflow.insights.event_export import EventExport
    from formflow.insights.feedback import FeedbackService
    from formflow.insights.monitor import Monitor
    from formflow.insights.overdue import OverdueActions
    from formflow.insights.recorder import CaseRecorder
    from formflow.insights.service import InsightsService
    from formflow.io.exporting import Exporter
    from formflow.io.import_jobs import ImportJobs
    from formflow.io.import_worker import ImportWorker
    from formflow.io.importing import Importer
    from formflow.io.org import OrgTransfer
    from formflow.plugins.actions import RecordActionService
    from formflow.plugins.jobs import JobRunner
    from formflow.process.calendar.service import CalendarService
    from formflow.process.delegation import Delegations
    from formflow.process.eventlog import EventLog
    from formflow.process.inbox import Inbox
    from formflow.process.navigation import Navigation
    from formflow.process.notifications.mail import Mailer
    from formflow.process.notifications.service import NotificationService
    from formflow.process.record_page import RecordPages
    from formflow.process.service import ProcessService
    from formflow.process.sla import SlaTimers
    from formflow.records.files import FileStore
    from formflow.records.list_views import ListViews
    from formflow.records.people import People
    from formflow.records.titles import ReferenceTitles


def import_limits(settings: dict[str, Any]) -> ReadLimits:
    return ReadLimits(rows=settings["IMPORT_MAX_ROWS"], columns=settings["IMPORT_MAX_COLUMNS"],
                      cells=settings["IMPORT_MAX_CELLS"], seconds=settings["IMPORT_MAX_SECONDS"])


def background_import_limits(settings: dict[str, Any]) -> ReadLimits:
    """How much of a file a background import reads: its rows, and cells in proportion."""
    rows = settings["IMPORT_BACKGROUND_MAX_ROWS"]
    cells = settings["IMPORT_MAX_CELLS"] * max(1, rows // settings["IMPORT_MAX_ROWS"])
    return ReadLimits(rows=rows, columns=settings["IMPORT_MAX_COLUMNS"], cells=cells,
                      seconds=settings["IMPORT_BACKGROUND_MAX_SECONDS"])


class Services:
    """The services built on first use, from the core the runtime sets up."""

    def build_services(self) -> None:
        """Build every service now (what a runtime serving pages does at start)."""
        for name, member in vars(Services).items():
            if isinstance(member, cached_property):
                getattr(self, name)

    def queue_mail(self, conn: Connection, notification_id: int) -> None:
        """The process engine's ``on_notify``: the mailer, built when first needed."""
        self.mailer.queue(conn, notification_id)

    def record_case_event(self, engine, case, event: Mapping[str, Any]) -> None:
        """The process engine's ``on_event``: the case figures, kept up to date."""
        self.case_recorder.event(engine, case, event)

    # Records: files, people, saved list views, the titles of referenced records.

    @cached_property
    def files(self) -> FileStore:
        from formflow.records.files import FileStore
        from formflow.storage.contents import make_contents

        return FileStore(make_contents(self.settings, self.db,
                                       Path(self.settings["INSTANCE_PATH"])))

    @cached_property
    def people(self) -> People:
        from formflow.records.people import People

        return People(self.db)

    @cached_property
    def list_views(self) -> ListViews:
        from formflow.records.list_views import ListViews

        return ListViews(self.db)

    @cached_property
    def titles(self) -> ReferenceTitles:
        from formflow.records.titles import ReferenceTitles

        return ReferenceTitles(self.records, self.people, self.field_types)

    @cached_property
    def record_actions(self) -> RecordActionService:
        from formflow.plugins.actions import RecordActionService

        return RecordActionService(self.db, self.records, self.internal_records,
                                   self.plugins, self.plugins.record_actions())

    @cached_property
    def jobs(self) -> JobRunner:
        from formflow.plugins.jobs import JobRunner

        return JobRunner(self.db, self.plugins.jobs(), self.plugins)

    # Import and export.

    @cached_property
    def importer(self) -> Importer:
        from formflow.io.importing import Importer

        return Importer(self.db, self.model, self.schema, self.field_types, self.records,
                        self.internal_records, import_limits(self.settings),
                        self.settings["IMPORT_MAX_BYTES"])

    @cached_property
    def import_jobs(self) -> ImportJobs:
        from formflow.io.import_jobs import ImportJobs

        return ImportJobs(self.db, self.importer, self.settings["IMPORT_BACKGROUND_ROWS"],
                          background_import_limits(self.settings))

    @cached_property
    def import_worker(self) -> ImportWorker:
        from formflow.io.import_worker import ImportWorker

        return ImportWorker(self.db, self.importer, background_import_limits(self.settings))

    @cached_property
    def exporter(self) -> Exporter:
        from formflow.io.exporting import Exporter

        return Exporter(self.db, self.model, self.schema, self.field_types, self.records,
                        self.settings["EXPORT_MAX_ROWS"])

    @cached_property
    def org(self) -> OrgTransfer:
        from formflow.io.org import OrgTransfer

        return OrgTransfer(self.db, self.model, import_limits(self.settings),
                           self.settings["IMPORT_MAX_BYTES"], self.account_policy,
                           on_deactivate=self.process.user_deactivated)

    # The process: actions, the inbox, timers, the calendar, notifications.

    @cached_property
    def process(self) -> ProcessService:
        from formflow.process.service import ProcessService

        return ProcessService(self.db, self.model, self.schema, self.field_types,
                              self.records, self.internal_records, self.engine)

    @cached_property
    def events(self) -> EventLog:
        from formflow.process.eventlog import EventLog

        return EventLog(self.db, self.model, self.schema, self.records)

    @cached_property
    def inbox(self) -> Inbox:
        from formflow.process.inbox import Inbox

        return Inbox(self.process)

    @cached_property
    def record_pages(self) -> RecordPages:
        from formflow.process.record_page import RecordPages

        return RecordPages(self.db, self.model, self.records, self.process,
                           self.record_actions, self.titles, self.feedback)

    @cached_property
    def navigation(self) -> Navigation:
        from formflow.process.navigation import Navigation

        return Navigation(self.db, self.process, self.notifications)

    @cached_property
    def sla(self) -> SlaTimers:
        from formflow.process.sla import SlaTimers

        return SlaTimers(self.db, self.engine, self.mailer)

    @cached_property
    def calendar(self) -> CalendarService:
        from formflow.process.calendar.service import CalendarService

        return CalendarService(self.db, self.timezone)

    @cached_property
    def delegations(self) -> Delegations:
        from formflow.process.delegation import Delegations

        return Delegations(self.db, self.model, self.timezone)

    @cached_property
    def case_recorder(self) -> CaseRecorder:
        from formflow.insights.recorder import CaseRecorder

        return CaseRecorder(self.timezone)

    @cached_property
    def notification_kinds(self) -> dict[str, Any]:
        """The kinds of notification: the built-in ones and the plugins'."""
        from formflow.insights.feedback import RATE_TEXTS
        from formflow.process.notifications.service import TEXTS

        builtin = {**TEXTS, **RATE_TEXTS}
        return {**builtin, **self.plugins.notification_kinds(builtin)}

    @cached_property
    def mailer(self) -> Mailer:
        from formflow.process.notifications.mail import Mailer

        return Mailer(self.db, self.model, self.schema, self.settings,
                      kinds=self.notification_kinds)

    @cached_property
    def notifications(self) -> NotificationService:
        from formflow.process.notifications.service import NotificationService

        return NotificationService(self.db, self.model, self.schema, self.timezone,
                                   kinds=self.notification_kinds,
                                   on_notify=self.mailer.queue)

    # Accounts and administration.

    @cached_property
    def accounts(self) -> AccountService:
        from formflow.auth.accounts import AccountService

        return AccountService(self.db, self.account_policy)

    @cached_property
    def sso(self) -> SingleSignOn | None:
        if self.sso_settings is None:
            return None
        from formflow.auth.single_sign_on import SingleSignOn

        return SingleSignOn(self.db, self.sso_settings, self.model.roles)

    @cached_property
    def directory(self) -> Directory:
        from formflow.auth.directory import Directory

        return Directory(self.db, self.model, self.account_policy,
                         on_deactivate=self.process.user_deactivated)

    @cached_property
    def admin_log(self) -> AdminLog:
        from formflow.auth.admin_log import AdminLog

        return AdminLog(self.db, self.timezone, self.plugins.admin_log_actions())

    @cached_property
    def automation_log(self) -> AutomationLog:
        from formflow.automations.log import AutomationLog

        return AutomationLog(self.db, self.timezone)

    # Insights.

    @cached_property
    def feedback(self) -> FeedbackService:
        from formflow.insights.feedback import FeedbackService

        return FeedbackService(self.db, self.model, self.records)

    @cached_property
    def insights(self) -> InsightsService:
        from formflow.insights.service import InsightsService

        return InsightsService(self.db, self.model, self.schema, self.timezone, self.feedback)

    @cached_property
    def monitor(self) -> Monitor:
        from formflow.insights.monitor import Monitor

        return Monitor(self.db, self.insights, self.processes)

    @cached_property
    def overdue(self) -> OverdueActions:
        from formflow.insights.overdue import OverdueActions

        return OverdueActions(self.db, self.insights, self.process)

    @cached_property
    def event_export(self) -> EventExport:
        from formflow.insights.event_export import EventExport

        return EventExport(self.db, self.insights)

    @cached_property
    def dashboards(self) -> DashboardService:
        from formflow.insights.dashboards import DashboardService

        return DashboardService(self.db, self.model, self.schema, self.timezone, self.records)
