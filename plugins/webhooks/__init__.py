"""Webhooks: tell other systems when records change.

An admin registers endpoints (a URL, an entity such as ``crm.customer`` and the events
wanted: ``create``, ``update``, ``delete``, ``restore``, ``transition``) through
``/api/v1/admin/webhooks`` (see :mod:`.routes`) and watches them on the page
``/admin/webhooks``.  Each event becomes one delivery per subscribed endpoint, written
in the transaction of the change (an outbox: a rolled-back change sends nothing); it is
posted right after the commit and, when that fails, retried by ``formflow tick`` with
exponential back-off.  Every attempt is logged (``.../<id>/deliveries``).  The record
page offers admins "Send to webhooks" (a ``resend`` event) as a plugin record action.

A delivery is ``POST <url>`` with a JSON body::

    {"event": "transition", "entity": "crm.opportunity", "record_id": 7,
     "occurred_at": "2024-05-01T08:00:00Z", "actor": "alice",
     "record": {... every field ...}, "previous": {...} | null,
     "transition": {"action": "approve", "from": "review", "to": "won", "comment": null}}

In a parallel state (并行分支) a move inside a branch leaves the record's ``_state`` as it
is: ``from`` is the branch's step, ``to`` its next step (or the parallel state when the
branch ended), and ``transition`` also names the ``branch``.

and the headers ``X-Formflow-Event``, ``X-Formflow-Delivery`` (its id, the same on
retries: de-duplicate on it) and ``X-Formflow-Signature: sha256=<hex>``, the
HMAC-SHA256 of the raw body with the endpoint's secret (shown once, when the endpoint is
created).  Any 2xx answer is success; redirects are not followed.

It runs for every app (``"apps": ["*"]``).  Settings (``FORMFLOW_PLUGIN_WEBHOOKS_<KEY>``):
``timeout_seconds`` (5), ``max_attempts`` (8), ``backoff_seconds`` (30, doubled per
attempt), ``max_backoff_seconds`` (21600), ``deliver_after_commit`` (true: post at once,
else only from ``formflow tick``), ``job_interval`` (``"30s"``), ``subscriptions_seconds``
(5: how long a worker trusts its memory that an entity has no subscribed endpoint; an
endpoint added through another worker counts after at most that long, see
:mod:`.subscriptions`), ``allow`` (empty: the hosts, addresses and networks besides
public addresses that endpoints may target, see :mod:`formflow.outbound`).

Endpoints may only target public addresses (checked when saved and before every post,
connecting to the checked address), and a ping answers only whether it was delivered.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from formflow.plugins import (
    Job,
    MenuLink,
    RecordAction,
    after_commit,
    hookimpl,
    process_events,
)

from .delivery import deliver_due, enqueue, record_payload, target_policy
from .routes import pages
from .subscriptions import subscriptions
from .tables import TABLES

MANIFEST = {
    "name": "webhooks",
    "version": "1.0",
    "description": {
        "en": "Signed HTTP callbacks to other systems when records change.",
        "zh-CN": "记录变化时，向其他系统发送带签名的 HTTP 回调。",
    },
    "apps": ["*"],
    "settings": {
        "timeout_seconds": 5,
        "max_attempts": 8,
        "backoff_seconds": 30,
        "max_backoff_seconds": 21600,
        "deliver_after_commit": True,
        "job_interval": "30s",
        "subscriptions_seconds": 5,
        "allow": "",
    },
}
TEMPLATES = Path(__file__).resolve().parent / "templates"


# -- events, queued in the change's transaction ---------------------------------------------


def queue(conn, runtime, settings, entity, record_id, event: str, data) -> list[int]:
    """Queue ``event`` for the subscribed endpoints (``data()`` builds the body's
    details, only when there is one) and post the deliveries once the change commits."""
    db = runtime.db
    if not subscriptions(db, settings["subscriptions_seconds"]).wanted(
            conn, entity.qualified_name, event):
        return []
    ids = enqueue(conn, entity.qualified_name, record_id, event, data)
    if ids and settings["deliver_after_commit"]:
        after_commit(conn, lambda: deliver_due(db, settings, ids=ids))
    return ids


@hookimpl
def record_after_save(conn, user, entity, record, current, runtime, settings):
    queue(conn, runtime, settings, entity, record["id"],
          "create" if current is None else "update",
          lambda: {"actor": user.username, "record": record_payload(runtime, entity, record),
                   "previous": record_payload(runtime, entity, current)})


@hookimpl
def record_before_delete(conn, user, entity, record, runtime, settings):
    queue(conn, runtime, settings, entity, record["id"], "delete",
          lambda: {"actor": user.username, "record": record_payload(runtime, entity, record),
                   "previous": None})


@hookimpl
def process_after_transition(conn, user, entity, record, action, from_state, to_state, comment,
                             event_id, runtime, settings):
    def payload():
        transition = {"action": action, "from": from_state, "to": to_state, "comment": comment}
        branch = conn.execute(sa.select(process_events.c.branch)
                              .where(process_events.c.id == event_id)).scalar()
        if branch is not None:
            transition["branch"] = branch
        return {"actor": user.username if user.id is not None else None,
                "record": record_payload(runtime, entity, record), "previous": None,
                "transition": transition}

    queue(conn, runtime, settings, entity, record["id"], "transition", payload)


@hookimpl
def record_after_commit(db, user, entity, record, action, settings, runtime):
    """A restore has no hook inside its transaction: it is queued here."""
    if action == "restore":
        with db.write() as conn:
            queue(conn, runtime, settings, entity, record["id"], "restore",
                  lambda: {"actor": user.username,
                           "record": record_payload(runtime, entity, record), "previous": None})


# -- registration -----------------------------------------------------------------------------


@hookimpl
def startup(settings):
    """A malformed ``allow`` entry stops start-up, naming it."""
    target_policy(settings["allow"])



@hookimpl
def register_tables():
    return TABLES


@hookimpl
def register_pages():
    return pages


@hookimpl
def register_admin_links():
    label = {"en": "Webhooks", "zh-CN": "Webhook"}
    return [MenuLink("webhooks", label, "plugin_webhooks.admin_page")]


@hookimpl
def register_admin_log_actions():
    return ["webhook.create", "webhook.update", "webhook.delete"]


@hookimpl
def template_folders():
    return [TEMPLATES]


@hookimpl
def register_jobs(settings):
    return [Job("deliver", deliver_retries, interval=settings["job_interval"])]


def deliver_retries(db, now, settings) -> int:
    """The tick job: post every delivery due (first tries left over, and retries)."""
    return deliver_due(db, settings, now)


@hookimpl
def register_record_actions():
    return [RecordAction(
        "webhooks_resend", {"en": "Send to webhooks", "zh-CN": "推送到 Webhook"}, resend,
        roles=("admin",),
        confirm={"en": "Send this record to every webhook of its entity now?",
                 "zh-CN": "立即把此记录推送到该实体的所有 Webhook？"},
    )]


def resend(conn, user, entity, record, settings, runtime) -> dict:
    """Queue a ``resend`` event for every active endpoint of the entity; post after the
    commit."""
    ids = queue(conn, runtime, settings, entity, record["id"], "resend",
                lambda: {"actor": user.username,
                         "record": record_payload(runtime, entity, record), "previous": None})
    return {"queued": len(ids)}
