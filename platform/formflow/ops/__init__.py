"""Operating Formflow: what a load balancer, Prometheus and a log collector need.

- :mod:`~formflow.ops.health`: ``GET /healthz`` (the database answers or not).
- :mod:`~formflow.ops.metrics`: ``GET /metrics`` in Prometheus' text format, also across
  several gunicorn workers (``PROMETHEUS_MULTIPROC_DIR``).
- :mod:`~formflow.ops.request_log`: one log line per request (text or JSON lines) with
  a request id.
- :mod:`~formflow.ops.gunicorn_conf`: gunicorn hooks for the metrics of several workers.

:func:`init_app` wires them into the app, and trusts ``X-Forwarded-*`` headers from
``TRUSTED_PROXIES`` reverse proxies.
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from formflow.ops.health import healthz
from formflow.ops.metrics import Metrics, method_label, metrics_view
from formflow.ops.request_log import configure_logging, log_request, request_id

ops = Blueprint("ops", __name__)
ops.add_url_rule("/healthz", view_func=healthz)
ops.add_url_rule("/metrics", view_func=metrics_view)


def init_app(app: Flask) -> Metrics:
    """Logging, proxy headers, request metrics and the two endpoints; returns the
    metrics, which other parts report to."""
    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=proxies,
            x_proto=proxies,
            x_host=proxies,
            x_port=proxies,
            x_prefix=proxies,
        )
    metrics = app.extensions["formflow_metrics"] = Metrics()
    metrics.watch_database(app.extensions["formflow"].db)
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_end)
    app.register_blueprint(ops)
    return metrics


def _begin() -> None:
    g.ops_started = time.perf_counter()
    g.request_id = request_id(request.headers.get("X-Request-ID"))
    current_app.extensions["formflow_metrics"].in_flight.labels(method_label(request.method)).inc()
    g.ops_in_flight = True


def _finish(response: Response) -> Response:
    started = g.get("ops_started")
    if started is None:  # the request failed before it was counted in
        return response
    seconds = time.perf_counter() - started
    rule = request.url_rule.rule if request.url_rule is not None else None
    current_app.extensions["formflow_metrics"].observe(
        request.method, rule, response.status_code, seconds
    )
    log_request(response.status_code, seconds)
    response.headers["X-Request-ID"] = g.request_id
    return response


def _end(_error: BaseException | None) -> None:
    if g.pop("ops_in_flight", False):
        current_app.extensions["formflow_metrics"].in_flight.labels(
            method_label(request.method)
        ).dec()
