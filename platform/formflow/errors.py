"""Errors raised by services; the web and API layers turn them into responses.

Each carries :class:`~formflow.i18n.Message` objects so the caller's language is chosen
at the edge, not in the service.
"""

from __future__ import annotations

from formflow.i18n import Message


class ServiceError(Exception):
    """Base of every error a service raises on purpose.  ``status`` is the HTTP status
    the API answers with."""

    status = 400

    def __init__(self, message: Message):
        self.message = message
        super().__init__(message.key)


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Unauthorized(ServiceError):
    status = 401


class Conflict(ServiceError):
    """The data moved meanwhile (a concurrent change, a unique value taken)."""

    status = 409


class StaleVersion(ServiceError):
    """The caller's expected ``_version`` is not the record's current one."""

    status = 412


class TooManyRequests(ServiceError):
    status = 429


#: Field paths one validation error reports at most; the rest are counted, not listed.
MAX_REPORTED_ERRORS = 50


class ValidationFailed(ServiceError):
    """Input failed validation; ``errors`` maps a field path (``lines[2].qty``, or
    ``""`` for the record as a whole) to its messages.  Only the first
    :data:`MAX_REPORTED_ERRORS` paths are kept, followed (under ``""``) by how many more
    there were, so a bad body of any size gets an answer of bounded size."""

    status = 422

    def __init__(self, errors: dict[str, list[Message]]):
        self.errors = capped(errors)
        super().__init__(Message("validation_failed"))


def capped(errors: dict[str, list[Message]]) -> dict[str, list[Message]]:
    """``errors`` cut to :data:`MAX_REPORTED_ERRORS` paths, plus a count of the rest."""
    fields = [(path, messages) for path, messages in errors.items() if path]
    if len(fields) <= MAX_REPORTED_ERRORS:
        return errors
    kept = dict(fields[:MAX_REPORTED_ERRORS])
    more = Message("more_errors", {"count": len(fields) - MAX_REPORTED_ERRORS})
    kept[""] = [*errors.get("", []), more]
    return kept


class Vetoed(ServiceError):
    """A plugin refused the action (a process step, say); the message says why."""

    status = 422
