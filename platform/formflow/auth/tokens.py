"""API tokens: created for a user, shown once, stored only as a SHA-256 hash.

A token is ``ff_`` followed by 43 URL-safe characters (256 random bits), so a hash
without salt is safe to store and to look up by.  The first characters are kept as
its ``prefix`` so a user can tell their tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.tables import tokens, users
from formflow.auth.users import User, get_user, has_control_characters
from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import Message
from formflow.storage.types import utcnow

TOKEN_PREFIX = "ff_"  # noqa: S105  (a public marker, not a secret)
PREFIX_LENGTH = 8
MAX_NAME = 100
#: ``last_used_at`` is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)
_MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token after its creation (never the token itself)."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(conn: Connection, user_id: int, name: str) -> tuple[int, str]:
    """Create a token for the user; returns its id and the token, which is not stored
    and cannot be shown again."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed({"name": [Message("required")]})
    name = name.strip()
    if has_control_characters(name):
        raise ValidationFailed({"name": [Message("control_characters")]})
    if len(name) > MAX_NAME:
        raise ValidationFailed({"name": [Message("max_length", {"max": MAX_NAME})]})
    if conn.scalar(sa.select(users.c.id).where(users.c.id == user_id)) is None:
        raise NotFound(Message("not_found"))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = conn.execute(
        tokens.insert().values(
            user_id=user_id,
            name=name,
            token_hash=hash_token(plaintext),
            prefix=plaintext[:PREFIX_LENGTH],
            created_at=utcnow(),
        )
    ).inserted_primary_key[0]
    return token_id, plaintext


def user_for_token(conn: Connection, plaintext: str) -> User | None:
    """The active user owning this unrevoked token, or ``None``.

    Records when the token was used, at most once per :data:`TOUCH_INTERVAL`; that
    write only lasts when the caller's transaction is a write transaction.
    """
    if (
        not isinstance(plaintext, str)
        or not plaintext.startswith(TOKEN_PREFIX)
        or len(plaintext) > _MAX_TOKEN_LENGTH
    ):
        return None
    row = conn.execute(
        sa.select(tokens.c.id, tokens.c.user_id, tokens.c.last_used_at)
        .join(users, users.c.id == tokens.c.user_id)
        .where(
            tokens.c.token_hash == hash_token(plaintext),
            tokens.c.revoked_at.is_(None),
            users.c.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
        conn.execute(tokens.update().where(tokens.c.id == row.id).values(last_used_at=now))
    return get_user(conn, row.user_id)


def revoke_token(conn: Connection, token_id: int, *, user_id: int | None = None) -> None:
    """Revoke a token; effective for the next request.  With ``user_id`` only that
    user's token is touched (anything else is :class:`~formflow.errors.NotFound`).
    Revoking a revoked token changes nothing."""
    where = tokens.c.id == token_id
    if user_id is not None:
        where = sa.and_(where, tokens.c.user_id == user_id)
    if conn.scalar(sa.select(tokens.c.id).where(where)) is None:
        raise NotFound(Message("not_found"))
    conn.execute(
        tokens.update().where(where, tokens.c.revoked_at.is_(None)).values(revoked_at=utcnow())
    )


def list_tokens(conn: Connection, user_id: int, *, include_revoked: bool = True) -> list[TokenInfo]:
    """The user's tokens, oldest first."""
    query = (
        sa.select(
            tokens.c.id,
            tokens.c.user_id,
            tokens.c.name,
            tokens.c.prefix,
            tokens.c.created_at,
            tokens.c.last_used_at,
            tokens.c.revoked_at,
        )
        .where(tokens.c.user_id == user_id)
        .order_by(tokens.c.created_at, tokens.c.id)
    )
    if not include_revoked:
        query = query.where(tokens.c.revoked_at.is_(None))
    return [TokenInfo(*row) for row in conn.execute(query)]
