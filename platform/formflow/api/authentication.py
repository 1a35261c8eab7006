"""Who is calling the API: a Bearer token, or the session cookie of a signed-in user.

Wrong tokens are rate-limited per address (``FORMFLOW_TOKEN_ATTEMPTS`` in the sign-in
window): each is counted atomically and, past the limit, answered 429 instead of 401 (a
right token is not held up: with 256 random bits there is nothing to guess, and a
shared address stays usable).

A session-authenticated call that changes data must carry the session's CSRF token in
the ``X-CSRF-Token`` header, so a third-party page cannot ride on the cookie.

A Bearer call, reading or writing (:func:`recalling_tokens` wraps every route), takes
its caller from the worker's memory of verified tokens when it can: its first
transaction, a read or a write, then proves the token still stands, and when it does
not, the call is answered afresh with the token looked up as usual, so a revoked token
is refused and new roles apply on the next request
(:mod:`formflow.auth.remembered_tokens`).  The proof only reads, so a read holding its
connection never waits for a second one; a streamed answer (an export) is proven before
it is sent, in the view's first transaction or a read of its own.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps

from flask import g, request, session

from formflow.auth import StaleCredentials, User
from formflow.errors import Forbidden, TooManyRequests, Unauthorized
from formflow.i18n import Message, wait_span
from formflow.runtime import get_runtime

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_api_user() -> User:
    if "api_user" in g:
        return g.api_user
    runtime = get_runtime()
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    owner = None
    accounts = runtime.accounts
    if header:
        bearer, token, check = scheme.lower() == "bearer", token.strip(), g.get("credential_check")
        user = check.recall(token) if bearer and check is not None else None
        if user is not None:  # its check runs in the request's first transaction
            g.api_user = user
            return user
        owner = accounts.token_owner(token, remember=check is not None) if bearer else None
        user = owner.user if owner is not None else None
    else:
        user = accounts.session_user(session.get("user_id"), session.get("auth_stamp"))
        if user is None:
            raise Unauthorized(Message("login_required"))
        if request.method not in SAFE_METHODS:
            sent = request.headers.get("X-CSRF-Token", "")
            expected = session.get("csrf_token", "")
            if not expected or not hmac.compare_digest(sent, expected):
                raise Forbidden(Message("csrf_failed"))
    if user is None:  # counted once the read connection is back in the pool
        _refuse_token(runtime)
    if owner is not None:
        accounts.token_used(owner)
    g.api_user = user
    return user


def recalling_tokens(view: Callable) -> Callable:
    """``view``, letting a Bearer call recall its token from memory (answered afresh if
    the token no longer stands as remembered: only a view's database work that the
    refused check rolled back, or none, came before)."""

    @wraps(view)
    def answer(**arguments):
        if "Authorization" not in request.headers:
            return view(**arguments)
        accounts = get_runtime().accounts
        g.credential_check = check = accounts.credential_check()
        try:
            with accounts.checking(check):
                return view(**arguments)
        except StaleCredentials:
            pass
        finally:
            del g.credential_check
        g.pop("api_user", None)
        return view(**arguments)

    return answer


def _token_key() -> str:
    return f"token:{request.remote_addr}"


def _refuse_token(runtime) -> None:
    """Count a wrong token from this address and refuse it: 401, or 429 past the limit."""
    wait = runtime.token_throttle.attempt(_token_key())
    if wait:
        raise TooManyRequests(Message("too_many_attempts", {"wait": wait_span(wait)}))
    raise Unauthorized(Message("token_invalid"))
