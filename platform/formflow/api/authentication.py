"""Who is calling the API: a Bearer token, or the session cookie of a signed-in user.

Wrong tokens are rate-limited per address (``FORMFLOW_TOKEN_ATTEMPTS`` in the sign-in
window): each is counted atomically and, past the limit, answered 429 instead of 401 (a
right token is not held up: with 256 random bits there is nothing to guess, and a
shared address stays usable).

A session-authenticated call that changes data must carry the session's CSRF token in
the ``X-CSRF-Token`` header, so a third-party page cannot ride on the cookie.
"""

from __future__ import annotations

import hmac

from flask import g, request, session

from formflow.auth import User
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
        owner = accounts.token_owner(token.strip()) if scheme.lower() == "bearer" else None
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


def _token_key() -> str:
    return f"token:{request.remote_addr}"


def _refuse_token(runtime) -> None:
    """Count a wrong token from this address and refuse it: 401, or 429 past the limit."""
    wait = runtime.token_throttle.attempt(_token_key())
    if wait:
        raise TooManyRequests(Message("too_many_attempts", {"wait": wait_span(wait)}))
    raise Unauthorized(Message("token_invalid"))
