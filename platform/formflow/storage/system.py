"""System tables (prefix ``ff_``) shared by every app: sequences, audit, published metadata,
idempotency keys.

Other packages (auth, process) define their own system tables on :data:`system_metadata`
so ``formflow init`` creates them all at once.
"""

from __future__ import annotations

import sqlalchemy as sa

from formflow.fields.columns import UtcDateTime

system_metadata = sa.MetaData()

sequences = sa.Table(
    "ff_sequences",
    system_metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

audit = sa.Table(
    "ff_audit",
    system_metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("actor_id", sa.Integer, nullable=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Index("ix_ff_audit_record", "entity", "record_id"),
)

published_apps = sa.Table(
    "ff_published_apps",
    system_metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("documents", sa.JSON, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
)

metadata_revision = sa.Table(
    "ff_metadata_revision",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # one row, id 1
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
)

idempotency_keys = sa.Table(
    "ff_idempotency_keys",
    system_metadata,
    # The primary key is what makes a key claimable once: a second insert of the same
    # (user, key) fails, or waits for the first transaction and then fails.
    sa.Column("user_id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=True),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Index("ix_ff_idempotency_keys_expires_at", "expires_at"),
)
