"""What the app answers when the database cannot be used right now: 503 with
``Retry-After``, a problem document under ``/api/`` and a page elsewhere, and one
warning in the log (no traceback: it is the database, not the code).

:func:`formflow.storage.database.is_outage` decides which errors count; this module is
the only place that turns them into a response.  Any other database error stays a bug
and goes on to the usual 500.  Nothing was written: the transaction of the request
died with its connection.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, Response, request

from formflow.api.problems import api_language, is_api_request, problem
from formflow.i18n import Message
from formflow.storage.database import is_outage
from formflow.web.shell import outage_page

#: Seconds a client should wait before trying again.
RETRY_AFTER = 5
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    @app.errorhandler(sa.exc.DBAPIError)
    @app.errorhandler(sa.exc.TimeoutError)
    def on_database_error(error: sa.exc.SQLAlchemyError) -> Response:
        if not is_outage(error):
            raise error
        log.warning("database unavailable in %s %s: %s", request.method, request.path,
                    getattr(error, "orig", None) or error)
        message = Message("database_unavailable")
        if is_api_request():
            response = problem(503, message.render(api_language()))
        else:
            response = outage_page(message)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
