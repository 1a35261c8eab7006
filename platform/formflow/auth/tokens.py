"""API tokens: created for a user, shown once, stored only as a SHA-256 hash.

A token is ``ff_`` followed by 43 URL-safe characters (256 random bits), so a hash
without salt is safe to store and to look up by.  The first characters are kept as
its ``prefix`` so a user can tell their tokens apart.

A token lives :attr:`~formflow.auth.policy.AccountPolicy.token_days` days unless a
shorter lifetime is asked for; when that setting is 0 (no limit) a token never expires
unless a lifetime is asked for.  An expired or revoked token is refused like an unknown
one.  Its owner and an admin may
revoke it at any time; deactivating the owner revokes all of them, and so, by default,
does a new password (:mod:`~formflow.auth.users`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.admin_log import Target, record
from formflow.auth.credentials_revision import credentials_changed
from formflow.auth.policy import DEFAULT_POLICY, AccountPolicy
from formflow.auth.tables import tokens, user_roles, users
from formflow.auth.user_input import has_control_characters
from formflow.auth.users import USER_COLUMNS, User, users_from_rows
from formflow.errors import NotFound, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message

TOKEN_PREFIX = "ff_"  # noqa: S105  (a public marker, not a secret)
PREFIX_LENGTH = 8
MAX_NAME = 100
#: ``last_used_at`` is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)
_MAX_TOKEN_LENGTH = 100
#: The longest lifetime that may be asked for when the policy sets no limit (100 years).
MAX_DAYS = 36500


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
    expires_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def usable(self) -> bool:
        return not self.revoked and not self.expired


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(
    conn: Connection, user_id: int, name: str, *, days: int | str | None = None,
    policy: AccountPolicy = DEFAULT_POLICY, actor: object = None,
) -> tuple[int, str]:
    """Create a token for the user; returns its id and the token, which is not stored
    and cannot be shown again.  ``days``: its lifetime (``None`` or ``""``: the
    policy's; 0: never expires, allowed only when the policy sets no limit).  With an
    ``actor``, ``token.create`` goes to the admin log (its name, owner and expiry, never
    the token)."""
    errors: dict[str, list[Message]] = {}
    if not isinstance(name, str) or not name.strip():
        errors["name"] = [Message("required")]
    elif has_control_characters(name.strip()):
        errors["name"] = [Message("control_characters")]
    elif len(name.strip()) > MAX_NAME:
        errors["name"] = [Message("max_length", {"max": MAX_NAME})]
    lifetime = _lifetime(days, policy, errors)
    if errors:
        raise ValidationFailed(errors)
    name = name.strip()
    now = utcnow()
    expires_at = now + timedelta(days=lifetime) if lifetime else None
    owner = conn.scalar(sa.select(users.c.username).where(users.c.id == user_id))
    if owner is None:
        raise NotFound(Message("not_found"))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = conn.execute(
        tokens.insert().values(
            user_id=user_id,
            name=name,
            token_hash=hash_token(plaintext),
            prefix=plaintext[:PREFIX_LENGTH],
            created_at=now,
            expires_at=expires_at,
        )
    ).inserted_primary_key[0]
    if actor is not None:
        record(conn, actor, "token.create", Target("token", token_id, name),
               {"user": owner, "days": lifetime or None})
    return token_id, plaintext


def _lifetime(days: int | str | None, policy: AccountPolicy,
              errors: dict[str, list[Message]]) -> int:
    """The token's lifetime in days (0: never expires) from what was asked for."""
    if days is None or (isinstance(days, str) and not days.strip()):
        return policy.token_days
    longest = policy.token_days or MAX_DAYS
    try:
        wanted = int(days)
    except (TypeError, ValueError):
        wanted = -1
    if isinstance(days, bool) or not (1 if policy.token_days else 0) <= wanted <= longest:
        key = "token_days_limit" if policy.token_days else "token_days_range"
        errors["days"] = [Message(key, {"max": longest})]
    return wanted


_OWNER_QUERY = (
    sa.select(
        *USER_COLUMNS, user_roles.c.role, tokens.c.id.label("token_id"), tokens.c.last_used_at,
        tokens.c.expires_at,
    )
    .select_from(
        tokens.join(users, users.c.id == tokens.c.user_id).outerjoin(
            user_roles, user_roles.c.user_id == users.c.id
        )
    )
    .where(
        tokens.c.token_hash == sa.bindparam("token_hash"),
        tokens.c.revoked_at.is_(None),
        sa.or_(tokens.c.expires_at.is_(None), tokens.c.expires_at > sa.bindparam("now")),
        users.c.active.is_(True),
    )
)


@dataclass(frozen=True)
class TokenOwner:
    """Who a presented token belongs to, and whether its last use should be recorded."""

    user: User
    token_id: int
    touch_due: bool
    checked_at: datetime
    expires_at: datetime | None = None


def find_token_owner(conn: Connection, plaintext: str) -> TokenOwner | None:
    """The active owner of this unrevoked token, or ``None``; reads only, so it is safe
    in a read transaction (record the use afterwards with :func:`touch_token`)."""
    if (
        not isinstance(plaintext, str)
        or not plaintext.startswith(TOKEN_PREFIX)
        or len(plaintext) > _MAX_TOKEN_LENGTH
    ):
        return None
    now = utcnow()
    rows = conn.execute(_OWNER_QUERY, {"token_hash": hash_token(plaintext), "now": now}).all()
    if not rows:
        return None
    user, row = users_from_rows(rows)[0], rows[0]
    due = row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL
    return TokenOwner(user, row.token_id, due, now, row.expires_at)


def touch_token(conn: Connection, token_id: int, used_at: datetime) -> None:
    """Record that the token was used at ``used_at``."""
    conn.execute(tokens.update().where(tokens.c.id == token_id).values(last_used_at=used_at))


def user_for_token(conn: Connection, plaintext: str) -> User | None:
    """The owner of the token, recording its use (at most once per
    :data:`TOUCH_INTERVAL`); call it inside a write transaction."""
    owner = find_token_owner(conn, plaintext)
    if owner is None:
        return None
    if owner.touch_due:
        touch_token(conn, owner.token_id, owner.checked_at)
    return owner.user


def revoke_token(
    conn: Connection, token_id: int, *, user_id: int | None = None, actor: object = None
) -> None:
    """Revoke a token; effective for the next request.  With ``user_id`` only that
    user's token is touched (anything else is :class:`~formflow.errors.NotFound`).
    Revoking a revoked token changes nothing.  With an ``actor``, a revocation goes to
    the admin log as ``token.revoke``."""
    where = tokens.c.id == token_id
    if user_id is not None:
        where = sa.and_(where, tokens.c.user_id == user_id)
    found = conn.execute(
        sa.select(tokens.c.name, users.c.username)
        .join(users, users.c.id == tokens.c.user_id).where(where)
    ).first()
    if found is None:
        raise NotFound(Message("not_found"))
    done = conn.execute(
        tokens.update().where(where, tokens.c.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    if done.rowcount:
        credentials_changed(conn)
    if actor is not None and done.rowcount:
        record(conn, actor, "token.revoke", Target("token", token_id, found.name),
               {"user": found.username})


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
            tokens.c.expires_at,
        )
        .where(tokens.c.user_id == user_id)
        .order_by(tokens.c.created_at, tokens.c.id)
    )
    if not include_revoked:
        query = query.where(tokens.c.revoked_at.is_(None))
    return [TokenInfo(*row) for row in conn.execute(query)]
