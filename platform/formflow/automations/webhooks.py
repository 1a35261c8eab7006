"""Webhook actions: a JSON POST about the triggering record, made once its transaction
has committed (never for a change that is rolled back).

The target must be a public address unless ``FORMFLOW_AUTOMATIONS_WEBHOOK_ALLOW`` lists
it, checked before every call, which connects to the address checked
(:mod:`formflow.outbound`).  The body::

    {"automation": "crm.notify_erp", "trigger": "update", "entity": "crm.opportunity",
     "record_id": 7, "occurred_at": "2026-05-01T08:00:00Z", "actor": "alice",
     "record": {... every field ...}}

with the headers ``X-Formflow-Automation``, ``X-Formflow-Run`` (the run's id in the
log) and, when ``FORMFLOW_AUTOMATIONS_WEBHOOK_SECRET`` is set,
``X-Formflow-Signature: sha256=<hex>`` (HMAC-SHA256 of the body).  The outcome is
written to the run's entry: done, or failed with the answer.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

from formflow import outbound
from formflow.automations.log import finish_run
from formflow.fields.columns import utcnow

log = logging.getLogger("formflow.automations")
USER_AGENT = "Formflow-Automations/1.0"
ALLOW_SETTING = "FORMFLOW_AUTOMATIONS_WEBHOOK_ALLOW"


@functools.lru_cache(maxsize=8)
def target_policy(allow: str | None) -> outbound.TargetPolicy:
    """The policy of the ``AUTOMATIONS_WEBHOOK_ALLOW`` setting (ValueError naming it)."""
    return outbound.TargetPolicy.parse(allow, ALLOW_SETTING)


def body(automation: str, trigger: str, entity: str, record_id: int | None,
         actor: str | None, record: Mapping[str, Any]) -> bytes:
    occurred = utcnow().isoformat().replace("+00:00", "Z")
    return json.dumps(
        {"automation": automation, "trigger": trigger, "entity": entity, "record_id": record_id,
         "occurred_at": occurred, "actor": actor, "record": record},
        ensure_ascii=False, separators=(",", ":"), default=str,
    ).encode()


class Calls:
    """The webhook calls of one run, made by :meth:`__call__` after the commit."""

    def __init__(self, db, settings: Mapping[str, Any], run_id: int, automation: str,
                 urls: list[str], data: bytes):
        self.db, self.settings, self.run_id = db, settings, run_id
        self.automation, self.urls, self.data = automation, urls, data

    def __call__(self) -> None:
        errors = [error for error in map(self.call, self.urls) if error]
        with self.db.write() as conn:
            finish_run(conn, self.run_id, "; ".join(errors) or None)

    def call(self, url: str) -> str | None:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Formflow-Automation": self.automation,
            "X-Formflow-Run": str(self.run_id),
        }
        secret = self.settings["AUTOMATIONS_WEBHOOK_SECRET"]
        if secret:
            digest = hmac.new(str(secret).encode(), self.data, hashlib.sha256).hexdigest()
            headers["X-Formflow-Signature"] = f"sha256={digest}"
        _, error = outbound.post(url, self.data, headers,
                                 float(self.settings["AUTOMATIONS_WEBHOOK_TIMEOUT"]),
                                 target_policy(self.settings["AUTOMATIONS_WEBHOOK_ALLOW"]))
        if error:
            log.warning("automation %s: webhook %s failed: %s", self.automation, url, error)
            return f"{url}: {error}"
        return None
