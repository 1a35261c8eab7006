"""Logging: where log lines go, in which format, and one line per request.

``LOG_FORMAT=text`` writes ``time level logger: message`` lines, one per record: control
characters are written as escapes (a newline as backslash and ``n``), so a newline in a
requested path cannot forge a line, and a traceback's lines are indented; ``json`` writes
one JSON object per line (``time``, ``level``, ``logger``, ``message``, ``pid``, the request
id of the request being answered, ``exception`` with its traceback, and the fields a
line carries).  Every request is logged by ``formflow.requests`` with ``method``,
``path``, ``status``, ``duration_ms``, ``user``, ``remote_addr`` and ``request_id``.

The request id comes from the proxy's ``X-Request-ID`` header when it is a plain token,
else it is made here; either way it is sent back in ``X-Request-ID``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

request_log = logging.getLogger("formflow.requests")
#: The name of the handler this module installs (and replaces when called again).
HANDLER_NAME = "formflow"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: What would end or rewrite a text log line: C0 and C1 controls, DEL, the Unicode
#: line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def request_id(sent: str | None) -> str:
    """The id the proxy sent, when it is a short plain token; else a new one."""
    if sent and REQUEST_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def log_request(status: int, seconds: float) -> None:
    if not request_log.isEnabledFor(logging.INFO):  # a quiet log costs no line built
        return
    duration_ms = round(seconds * 1000, 1)
    fields = {
        "method": request.method,
        "path": request.path,
        "status": status,
        "duration_ms": duration_ms,
        "user": _user_name(),
        "remote_addr": request.remote_addr,
        "request_id": g.request_id,
    }
    request_log.info(
        "%s %s %s %.1f ms",
        request.method,
        request.path,
        status,
        duration_ms,
        extra={"fields": fields},
    )


def _user_name() -> str | None:
    """The caller when this request already knew it: never a database query only to log."""
    user = g.get("api_user")
    if user is None:
        account = g.get("_login_user")  # where Flask-Login keeps the user it loaded
        user = getattr(account, "user", None)
    return getattr(user, "username", None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def escape_controls(text: str) -> str:
    r"""``text`` with each control character written as its Python escape (``\n``,
    ``\x1b``, ``\u2028``)."""
    return _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


class TextFormatter(logging.Formatter):
    """One line per record whatever the message holds; tracebacks follow on indented
    lines, so no line of theirs reads as a record of its own."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))

    def formatException(self, ei) -> str:
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(super().formatStack(stack_info))


def _indented(text: str) -> str:
    return "\n".join("    " + escape_controls(line) for line in text.split("\n"))


class _StandardError(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a line is written (test runners and
    servers replace it)."""

    def __init__(self) -> None:
        super().__init__()
        self.set_name(HANDLER_NAME)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(log_format: str, level: str) -> None:
    """Send log lines to standard error in ``log_format``: Formflow's own from ``level``
    up, other libraries' warnings and errors."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    handler = _StandardError()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else TextFormatter()
    )
    root.addHandler(handler)
    logging.getLogger("formflow").setLevel(level)
