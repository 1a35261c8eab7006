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


#: (lower-case name, name, value) of every header but the policy.
_FIXED = tuple((name.lower(), name, value) for name, value in HEADERS.items())


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    present = set(headers.keys(lower=True))  # one look through the headers, not one a name
    if "content-security-policy" not in present:
        policy = API_POLICY if request.path.startswith("/api/") else PAGE_POLICY
        headers.add("Content-Security-Policy", policy)
    for lower, name, value in _FIXED:
        if lower not in present:
            headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
