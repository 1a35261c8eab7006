"""Queueing and sending webhook deliveries.

A delivery is written in the transaction of the change it reports (an outbox), so it
exists exactly when the change committed.  Sending happens afterwards: right after the
commit for fresh deliveries, and by the ``deliver`` job of ``formflow tick`` for the
retries, with exponential back-off (``backoff_seconds`` doubled per attempt, at most
``max_backoff_seconds``) until ``max_attempts`` is reached (then it is ``failed``).

A sender claims a delivery with a conditional update (``locked_until``), so two senders
(a request and a tick, or two ticks) never post the same delivery at once.  The body is
signed with HMAC-SHA256 of the endpoint's secret: header ``X-Formflow-Signature:
sha256=<hex>``; ``X-Formflow-Event`` and ``X-Formflow-Delivery`` (the delivery id, the
same on every retry) let the receiver route and de-duplicate.

Before each post the URL's host is resolved and checked (:mod:`formflow.outbound`), and
the connection goes to the address that was checked, never to a second lookup's answer.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from formflow.plugins import TargetPolicy, outbound, record_to_json, utcnow

from .tables import attempts, deliveries, endpoints

#: Events an endpoint may subscribe to.
EVENTS = ("create", "update", "delete", "restore", "transition")
#: Events sent on request whatever the subscription: a record sent again, a test ping.
MANUAL_EVENTS = ("resend", "ping")
LEASE = timedelta(minutes=5)
USER_AGENT = "Formflow-Webhooks/1.0"


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def signature(secret: str, body: bytes) -> str:
    """The ``X-Formflow-Signature`` header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def record_payload(runtime, entity, record: Mapping[str, Any] | None) -> dict | None:
    """A record as JSON, every field included (endpoints are set up by admins)."""
    if record is None:
        return None
    return record_to_json(entity, record, runtime.field_types, lambda field: True)


def enqueue(conn, entity_name: str, record_id: int | None, event: str,
            data: dict | Callable[[], dict], *, endpoint_id: int | None = None) -> list[int]:
    """Queue ``event`` for every active endpoint of the entity subscribed to it (a manual
    event: every active endpoint of the entity, or just ``endpoint_id``); returns the
    delivery ids.  ``data`` (the body's details) may be a function: it is called only
    when some endpoint wants the event."""
    where = [endpoints.c.active.is_(True)]
    if endpoint_id is not None:
        where.append(endpoints.c.id == endpoint_id)
    else:
        where.append(endpoints.c.entity == entity_name)
    targets = [
        row for row in conn.execute(sa.select(endpoints.c.id, endpoints.c.events).where(*where))
        if event in MANUAL_EVENTS or event in (row.events or ())
    ]
    if not targets:
        return []
    if callable(data):
        data = data()
    now = utcnow()
    body = json.dumps(
        {"event": event, "entity": entity_name, "record_id": record_id,
         "occurred_at": iso(now), **data},
        ensure_ascii=False, separators=(",", ":"), default=str,
    )
    ids = []
    for target in targets:
        ids.append(conn.execute(deliveries.insert().values(
            endpoint_id=target.id, event=event, entity=entity_name, record_id=record_id,
            body=body, status="pending", attempts=0, next_attempt_at=now, created_at=now,
        ).returning(deliveries.c.id)).scalar_one())
    return ids


def deliver_due(db, settings: Mapping[str, Any], now: datetime | None = None, *,
                entity: str | None = None, record_id: int | None = None,
                ids: list[int] | None = None, fresh_only: bool = False,
                limit: int = 200) -> int:
    """Send the deliveries due at ``now`` (optionally only those of one record, or
    ``ids``, or never tried); returns how many were attempted."""
    now = now or utcnow()
    where = [deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now,
             sa.or_(deliveries.c.locked_until.is_(None), deliveries.c.locked_until <= now)]
    if entity is not None:
        where += [deliveries.c.entity == entity, deliveries.c.record_id == record_id]
    if ids is not None:
        where.append(deliveries.c.id.in_(ids))
    if fresh_only:
        where.append(deliveries.c.attempts == 0)
    with db.read() as conn:
        due = conn.execute(sa.select(deliveries.c.id).where(*where)
                           .order_by(deliveries.c.id).limit(limit)).scalars().all()
    sent = 0
    for delivery_id in due:
        if send_one(db, settings, delivery_id, now):
            sent += 1
    return sent


def send_one(db, settings: Mapping[str, Any], delivery_id: int, now: datetime) -> bool:
    """Claim one delivery, post it, record the outcome; False when someone else holds
    it or it is no longer due."""
    with db.write() as conn:
        claimed = conn.execute(deliveries.update().where(
            deliveries.c.id == delivery_id, deliveries.c.status == "pending",
            deliveries.c.next_attempt_at <= now,
            sa.or_(deliveries.c.locked_until.is_(None), deliveries.c.locked_until <= now),
        ).values(locked_until=now + LEASE)).rowcount == 1
        if not claimed:
            return False
        row = conn.execute(
            sa.select(deliveries, endpoints.c.url, endpoints.c.secret)
            .join(endpoints, endpoints.c.id == deliveries.c.endpoint_id, isouter=True)
            .where(deliveries.c.id == delivery_id)
        ).one()
    started = time.perf_counter()
    if row.url is None:  # the endpoint was removed meanwhile
        status, error = None, "endpoint removed"
    else:
        status, error = post(row.url, row.secret, row.body, row.event, delivery_id,
                             float(settings["timeout_seconds"]), target_policy(settings["allow"]))
    duration = int((time.perf_counter() - started) * 1000)
    _record(db, settings, row, status, error, duration)
    return True


def post(url: str, secret: str, body: str, event: str, delivery_id: int,
         timeout: float, policy: TargetPolicy) -> tuple[int | None, str | None]:
    """POST a signed delivery (see :func:`formflow.outbound.post`)."""
    data = body.encode()
    return outbound.post(url, data, {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Formflow-Event": event,
        "X-Formflow-Delivery": str(delivery_id),
        "X-Formflow-Signature": signature(secret, data),
    }, timeout, policy)


@functools.lru_cache(maxsize=8)
def target_policy(allow: str | None) -> TargetPolicy:
    """The :class:`~formflow.outbound.TargetPolicy` of the plugin's ``allow`` setting."""
    return TargetPolicy.parse(allow)


def next_attempt(settings: Mapping[str, Any], attempts_made: int, now: datetime) -> datetime:
    """When to try again after ``attempts_made`` failures: back-off doubled each time."""
    delay = int(settings["backoff_seconds"]) * 2 ** max(0, attempts_made - 1)
    return now + timedelta(seconds=min(delay, int(settings["max_backoff_seconds"])))


def _record(db, settings, row, status: int | None, error: str | None, duration: int) -> None:
    now = utcnow()
    made = row.attempts + 1
    values: dict[str, Any] = {"attempts": made, "locked_until": None, "last_status": status,
                              "last_error": error}
    if error is None:
        values.update(status="delivered", delivered_at=now)
    elif made >= int(settings["max_attempts"]) or row.url is None:
        values["status"] = "failed"
    else:
        values["next_attempt_at"] = next_attempt(settings, made, now)
    with db.write() as conn:
        conn.execute(deliveries.update().where(deliveries.c.id == row.id).values(**values))
        conn.execute(attempts.insert().values(
            delivery_id=row.id, at=now, status_code=status, error=error, duration_ms=duration,
        ))
