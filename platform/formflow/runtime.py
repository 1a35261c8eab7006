"""The runtime: everything one app instance needs, built once by ``create_app`` and kept
in ``app.extensions["formflow"]``.  Services reach it through :func:`get_runtime`.

Plugins shape the metadata language, so they come first: plugins are discovered and
their field types, expression functions and tables registered; then the metadata is
loaded and checked against them; then the services are built and the plugin set is
completed with the model and the built-in plugins (the process engine).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app

from formflow.auth import LoginThrottle
from formflow.fields import Registry, builtin_registry
from formflow.io.exporting import Exporter
from formflow.io.importing import Importer
from formflow.metadata.loader import load
from formflow.plugins.jobs import JobRunner
from formflow.plugins.loading import discover
from formflow.plugins.manager import PluginLoadError, PluginSet
from formflow.process.calendar_service import CalendarService
from formflow.process.engine import ProcessEngine
from formflow.process.mail import Mailer
from formflow.process.notifications import NotificationService
from formflow.process.registry import ProcessRegistry
from formflow.process.service import ProcessService
from formflow.process.sla import SlaTimers
from formflow.records.actions import RecordActionService
from formflow.records.service import RecordService
from formflow.storage.database import Database
from formflow.storage.tables import build_schema


def plugin_extensions(plugins: PluginSet) -> tuple[Registry, dict[str, Callable[..., Any]]]:
    """The field types (built-in and from plugins) and the plugins' expression
    functions: what the metadata may use."""
    return plugins.add_field_types(builtin_registry()), plugins.expression_functions()


def load_plugins(settings: Mapping[str, Any]) -> PluginSet:
    """The plugins of the plugin path and of installed distributions (first phase)."""
    return PluginSet(discover(settings["PLUGINS_PATH"]), strict=settings["PLUGINS_STRICT"],
                     config=settings)


class Runtime:
    def __init__(self, settings: dict[str, Any]):
        self.settings = settings
        self.plugins = load_plugins(settings)
        self.field_types, self.functions = plugin_extensions(self.plugins)
        self.model = load(
            settings["METADATA_PATH"],
            field_types=list(self.field_types),
            functions=list(self.functions),
        )
        self.schema = build_schema(self.model, self.field_types, self._plugin_tables())
        self.db = Database(settings["DATABASE_URL"])
        self.records = RecordService(
            self.db, self.model, self.schema, self.field_types, timezone=settings["TIMEZONE"],
            plugins=self.plugins, functions=self.functions,
        )
        self.importer = Importer(self.records, settings["IMPORT_MAX_ROWS"],
                                 settings["IMPORT_MAX_BYTES"])
        self.exporter = Exporter(self.records, settings["EXPORT_MAX_ROWS"])
        self.processes = ProcessRegistry()
        engine = ProcessEngine(self.model, self.processes, self.records)
        self.plugins.complete(self.model, [("process_engine", engine)])
        self.plugins.runtime = self
        self.process = ProcessService(self.db, self.model, self.records, engine)
        self.record_actions = RecordActionService(self.records, self.plugins.record_actions())
        self.jobs = JobRunner(self.db, self.plugins.jobs(), self.plugins)
        self.mailer = Mailer(self.db, self.model, self.schema, settings)
        engine.on_notify = self.mailer.queue
        self.sla = SlaTimers(self.db, engine, self.mailer)
        self.calendar = CalendarService(self.db, settings["TIMEZONE"])
        self.notifications = NotificationService(
            self.db, self.model, self.schema, settings["TIMEZONE"]
        )
        self.login_throttle = LoginThrottle(
            max_attempts=settings["LOGIN_ATTEMPTS"],
            window_seconds=settings["LOGIN_WINDOW_SECONDS"],
            redis_url=settings["REDIS_URL"],
        )

    def _plugin_tables(self):
        tables = self.plugins.tables()
        taken = {f"{e.app}__{e.name}" for e in self.model.entities()}
        names = [t.name for t in tables]
        clash = next((n for n in names if n in taken or names.count(n) > 1), None)
        if clash:
            raise PluginLoadError(f"plugin table {clash!r} is defined twice")
        return tables


def get_runtime() -> Runtime:
    return current_app.extensions["formflow"]
