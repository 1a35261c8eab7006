"""Idempotency keys: a create sent twice with the same key makes one record.

A client (the API's ``Idempotency-Key`` header, a web form's hidden input rendered
once per form) names its create with a key.  The create claims the key in its own
write transaction by inserting it into ``ff_idempotency_keys``, whose primary key is
(user, key): a second create with that key, at the same time on another worker or
later, cannot insert it (on PostgreSQL it waits for the first transaction, then
fails; on SQLite the write lock orders them), and answers with the record the first
one made.  A create that fails rolls its claim back, so the key can be used again.
A key is remembered for a window (``FORMFLOW_IDEMPOTENCY_SECONDS``; ``formflow tick``
forgets the keys past it); the same key with a different body, or for another entity,
is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.errors import Conflict, ServiceError
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.storage.system import idempotency_keys

#: Printable ASCII without spaces, at most as long as the column.
KEY = re.compile(r"[\x21-\x7e]{1,128}")


class KeyReused(ServiceError):
    """The key was used before for another request."""

    status = 422


class BadKey(ServiceError):
    status = 400


@dataclass(frozen=True)
class Claim:
    user_id: int
    key: str
    entity: str
    fingerprint: str


def make_claim(user_id: int, key: str, entity: str, payload: Any) -> Claim:
    """The claim of ``key`` for creating a record of ``entity`` from ``payload``."""
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise BadKey(Message("idempotency_key_invalid"))
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return Claim(user_id, key, entity, hashlib.sha256(body.encode()).hexdigest())


def claim_key(conn: Connection, claim: Claim, window: timedelta) -> int | None:
    """Claim the key inside the caller's write transaction; returns None when it is
    ours now, else the id of the record made with it before."""
    table = idempotency_keys
    now = utcnow()
    conn.execute(table.delete().where(table.c.user_id == claim.user_id,
                                      table.c.expires_at < now))
    try:
        with conn.begin_nested():  # a failed insert leaves the transaction usable
            conn.execute(table.insert().values(
                user_id=claim.user_id, key=claim.key, entity=claim.entity,
                fingerprint=claim.fingerprint, expires_at=now + window))
        return None
    except sa.exc.IntegrityError:
        pass
    earlier = conn.execute(sa.select(table.c.entity, table.c.fingerprint, table.c.record_id)
                           .where(table.c.user_id == claim.user_id, table.c.key == claim.key)
                           ).one()
    if (earlier.entity, earlier.fingerprint) != (claim.entity, claim.fingerprint):
        raise KeyReused(Message("idempotency_key_reused"))
    if earlier.record_id is None:  # cannot happen: claim and record commit together
        raise Conflict(Message("changed_meanwhile"))
    return earlier.record_id


def settle_key(conn: Connection, claim: Claim, record_id: int) -> None:
    """Note the record the claimed key made (same transaction as the claim)."""
    table = idempotency_keys
    conn.execute(table.update().where(table.c.user_id == claim.user_id,
                                      table.c.key == claim.key).values(record_id=record_id))


def forget_expired_keys(conn: Connection) -> int:
    """Delete every key past its window; returns how many there were."""
    table = idempotency_keys
    return conn.execute(table.delete().where(table.c.expires_at < utcnow())).rowcount
