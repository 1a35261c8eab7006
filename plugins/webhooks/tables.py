"""The webhooks plugin's tables: endpoints (what an admin registered), deliveries (one per
event and endpoint: the outbox) and attempts (the delivery log)."""

from __future__ import annotations

import sqlalchemy as sa

from formflow.plugins import UtcDateTime

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
metadata = sa.MetaData()

endpoints = sa.Table(
    "webhooks_endpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("entity", sa.String(130), nullable=False),  # "app.entity"
    sa.Column("events", sa.JSON, nullable=False),  # ["create", "update", ...]
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("secret", sa.String(128), nullable=False),
    sa.Column("description", sa.String(255)),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.Integer),
    sa.Index("ix_webhooks_endpoints_entity", "entity"),
)

deliveries = sa.Table(
    "webhooks_deliveries",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("endpoint_id", sa.Integer, nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer),
    sa.Column("body", sa.Text, nullable=False),  # the exact bytes signed and sent (UTF-8)
    #: pending (to send, maybe again), delivered, failed (gave up)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    #: Set while a sender holds it, so two senders never post it at once.
    sa.Column("locked_until", UtcDateTime),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("delivered_at", UtcDateTime),
    sa.Index("ix_webhooks_deliveries_due", "status", "next_attempt_at"),
    sa.Index("ix_webhooks_deliveries_record", "entity", "record_id"),
    sa.Index("ix_webhooks_deliveries_endpoint", "endpoint_id", "id"),
)

attempts = sa.Table(
    "webhooks_attempts",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("delivery_id", _ID, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("status_code", sa.Integer),  # the HTTP status; None: no answer
    sa.Column("error", sa.Text),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Index("ix_webhooks_attempts_delivery", "delivery_id"),
)

TABLES = [endpoints, deliveries, attempts]
