"""The runtime: everything one app instance needs, built once by ``create_app`` and kept
in ``app.extensions["formflow"]``.  Services reach it through :func:`get_runtime`.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from formflow.auth import LoginThrottle
from formflow.expressions import BUILTIN_FUNCTIONS
from formflow.fields import builtin_registry
from formflow.metadata.loader import load
from formflow.plugins.loading import discover
from formflow.plugins.manager import PluginSet
from formflow.process.calendar_service import CalendarService
from formflow.process.engine import ProcessEngine
from formflow.process.mail import Mailer
from formflow.process.notifications import NotificationService
from formflow.process.registry import ProcessRegistry
from formflow.process.service import ProcessService
from formflow.process.sla import SlaTimers
from formflow.records.service import RecordService
from formflow.storage.database import Database
from formflow.storage.tables import build_schema


class Runtime:
    def __init__(self, settings: dict[str, Any]):
        self.settings = settings
        self.field_types = builtin_registry()
        self.model = load(
            settings["METADATA_PATH"],
            field_types=list(self.field_types),
            functions=list(BUILTIN_FUNCTIONS),
        )
        self.schema = build_schema(self.model, self.field_types)
        self.db = Database(settings["DATABASE_URL"])
        self.records = RecordService(
            self.db, self.model, self.schema, self.field_types, timezone=settings["TIMEZONE"]
        )
        self.processes = ProcessRegistry()
        engine = ProcessEngine(self.model, self.processes, self.records)
        self.plugins = PluginSet(
            self.model, [("process_engine", engine)], discover(settings["PLUGINS_PATH"]),
            strict=settings["PLUGINS_STRICT"],
        )
        self.records.plugins = self.plugins
        self.process = ProcessService(self.db, self.model, self.records, engine)
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


def get_runtime() -> Runtime:
    return current_app.extensions["formflow"]
