"""Errors as ``application/problem+json`` (RFC 9457): status, title, detail, and for
validation errors ``errors: {"field": ["message"]}`` in the caller's language."""

from __future__ import annotations

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from formflow.errors import ServiceError, ValidationFailed
from formflow.http.language import request_language
from formflow.i18n import Message, render_errors

TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 412: "Precondition failed",
    413: "Request too large", 415: "Unsupported media type", 422: "Unprocessable content",
    429: "Too many requests", 500: "Internal server error", 503: "Service unavailable",
}


def problem(status: int, detail: str, **extra) -> Response:
    body = {"type": "about:blank", "status": status, "title": TITLES.get(status, "Error"),
            "detail": detail, **extra}
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="formflow"'
    return response


def service_problem(error: ServiceError, lang: str | None) -> Response:
    extra = {}
    if isinstance(error, ValidationFailed):
        extra["errors"] = render_errors(error.errors, lang)
    return problem(error.status, error.message.render(lang), **extra)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def api_language() -> str:
    """The language of an API answer: the calling user's, else the browser's."""
    return request_language(g.get("api_user"))


def register_problem_handlers(app: Flask) -> None:
    """Answer every error under /api/ with problem+json (HTML pages keep their own)."""

    @app.errorhandler(ServiceError)
    def on_service_error(error: ServiceError):
        return service_problem(error, api_language())

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException):
        if not is_api_request():
            return error
        status = error.code or 500
        detail = {
            404: Message("not_found").render(api_language()),
            413: _too_large().render(api_language()),
        }.get(status, error.description or "")
        return problem(status, detail)


def _too_large() -> Message:
    """Why a body was refused: it is larger than the request's limit."""
    limit = request.max_content_length
    if not limit:
        return Message("request_too_large")
    return Message("request_larger_than", {"max": f"{limit / 1024:g} KB"})
