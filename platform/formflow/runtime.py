"""The runtime: everything one app instance needs, built once by ``create_app`` and kept
in ``app.extensions["formflow"]``.  Services reach it through :func:`get_runtime`.

Plugins shape the metadata language, so they come first: plugins are discovered and
their field types, expression functions and tables registered; then the metadata is
loaded and checked against them; then the core services (the records service and the
process engine) are built and the plugin set is completed with the model and the
built-in plugins (the process engine).  The other services (:mod:`formflow.runtime_services`)
are built with it, or on first use for a runtime built ``lazy`` (the data commands').

When newer metadata is published, :meth:`Runtime.reloaded` builds the next runtime from
the same settings; it shares what does not depend on the metadata (the database and its
connection pool, the imported plugin modules, the sign-in throttle) with this one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import current_app, g

from formflow.auth import LoginThrottle
from formflow.auth.policy import AccountPolicy
from formflow.auth.single_sign_on import OidcSettings
from formflow.automations.runner import AutomationRunner
from formflow.design.overlay_store import published_overlays
from formflow.design.site_apps import published_site_apps
from formflow.fields import Registry, builtin_registry
from formflow.insights import baseline, feedback, summary
from formflow.io import import_jobs
from formflow.metadata.loader import load
from formflow.metadata.model import Model
from formflow.metadata.problems import MetadataError
from formflow.metadata.valid_documents import ValidDocuments
from formflow.plugins import jobs
from formflow.plugins.loading import LoadedPlugin, discover
from formflow.plugins.manager import PluginLoadError, PluginSet
from formflow.process.engine import ProcessEngine
from formflow.process.hidden_fields import HiddenAtStep
from formflow.process.read_scope import TaskHolders
from formflow.process.registry import ProcessRegistry
from formflow.records import list_views
from formflow.records.access import ReadScopes
from formflow.records.internal import InternalRecords
from formflow.records.limits import RecordLimits
from formflow.records.service import RecordService
from formflow.runtime_services import Services
from formflow.storage import contents, files
from formflow.storage.database import Database
from formflow.storage.revision import current_revision
from formflow.storage.tables import Schema, build_schema

log = logging.getLogger(__name__)
#: The modules of services built on first use that define system tables: imported with
#: the runtime whatever a command builds, so its schema (and ``init``, ``migrate``) has
#: every table.
SYSTEM_TABLE_MODULES = (baseline, feedback, summary, import_jobs, jobs, list_views, files,
                        contents)
#: The file of the instance folder remembering which metadata documents are valid.
VALID_DOCUMENTS_FILE = "metadata-valid.json"

def plugin_extensions(plugins: PluginSet) -> tuple[Registry, dict[str, Callable[..., Any]]]:
    """The field types (built-in and from plugins) and the plugins' expression
    functions: what the metadata may use."""
    return plugins.add_field_types(builtin_registry()), plugins.expression_functions()


def load_plugins(
    settings: Mapping[str, Any], found: list[LoadedPlugin] | None = None
) -> PluginSet:
    """The plugins of the plugin path and of installed distributions (first phase);
    ``found``: plugins discovered before, not imported again."""
    if found is None:
        found = discover(settings["PLUGINS_PATH"])
    return PluginSet(found, strict=settings["PLUGINS_STRICT"], config=settings)


class Runtime(Services):
    def __init__(
        self,
        settings: dict[str, Any],
        *,
        previous: Runtime | None = None,
        site_apps: Mapping[str, Mapping[str, Any]] | None = None,
        prepared: tuple[Model, Schema] | None = None,
        overlays: Mapping[str, list[dict]] | None = None,
        lazy: bool = False,
    ):
        """``site_apps``: the site apps to load (default: the published ones);
        ``overlays``: the overlays of shipped apps to load (default: the published ones);
        ``prepared``: the model of the metadata path and those site apps, and its
        schema, when the caller built them already; ``lazy``: build each service of
        :class:`Services` when first used instead of now (a runtime built from this one
        is built the same way)."""
        self.settings = settings
        self.lazy = lazy
        self.db = previous.db if previous else Database(settings["DATABASE_URL"])
        #: The published metadata revision this runtime was built from; read before the
        #: metadata, so a publish in between makes the next check load it again.
        self.revision = current_revision(self.db)
        #: The plugin modules, imported once per process.
        self.discovered = previous.discovered if previous else discover(settings["PLUGINS_PATH"])
        self.plugins = load_plugins(settings, self.discovered)
        self.field_types, self.functions = plugin_extensions(self.plugins)
        #: The site apps (kept in the database) this runtime serves: name -> documents.
        self.site_apps = dict(published_site_apps(self.db) if site_apps is None else site_apps)
        #: The overlays of shipped apps this runtime serves: app -> [{"op", "was"}].
        self.overlays = dict(published_overlays(self.db) if overlays is None else overlays)
        #: The shipped documents of each file app, as its files hold them.
        self.shipped: dict[str, dict[str, Any]] = dict(previous.shipped) if previous else {}
        if prepared is None:
            self.model = self._load_model()
            self.schema = build_schema(self.model, self.field_types, self._plugin_tables())
        else:
            self.model, self.schema = prepared
        #: The time zone dates and deadlines are reckoned in.
        self.timezone = settings["TIMEZONE"]
        self.record_limits = RecordLimits(settings["TABLE_MAX_ROWS"], settings["RECORD_MAX_CELLS"])
        scopes = ReadScopes(self.schema, self.plugins)
        #: Records in the internal form, the caller deciding permission: for the engine,
        #: importers, automations, the demo and plugins.
        self.internal_records = InternalRecords(
            self.db, self.model, self.schema, self.field_types, plugins=self.plugins,
            scopes=scopes, timezone=self.timezone, functions=self.functions,
            limits=self.record_limits,
        )
        #: The permission-checking records API of pages, the REST API and the CLI.
        self.records = RecordService(
            self.db, self.model, self.schema, self.field_types,
            internal=self.internal_records, scopes=scopes, plugins=self.plugins,
            limits=self.record_limits, idempotency_seconds=settings["IDEMPOTENCY_SECONDS"],
        )
        self.processes = ProcessRegistry()
        #: The process engine, a built-in plugin: every record save may start or move a case.
        self.engine = ProcessEngine(self.model, self.processes, self.internal_records,
                                    schema=self.schema, field_types=self.field_types,
                                    plugins=self.plugins, timezone=self.timezone)
        self.plugins.complete(self.model, [("process_engine", self.engine),
                                           ("process_task_holders", TaskHolders()),
                                           ("process_hidden_fields",
                                            HiddenAtStep(self.model, self.processes)),
                                           ("automations", AutomationRunner(self.model))])
        self.plugins.runtime = self
        self.menu_links = self.plugins.menu_links()
        self.admin_links = self.plugins.admin_links()
        self.engine.on_notify = self.queue_mail
        self.engine.on_event = self.record_case_event
        self.account_policy = AccountPolicy.from_settings(settings)
        self.sso_settings = OidcSettings.from_settings(settings)
        self.login_throttle = previous.login_throttle if previous else LoginThrottle(
            max_attempts=settings["LOGIN_ATTEMPTS"],
            window_seconds=settings["LOGIN_WINDOW_SECONDS"],
            redis_url=settings["REDIS_URL"],
            db=self.db,
        )
        self.token_throttle = previous.token_throttle if previous else LoginThrottle(
            max_attempts=settings["TOKEN_ATTEMPTS"],
            window_seconds=settings["LOGIN_WINDOW_SECONDS"],
            redis_url=settings["REDIS_URL"],
            db=self.db,
        )
        if not lazy:
            self.build_services()

    def _load_model(self) -> Model:
        """The file apps and the site apps.  A site app that no longer loads (a plugin
        providing one of its field types was removed, say) is left out with an error in
        the log, so the other apps keep working; broken file apps stop the start."""
        valid = ValidDocuments(Path(self.settings["INSTANCE_PATH"]) / VALID_DOCUMENTS_FILE)

        def model() -> Model:
            return load(self.settings["METADATA_PATH"], field_types=self.field_types,
                        functions=list(self.functions), site_apps=self.site_apps,
                        adjust=self._overlaid, validate=valid.validate)

        try:
            loaded = model()
        except MetadataError as error:
            broken = {p.file.partition("/")[0] for p in error.problems}
            overlaid = broken & set(self.overlays)
            broken &= set(self.site_apps)
            if not broken and not overlaid:
                raise
            log.error("site apps or overlays left out, they do not load:\n%s", error)
            self.site_apps = {k: v for k, v in self.site_apps.items() if k not in broken}
            self.overlays = {k: v for k, v in self.overlays.items() if k not in overlaid}
            loaded = model()
        valid.save()
        return loaded

    def _overlaid(self, app: str, documents: dict[str, Any]) -> Mapping[str, Any]:
        """A file app's documents with its overlay (operations that no longer apply
        are skipped); remembers the shipped documents."""
        self.shipped[app] = documents
        items = self.overlays.get(app)
        if not items:
            return documents
        from formflow.design.overlay_apply import apply_overlay  # only an overlaid app's

        return apply_overlay(documents, items)[0]

    def reloaded(self) -> Runtime:
        """A runtime built from the metadata as it is now, sharing the database, the
        plugins and the sign-in and token throttles with this one."""
        return Runtime(self.settings, previous=self, lazy=self.lazy)

    def with_site_apps(
        self, site_apps: Mapping[str, Mapping[str, Any]],
        prepared: tuple[Model, Schema] | None = None,
    ) -> Runtime:
        """A runtime serving ``site_apps`` instead of the published ones (what a publish
        is about to make current), sharing what :meth:`reloaded` shares."""
        return Runtime(self.settings, previous=self, site_apps=site_apps, prepared=prepared,
                       lazy=self.lazy)

    def with_overlays(self, overlays: Mapping[str, list[dict]]) -> Runtime:
        """A runtime serving ``overlays`` instead of the published ones."""
        return Runtime(self.settings, previous=self, overlays=overlays, lazy=self.lazy)

    def plugin_tables(self):
        """The tables plugins add beside the entities' (checked for clashes)."""
        return self._plugin_tables()

    def _plugin_tables(self):
        tables = self.plugins.tables()
        taken = {f"{e.app}__{e.name}" for e in self.model.entities()}
        names = [t.name for t in tables]
        clash = next((n for n in names if n in taken or names.count(n) > 1), None)
        if clash:
            raise PluginLoadError(f"plugin table {clash!r} is defined twice")
        return tables


def get_runtime() -> Runtime:
    """The app's runtime, the same one for the whole request (or app context) even when
    newer metadata is loaded meanwhile: a request finishes on the metadata it began with."""
    runtime = g.get("formflow_runtime")
    if runtime is None:
        runtime = g.formflow_runtime = current_app.extensions["formflow"]
    return runtime
