"""REST routes of the process engine: actions on a record, the caller's tasks and the
caller's deputies (委托)."""

from __future__ import annotations

from flask import jsonify, request

from formflow.api.authentication import current_api_user
from formflow.api.routes import api, json_body
from formflow.errors import ServiceError
from formflow.i18n import Message
from formflow.runtime import get_runtime

TASK_STATUSES = ("open", "done", "cc")


class BadTaskStatus(ServiceError):
    status = 400


@api.get("/<app>/<entity>/<int:record_id>/actions")
def record_actions(app: str, entity: str, record_id: int):
    user = current_api_user()
    actions = get_runtime().process.actions(user, f"{app}.{entity}", record_id)
    return jsonify(items=actions)


@api.post("/<app>/<entity>/<int:record_id>/actions/<name>")
def take_action(app: str, entity: str, record_id: int, name: str):
    user = current_api_user()
    body = json_body() if request.content_length else {}
    record = get_runtime().process.act(user, f"{app}.{entity}", record_id, name, body)
    response = jsonify(record)
    response.headers["ETag"] = f'"{record["_version"]}"'
    return response


@api.post("/tasks/<int:task_id>/reassign")
def reassign_task(task_id: int):
    """Admins: hand an open task to another user (``{"user": NAME, "comment": ...}``)."""
    user = current_api_user()
    body = json_body() if request.content_length else {}
    return jsonify(get_runtime().process.reassign(user, task_id, body))


@api.get("/tasks")
def my_tasks():
    user = current_api_user()
    status = request.args.get("status", "open")
    if status not in TASK_STATUSES:
        raise BadTaskStatus(Message("invalid_choice", {"value": status[:40]}))
    items = get_runtime().process.tasks(user, status)
    return jsonify(items=items, total=len(items))


@api.get("/delegations")
def my_delegations():
    items = get_runtime().delegations.list(current_api_user())
    return jsonify(items=items, total=len(items))


@api.post("/delegations")
def new_delegation():
    user = current_api_user()
    body = json_body() if request.content_length else {}
    return jsonify(get_runtime().delegations.create(user, body)), 201


@api.delete("/delegations/<int:delegation_id>")
def end_delegation(delegation_id: int):
    get_runtime().delegations.delete(current_api_user(), delegation_id)
    return "", 204
