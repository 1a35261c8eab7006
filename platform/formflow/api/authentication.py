"""Who is calling the API: a Bearer token, or the session cookie of a signed-in user.

Wrong tokens are rate-limited per address (``FORMFLOW_TOKEN_ATTEMPTS`` in the sign-in
window): each is counted atomically and, past the limit, answered 429 instead of 401 (a
right token is not held up: with 256 random bits there is nothing to guess, and a
shared address stays usable).

A session-authenticated call that changes data must carry the session's CSRF token in
the ``X-CSRF-Token`` header, so a third-party page cannot ride on the cookie.

A Bearer call to any route that asks :func:`current_api_user`, the REST API's or a
plugin's, takes its caller from the worker's memory of verified tokens when it can: the
request's first transaction, a read or a write, then proves the token still stands, and
when it does not, the request is answered afresh with the token looked up as usual
(:func:`init_app` installs that answer), so a revoked token is refused and new roles
apply on the next request (:mod:`formflow.auth.remembered_tokens`).  The proof only
reads, so a read holding its connection never waits for a second one; a view that opened
no transaction (a refused body, a streamed export) is proven before its answer is sent,
in a read of its own.
"""

from __future__ import annotations

import hmac
from contextlib import ExitStack

from flask import Flask, Response, after_this_request, current_app, g, request, session
from flask.typing import ResponseReturnValue

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
        bearer, token = scheme.lower() == "bearer", token.strip()
        recalling = bearer and not g.get("answering_afresh")
        user = _recall(accounts, token) if recalling else None
        if user is not None:  # proven in the request's first transaction
            g.api_user = user
            return user
        owner = accounts.token_owner(token, remember=recalling) if bearer else None
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


def init_app(app: Flask) -> None:
    """Let every route of ``app`` recall a Bearer token from memory: a request whose
    recalled token no longer stands is answered afresh, and the check is disarmed when
    the request ends."""
    app.register_error_handler(StaleCredentials, _answer_afresh)
    app.teardown_request(_disarm)


def _recall(accounts, token: str) -> User | None:
    """The remembered owner of ``token``, with every later transaction of the request
    armed to prove it first (and a read of its own before the answer is sent when the
    view opened none); ``None`` when the worker does not remember it."""
    check = accounts.credential_check()
    user = check.recall(token)
    if user is not None:
        g.credential_check = check
        g.credential_arming = arming = ExitStack()
        arming.enter_context(accounts.checking(check))
        after_this_request(_prove_before_sending)
    return user


def _prove_before_sending(response: Response) -> Response:
    """A view that opened no transaction proves the token before its answer leaves; an
    answer of a failure (5xx: the database may be down) tells nothing and is sent as is."""
    check = g.get("credential_check")
    if check is None or not check.pending or response.status_code >= 500:
        return response
    try:
        get_runtime().accounts.prove(check)
    except StaleCredentials:
        return current_app.make_response(_answer_afresh())
    return response


def _answer_afresh(_stale: StaleCredentials | None = None) -> ResponseReturnValue:
    """Answer the request again, its token looked up as usual: the recalled one no
    longer stands as remembered (only database work that the refused check rolled back,
    or none, came before)."""
    _disarm()
    g.pop("api_user", None)
    g.answering_afresh = True
    try:
        return current_app.dispatch_request()
    except Exception as error:  # answered as the first dispatch would have been
        return current_app.handle_user_exception(error)


def _disarm(_error: BaseException | None = None) -> None:
    g.pop("credential_check", None)
    arming = g.pop("credential_arming", None)
    if arming is not None:
        arming.close()


def _token_key() -> str:
    return f"token:{request.remote_addr}"


def _refuse_token(runtime) -> None:
    """Count a wrong token from this address and refuse it: 401, or 429 past the limit."""
    wait = runtime.token_throttle.attempt(_token_key())
    if wait:
        raise TooManyRequests(Message("too_many_attempts", {"wait": wait_span(wait)}))
    raise Unauthorized(Message("token_invalid"))
