"""Plugin record actions: the buttons plugins add to record pages, and what runs when
one is pressed (``POST /api/v1/<app>/<entity>/<id>/plugin-actions/<name>``).

An action is offered on a record when its plugin is enabled for the record's app, it
applies to the entity, and the caller may read the record and holds one of its roles.
It runs in one write transaction with the record's row locked; an exception rolls
everything back (a ServiceError shows its message, anything else is a PluginFailed that
names the plugin).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from formflow.auth import User
from formflow.errors import Forbidden, NotFound, ServiceError, ValidationFailed
from formflow.i18n import Message
from formflow.metadata.model import Entity, Label
from formflow.plugins import RecordAction
from formflow.plugins.declarations import call_with
from formflow.plugins.manager import PluginFailed, PluginSet
from formflow.storage.database import Database, is_outage

if TYPE_CHECKING:
    from formflow.records.internal import InternalRecords
    from formflow.records.service import RecordService

log = logging.getLogger("formflow.plugins")


class RecordActionService:
    def __init__(self, db: Database, records: RecordService, internal: InternalRecords,
                 plugins: PluginSet, actions: list[RecordAction]):
        self.db = db
        self.records = records
        self.internal = internal
        self.plugins = plugins
        self.actions = actions

    def available(self, user: User, entity_name: str, record_id: int,
                  lang: str | None = None) -> list[dict[str, Any]]:
        """The plugin actions ``user`` may run on the record now: ``name``, ``label``
        and ``confirm`` (in ``lang``), ``plugin``."""
        entity = self.records.entity(entity_name)
        with self.db.read() as conn:
            self.records.readable_record(conn, user, entity, record_id)
        return self.offered(user, entity, lang)

    def offered(self, user: User, entity: Entity, lang: str | None = None
                ) -> list[dict[str, Any]]:
        """The plugin actions ``user`` may run on a record of ``entity`` they may read."""
        return [
            {"name": a.name, "label": Label.of(a.label).text(lang), "plugin": a.plugin,
             "confirm": Label.of(a.confirm).text(lang) if a.confirm else None}
            for a in self._offered(entity) if a.allowed(user.roles)
        ]

    def run(self, user: User, entity_name: str, record_id: int, name: str,
            params: Any) -> dict[str, Any]:
        """Run action ``name``; returns ``{"record": ..., "result": ...}``."""
        entity = self.records.entity(entity_name)
        action = next((a for a in self._offered(entity) if a.name == name), None)
        if action is None:
            raise NotFound(Message("not_found"))
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            raise ValidationFailed({"": [Message("invalid_row")]})
        with self.db.write() as conn:
            record = self.records.readable_record(conn, user, entity, record_id, lock=True)
            if not action.allowed(user.roles):
                raise Forbidden(Message("action_not_available", {"action": name}))
            result = self._call(action, {
                "conn": conn, "user": user, "entity": entity, "record": record,
                "params": dict(params),
            })
            saved = self.internal.load(conn, entity.qualified_name, record_id)
        return {"record": self.records.to_json(user, entity, saved) if saved else None,
                "result": result}

    def _offered(self, entity) -> list[RecordAction]:
        plugins = self.plugins
        return [
            a for a in self.actions
            if a.applies_to(entity.qualified_name)
            and (plugin := plugins.get(a.plugin)) is not None
            and plugins.enabled(plugin, entity.app)
        ]

    def _call(self, action: RecordAction, arguments: dict[str, Any]) -> Any:
        plugins = self.plugins
        arguments.update(settings=plugins.settings(action.plugin), runtime=plugins.runtime)
        started = time.perf_counter()
        try:
            return call_with(action.run, arguments)
        except ServiceError:
            raise
        except Exception as error:
            if is_outage(error):  # the database failed, not the plugin
                raise
            log.exception("plugin %s failed in record action %s", action.plugin, action.name)
            raise PluginFailed(action.plugin) from error
        finally:
            timing = plugins.timings[(action.plugin, f"action {action.name}")]
            timing[0] += time.perf_counter() - started
            timing[1] += 1
