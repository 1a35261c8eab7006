"""Security headers on every response, pages and API alike.

Pages may load scripts, styles, images and fonts from this site only (every asset is
served locally, and the templates have no inline script, event handler or style
attribute), may not be framed, and post forms only here.  API answers are data, never
a document: their policy allows nothing at all.  A response that already carries a
policy keeps it (a downloaded file's is stricter still).
"""

from __future__ import annotations

from flask import Flask, Response, request

PAGE_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # Bootstrap draws checkboxes and select arrows as data: SVGs
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    policy = API_POLICY if request.path.startswith("/api/") else PAGE_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
