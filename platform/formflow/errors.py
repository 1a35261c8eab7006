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


class ValidationFailed(ServiceError):
    """Input failed validation; ``errors`` maps a field path (``lines[2].qty``, or
    ``""`` for the record as a whole) to its messages."""

    status = 422

    def __init__(self, errors: dict[str, list[Message]]):
        self.errors = errors
        super().__init__(Message("validation_failed"))


class Vetoed(ServiceError):
    """A plugin refused the action (a process step, say); the message says why."""

    status = 422
