"""Size limits of a request as a whole, checked before any view runs.

The body's size is Flask's ``MAX_CONTENT_LENGTH`` and a multipart form's number of
parts its ``MAX_FORM_PARTS`` (both from settings, both a 413 from Werkzeug).  Werkzeug
leaves URL-encoded forms and query strings unbounded in count, so this module counts
their parameters (a count of ``&`` in the raw bytes, before anything is parsed) and
answers 413 with a message naming the limit.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from formflow.errors import ServiceError
from formflow.i18n import Message

URLENCODED = "application/x-www-form-urlencoded"


class RequestTooLarge(ServiceError):
    status = 413


def check_request_size() -> None:
    config = current_app.config
    query = request.query_string
    if len(query) > config["MAX_QUERY_LENGTH"]:
        raise RequestTooLarge(Message("query_too_long", {"max": config["MAX_QUERY_LENGTH"]}))
    if _parameters(query) > config["MAX_QUERY_PARAMS"]:
        raise RequestTooLarge(Message("query_too_many", {"max": config["MAX_QUERY_PARAMS"]}))
    if request.mimetype == URLENCODED:
        body = request.get_data(cache=True)  # kept for the form parser; MAX_CONTENT_LENGTH holds
        if _parameters(body) > config["MAX_FORM_PARTS"]:
            raise RequestTooLarge(Message("form_too_many", {"max": config["MAX_FORM_PARTS"]}))


def _parameters(encoded: bytes) -> int:
    return encoded.count(b"&") + 1 if encoded else 0


def init_app(app: Flask) -> None:
    app.before_request(check_request_size)
