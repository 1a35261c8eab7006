"""REST routes of the process figures: one selection, or two compared."""

from __future__ import annotations

from flask import Response, jsonify, request, stream_with_context

from formflow.api.authentication import current_api_user
from formflow.api.routes import api, json_body
from formflow.insights.service import Selection, parse_date, parse_version
from formflow.runtime import get_runtime


@api.get("/insights/<app>/<process>")
def process_figures(app: str, process: str):
    args = request.args
    selection = Selection(
        version=parse_version(args.get("version")),
        start=parse_date(args.get("from"), "from"),
        end=parse_date(args.get("to"), "to"),
        baseline=args.get("baseline") or None,
    )
    return jsonify(get_runtime().insights.figures(current_api_user(), app, process, selection))


@api.get("/insights/<app>/<process>/events.<any(csv, xes):kind>")
def process_events(app: str, process: str, kind: str):
    """The process's event log for process mining (CSV or XES), streamed."""
    export = get_runtime().event_export
    chunks = (export.csv if kind == "csv" else export.xes)(current_api_user(), app, process)
    mimetype = "text/csv" if kind == "csv" else "application/xml"
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{app}-{process}-events.{kind}"')
    return response


@api.get("/insights/<app>/<process>/compare")
def compare_figures(app: str, process: str):
    a, b = request.args.get("a", ""), request.args.get("b", "")
    return jsonify(get_runtime().insights.compare(current_api_user(), app, process, a, b))


@api.get("/<app>/<entity>/<int:record_id>/rating")
def case_rating(app: str, entity: str, record_id: int):
    return jsonify(get_runtime().feedback.rating(current_api_user(), f"{app}.{entity}",
                                                 record_id))


@api.put("/<app>/<entity>/<int:record_id>/rating")
def rate_case(app: str, entity: str, record_id: int):
    """The requester rates their finished case: ``{"score": 1-5, "comment": ...}``."""
    return jsonify(get_runtime().feedback.rate(current_api_user(), f"{app}.{entity}",
                                               record_id, json_body()))


@api.post("/tasks/<int:task_id>/remind")
def remind_task(task_id: int):
    """Whoever watches the process reminds the holder of an open task (``{"comment"}``)."""
    body = json_body() if request.content_length else {}
    comment = body.get("comment") if isinstance(body, dict) else None
    return jsonify(get_runtime().overdue.remind(current_api_user(), task_id,
                                                comment if isinstance(comment, str) else None))
