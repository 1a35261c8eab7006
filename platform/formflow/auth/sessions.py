"""Signing in and sessions: checking a password, the stamp a session carries, the user a
session belongs to, and ending every session of a user.

A session keeps the stamp of its sign-in (a digest of the password hash and the user's
session epoch): a new password or a raised epoch (sign-out, deactivation) ends it.
Every function runs inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.passwords import hash_password, needs_rehash, verify_password
from formflow.auth.tables import user_roles, users
from formflow.auth.users import (
    USER_COLUMNS,
    User,
    get_user,
    is_valid_username,
    name_matches,
    users_from_rows,
)
from formflow.errors import NotFound
from formflow.fields.columns import utcnow
from formflow.i18n import Message


def authenticate(conn: Connection, username: str, password: str) -> User | None:
    """The user signing in with this name and password, or ``None``.

    Unknown names, wrong passwords and inactive users all answer ``None`` after the
    same amount of hashing work.  On success the sign-in time is recorded, and a hash
    made with older parameters is replaced by a current one.
    """
    row = None
    if is_valid_username(username):
        row = conn.execute(
            sa.select(users.c.id, users.c.password_hash, users.c.active).where(
                name_matches(username)
            )
        ).first()
    if not verify_password(row.password_hash if row else None, password):
        return None
    if not row.active:
        return None
    values: dict[str, object] = {"last_login_at": utcnow()}
    if needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    conn.execute(users.update().where(users.c.id == row.id).values(**values))
    return get_user(conn, row.id)


def _stamp(password_hash: str | None, epoch: int) -> str:
    material = f"{password_hash or ''}|{epoch}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def password_stamp(conn: Connection, user_id: int) -> str | None:
    """The stamp a session signed in now carries (``None``: no such user): a short
    fingerprint of the user's password hash and session epoch.

    A session keeps the stamp of its sign-in; once the password changes, or the epoch is
    raised (:func:`end_sessions`: sign-out, deactivation), the stamps differ and the
    session has ended.  The salted hash is never shown, only a digest of it.
    """
    row = conn.execute(
        sa.select(users.c.password_hash, users.c.session_epoch).where(users.c.id == user_id)
    ).first()
    return None if row is None else _stamp(row.password_hash, row.session_epoch)


def user_for_session(conn: Connection, user_id: object, stamp: object) -> User | None:
    """The active user a session signed in as, or ``None`` when the session is not
    signed in, the user is gone or inactive, or the session has ended since (a new
    password, a sign-out, a deactivation).  One query, the user's own load."""
    if not isinstance(user_id, int) or not isinstance(stamp, str):
        return None
    rows = conn.execute(
        sa.select(*USER_COLUMNS, users.c.password_hash, users.c.session_epoch, user_roles.c.role)
        .select_from(users.outerjoin(user_roles, user_roles.c.user_id == users.c.id))
        .where(users.c.id == user_id)
    ).all()
    if not rows or not hmac.compare_digest(_stamp(rows[0].password_hash,
                                                  rows[0].session_epoch), stamp):
        return None
    user = users_from_rows(rows)[0]
    return user if user.active else None


def end_sessions(conn: Connection, user_id: int) -> None:
    """End every session of the user, on every device (the next request of each finds
    its stamp outdated)."""
    result = conn.execute(users.update().where(users.c.id == user_id)
                          .values(session_epoch=users.c.session_epoch + 1))
    if result.rowcount == 0:
        raise NotFound(Message("not_found"))
