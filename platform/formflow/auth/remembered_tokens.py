"""API tokens a worker has verified, remembered for a short while, so a request that
changes data needs no transaction of its own to find out who is calling.

A remembered token is trusted only together with the credentials revision read when it
was verified (:mod:`~formflow.auth.credentials_revision`).  The request's
:class:`CredentialCheck` reads the revision again inside the request's first
transaction, before anything else in it (on PostgreSQL, a write reads it in the round
trip of its BEGIN): the same number, and the caller is who the worker remembers;
another number, and the token is looked up again in that same transaction.  A token
revoked, or a user deactivated or given other roles, by any worker or host is thus
refused or applied on the next request, as without memory.
When the look-up finds the token gone or its owner changed, the check raises
:class:`StaleCredentials` (the transaction rolls back) and the caller answers the
request afresh, looking the token up as usual.

A token is remembered for at most :data:`~formflow.auth.tokens.TOUCH_INTERVAL`, so
its last use is still recorded about once a minute, and never past its expiry.  The
check only reads (it may run inside a request's read, which must not wait for a second
connection to write): a token it looks up again keeps the deadline it was remembered
with, so the use is recorded at the next look-up outside, however often the revision
moves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from formflow.auth import tokens
from formflow.auth.credentials_revision import REVISION_QUERY, credentials_revision
from formflow.auth.tokens import TokenOwner, find_token_owner, hash_token
from formflow.auth.users import User

#: How many tokens a worker remembers at most (past it, it starts afresh).
LIMIT = 1000


class StaleCredentials(Exception):
    """A remembered token no longer stands as it was remembered: answer afresh."""


@dataclass(frozen=True)
class Remembered:
    owner: TokenOwner
    revision: int
    until: float  # time.monotonic()


class RememberedTokens:
    """One worker's verified tokens, by their hash."""

    def __init__(self, seconds: float = tokens.TOUCH_INTERVAL.total_seconds()):
        self.seconds = seconds
        self._tokens: dict[str, Remembered] = {}

    def recall(self, token_hash: str) -> Remembered | None:
        found = self._tokens.get(token_hash)
        if found is None:
            return None
        expires_at = found.owner.expires_at
        if time.monotonic() >= found.until or (
            expires_at is not None and expires_at <= tokens.utcnow()
        ):
            self._tokens.pop(token_hash, None)
            return None
        return found

    def remember(self, token_hash: str, owner: TokenOwner, revision: int,
                 until: float | None = None) -> None:
        if len(self._tokens) >= LIMIT:
            self._tokens.clear()
        until = time.monotonic() + self.seconds if until is None else until
        self._tokens[token_hash] = Remembered(owner, revision, until)

    def look_up(self, conn: Connection, plaintext: str,
                until: float | None = None) -> TokenOwner | None:
        """The token's owner from the database, remembered (or forgotten) for later:
        until ``until`` when given, else for the usual while.  Reads only."""
        revision = credentials_revision(conn)  # first: a later change must show later
        owner = find_token_owner(conn, plaintext)
        if owner is None:
            self._tokens.pop(hash_token(plaintext), None)
        else:
            self.remember(hash_token(plaintext), owner, revision, until)
        return owner


class CredentialCheck:
    """One request's proof that the token it recalled from memory still stands: called
    with the connection of every transaction the request opens, it checks once, in the
    first, and raises :class:`StaleCredentials` in that and every later one if not."""

    def __init__(self, memory: RememberedTokens):
        self.memory = memory
        self._plaintext: str | None = None
        self._recalled: Remembered | None = None
        self._checked = False
        self._stale = False

    def recall(self, plaintext: str) -> User | None:
        """The remembered owner of ``plaintext`` (``None``: not remembered; look it up)."""
        recalled = self.memory.recall(hash_token(plaintext))
        if recalled is not None:
            self._plaintext, self._recalled = plaintext, recalled
            self._checked = self._stale = False
        return recalled.owner.user if recalled is not None else None

    @property
    def pending(self) -> bool:
        return self._recalled is not None and not self._checked

    def __call__(self, conn: Connection) -> None:
        self.settle(conn, credentials_revision(conn) if self.pending else None)

    def leading_query(self) -> str | None:
        """While the check is pending, the query of the credentials revision, for a write
        transaction to send with its BEGIN and hand to :meth:`settle`."""
        return REVISION_QUERY if self.pending else None

    def settle(self, conn: Connection, revision: int | None) -> None:
        """The check, given the credentials ``revision`` read first in ``conn``'s
        transaction (``None``: no revision set yet)."""
        if self.pending:
            self._checked = True
            self._stale = not self._still_stands(conn, revision or 0)
        if self._stale:
            raise StaleCredentials()

    def _still_stands(self, conn: Connection, revision: int) -> bool:
        recalled = self._recalled
        if revision == recalled.revision:
            return True
        owner = self.memory.look_up(conn, self._plaintext, until=recalled.until)
        return owner is not None and owner.user == recalled.owner.user
