"""A user's own account, as the pages and the REST API use it: signing in and out, who a
session or a token belongs to, changing the password, and the user's API tokens.

Each operation is one transaction.  Rate limits stay with the callers (their keys name
the request's address); everything that reads or writes the database is here.

A Bearer request may recall its token from the worker's memory instead
(:meth:`AccountService.credential_check`, :meth:`AccountService.checking`): its first
transaction then proves the token still stands, or :meth:`AccountService.prove` does in
a read of its own (:mod:`~formflow.auth.remembered_tokens`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from formflow.auth.policy import AccountPolicy
from formflow.auth.remembered_tokens import CredentialCheck, RememberedTokens
from formflow.auth.sessions import authenticate, end_sessions, password_stamp, user_for_session
from formflow.auth.tokens import (
    TokenInfo,
    TokenOwner,
    create_token,
    find_token_owner,
    list_tokens,
    revoke_token,
    touch_token,
)
from formflow.auth.users import User, set_password
from formflow.errors import ValidationFailed
from formflow.storage.database import check_each_access


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the user and the stamp their session carries."""

    user: User
    stamp: str | None


class AccountService:
    def __init__(self, db, policy: AccountPolicy):
        self.db = db
        self.policy = policy
        self.remembered = RememberedTokens()

    def sign_in(self, username: str, password: str) -> SignIn | None:
        """The user signing in with this name and password (``None``: refused; unknown
        names, wrong passwords and inactive users alike)."""
        with self.db.write() as conn:
            user = authenticate(conn, username, password)
            return SignIn(user, password_stamp(conn, user.id)) if user is not None else None

    def sign_out(self, user: User) -> None:
        """End every session of ``user``, a copied cookie included."""
        with self.db.write() as conn:
            end_sessions(conn, user.id)

    def session_user(self, user_id: object, stamp: object) -> User | None:
        """The active user a session signed in as, or ``None`` (see
        :func:`~formflow.auth.sessions.user_for_session`)."""
        with self.db.read() as conn:
            return user_for_session(conn, user_id, stamp)

    def token_owner(self, token: str, *, remember: bool = False) -> TokenOwner | None:
        """The active owner of this unrevoked API token, or ``None``; with ``remember``,
        kept in this worker's memory for a :class:`CredentialCheck` to recall."""
        with self.db.read() as conn:
            if remember:
                return self.remembered.look_up(conn, token)
            return find_token_owner(conn, token)

    def credential_check(self) -> CredentialCheck:
        """A request's check of the token it recalls from memory (it recalls nothing
        until asked to)."""
        return CredentialCheck(self.remembered)

    @contextmanager
    def checking(self, check: CredentialCheck) -> Iterator[None]:
        """Every transaction opened inside the block runs ``check`` first (it raises
        :class:`~formflow.auth.remembered_tokens.StaleCredentials` there)."""
        with check_each_access(check):
            yield

    def prove(self, check: CredentialCheck) -> None:
        """Run ``check`` in a read of its own when no transaction has run it yet, as
        nothing was read or written; raises
        :class:`~formflow.auth.remembered_tokens.StaleCredentials`."""
        if check.pending:
            with self.db.read() as conn:
                check(conn)

    def token_used(self, owner: TokenOwner) -> None:
        """Record the use of a token (when its last recorded use is old enough)."""
        if owner.touch_due:
            with self.db.write() as conn:
                touch_token(conn, owner.token_id, owner.checked_at)

    def change_password(self, user: User, current: str, new: str) -> str | None:
        """Replace ``user``'s password after checking the current one, under the account
        policy; returns the new session stamp (this session goes on, every other one
        ends), or raises :class:`~formflow.errors.ValidationFailed`.  A wrong current
        password is :class:`WrongPassword`."""
        refused: Exception | None = None
        with self.db.write() as conn:  # the sign-in check is kept when the new one fails
            if authenticate(conn, user.username, current) is None:
                refused = WrongPassword()
            else:
                try:
                    set_password(conn, user.id, new, actor=user, policy=self.policy)
                except ValidationFailed as failed:
                    refused = failed
                else:
                    return password_stamp(conn, user.id)
        raise refused

    def tokens(self, user: User) -> list[TokenInfo]:
        with self.db.read() as conn:
            return list_tokens(conn, user.id)

    def create_token(self, user: User, name: str, days: int | str | None) -> str:
        """A new API token of ``user``'s (shown once, stored hashed)."""
        with self.db.write() as conn:
            _, token = create_token(conn, user.id, name, days=days, actor=user,
                                    policy=self.policy)
        return token

    def revoke_token(self, user: User, token_id: int) -> None:
        """Revoke one of ``user``'s own tokens (another's is NotFound)."""
        with self.db.write() as conn:
            revoke_token(conn, token_id, user_id=user.id, actor=user)


class WrongPassword(Exception):
    """The current password given to change it is wrong."""
