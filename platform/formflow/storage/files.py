"""Stored files: the shape of a storage key, and who has uploaded which content.

An upload is stored once per content (see :mod:`formflow.web.records.files`); a file field holds
its storage key ``<sha256>/<name>``.  Since the key follows from the content, knowing
it proves nothing: table ``ff_uploads`` remembers who uploaded each content, so that a
save may attach a file only its uploader (or a reader of a record holding it) may
(see :mod:`formflow.records.attachments`).  A row without a user is a file stored for
everyone (the demo's sample attachments).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.fields.columns import UtcDateTime, utcnow
from formflow.storage.system import system_metadata

#: A storage key: the content's SHA-256 and a safe file name.
KEY = re.compile(r"^([0-9a-f]{64})/([A-Za-z0-9][A-Za-z0-9._-]{0,99})$")

uploads = sa.Table(
    "ff_uploads",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=True),  # ff_users.id; None: everyone
    sa.Column("uploaded_at", UtcDateTime, nullable=False),
    sa.Index("ix_ff_uploads_digest_user", "digest", "user_id"),
)


def digest_of(key: str) -> str | None:
    """The content digest a storage key names, or None for any other reference."""
    match = KEY.match(key) if isinstance(key, str) else None
    return match.group(1) if match else None


def remember_upload(conn: Connection, digest: str, user_id: int | None) -> None:
    """Record that ``user_id`` (None: everyone) uploaded the content ``digest``."""
    mine = uploads.c.user_id.is_(None) if user_id is None else uploads.c.user_id == user_id
    known = sa.select(uploads.c.id).where(uploads.c.digest == digest, mine).limit(1)
    if conn.execute(known).first() is None:
        conn.execute(uploads.insert().values(digest=digest, user_id=user_id,
                                             uploaded_at=utcnow()))


def uploaded_by(conn: Connection, user_id: int | None, digests: Iterable[str]) -> set[str]:
    """The digests among ``digests`` that ``user_id`` uploaded, or that are for everyone."""
    digests = sorted(set(digests))
    if not digests:
        return set()
    whose = uploads.c.user_id.is_(None)
    if user_id is not None:
        whose = sa.or_(whose, uploads.c.user_id == user_id)
    query = sa.select(uploads.c.digest).where(uploads.c.digest.in_(digests), whose)
    return set(conn.execute(query).scalars())
