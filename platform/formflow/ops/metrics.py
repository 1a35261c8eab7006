"""Request and database metrics for Prometheus, served at ``GET /metrics``.

Labels are bounded on purpose: the route is the URL rule (``/api/v1/<app>/<entity>/<int:id>``,
never the path a client sent), an unknown HTTP method is counted as ``OTHER``, and a
database error by its class.  Nothing names a user, a record or a value.

Under gunicorn every worker is a process of its own.  With ``PROMETHEUS_MULTIPROC_DIR``
set (to an empty folder, before the server starts), prometheus-client keeps each
worker's values in files there and ``/metrics`` adds up those of all workers, whichever
worker answers; :mod:`formflow.ops.gunicorn_conf` clears the folder at start and drops
the in-flight count of a worker that exits.

``/metrics`` answers only a caller presenting ``Authorization: Bearer <METRICS_TOKEN>``;
without that setting it does not exist (404).
"""

from __future__ import annotations

import glob
import hmac
import os

import sqlalchemy as sa
from flask import Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from formflow.runtime import Runtime
from formflow.storage.database import Database

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: The route label of a request no URL rule matched (a 404).
UNMATCHED = "unmatched"


class Metrics:
    """The metrics of one app, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = Counter(
            "formflow_http_requests", "HTTP requests answered.", labels, registry=self.registry
        )
        self.latency = Histogram(
            "formflow_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            labels,
            registry=self.registry,
        )
        # Labelled, so no value exists before a request: a command that builds the app
        # (formflow migrate) leaves nothing behind in the multiprocess folder.
        self.in_flight = Gauge(
            "formflow_http_requests_in_flight",
            "HTTP requests being answered now.",
            ["method"],
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.db_errors = Counter(
            "formflow_db_errors",
            "Errors the database driver raised, by class.",
            ["error"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "formflow_metadata_reloads",
            "Times a worker loaded newly published metadata.",
            registry=self.registry,
        )

    def observe(self, method: str, rule: str | None, status: int, seconds: float) -> None:
        labels = (method_label(method), rule or UNMATCHED, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def watch_database(self, db: Database) -> None:
        """Count every error the database driver raises through ``db``'s engine."""

        def on_error(context) -> None:
            error = context.sqlalchemy_exception or context.original_exception
            self.db_errors.labels(type(error).__name__).inc()

        sa.event.listen(db.engine, "handle_error", on_error)

    def metadata_reloaded(self, _runtime: Runtime) -> None:
        self.reloads.inc()

    def exposition(self) -> bytes:
        """The text format: this process's metrics, or every worker's in multiprocess mode."""
        if os.environ.get(MULTIPROCESS_ENV):
            registry = CollectorRegistry()
            registry.register(WorkerFiles(os.environ[MULTIPROCESS_ENV]))
            return generate_latest(registry)
        return generate_latest(self.registry)


class WorkerFiles:
    """Every worker's values from the multiprocess folder, leaving out a file a worker has
    just created and not yet sized: prometheus-client's own collector fails the whole
    answer on such an empty file (a worker starting up while ``/metrics`` is read)."""

    def __init__(self, path: str):
        self.path = path

    def collect(self):
        return multiprocess.MultiProcessCollector.merge(self._written(), accumulate=True)

    def _written(self) -> list[str]:
        written = []
        for name in glob.glob(os.path.join(self.path, "*.db")):
            try:
                if os.path.getsize(name) > 0:
                    written.append(name)
            except OSError:  # the file of a worker that has just exited
                continue
        return written


def method_label(method: str) -> str:
    return method if method in METHODS else "OTHER"


def metrics_view() -> Response:
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        abort(404)
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        sent.strip().encode(), str(token).encode()
    ):
        return Response(
            "A bearer token is required.\n",
            401,
            {"WWW-Authenticate": "Bearer"},
            mimetype="text/plain",
        )
    body = current_app.extensions["formflow_metrics"].exposition()
    return Response(body, content_type=CONTENT_TYPE_LATEST)
