"""``GET /healthz``: is this worker able to serve?  It asks the database a trivial
question; no sign-in, no other work, so a load balancer may call it every second."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Response, jsonify

from formflow.runtime import get_runtime

log = logging.getLogger(__name__)


def healthz() -> tuple[Response, int]:
    try:
        with get_runtime().db.read() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        # The details (host names, users) go to the log, never into the answer.
        log.error("health check: the database did not answer: %s", error)
        response = jsonify(status="unavailable", detail="The database did not answer.")
        status = 503
    else:
        response, status = jsonify(status="ok"), 200
    response.headers["Cache-Control"] = "no-store"
    return response, status
