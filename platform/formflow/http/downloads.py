"""File downloads as HTTP responses, shared by the pages and the REST API."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context


def download(chunks: Iterator[bytes], mimetype: str, filename: str) -> Response:
    """A download streamed as ``chunks`` are produced (inside the request context)."""
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
