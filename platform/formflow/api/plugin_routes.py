"""REST routes of plugins: the record actions plugins register, and (for admins) the
list of loaded plugins with their scheduled jobs."""

from __future__ import annotations

from flask import jsonify, request

from formflow.api.authentication import current_api_user
from formflow.api.routes import api, json_body
from formflow.http.language import request_language
from formflow.plugins.report import describe_plugins
from formflow.runtime import get_runtime


@api.get("/<app>/<entity>/<int:record_id>/plugin-actions")
def plugin_actions(app: str, entity: str, record_id: int):
    """The plugin actions the caller may run on the record: ``name``, ``label``,
    ``confirm`` (a question to ask first, or null) and ``plugin``."""
    user = current_api_user()
    items = get_runtime().record_actions.available(
        user, f"{app}.{entity}", record_id, request_language(user)
    )
    return jsonify(items=items)


@api.post("/<app>/<entity>/<int:record_id>/plugin-actions/<name>")
def run_plugin_action(app: str, entity: str, record_id: int, name: str):
    """Run a plugin action; the body (optional) is a JSON object of parameters.  Answers
    ``{"record": ..., "result": ...}``."""
    user = current_api_user()
    params = json_body() if request.content_length else {}
    return jsonify(get_runtime().record_actions.run(user, f"{app}.{entity}", record_id, name,
                                                    params))


@api.get("/admin/plugins")
def list_plugins():
    """Every plugin found (admins only): see :func:`formflow.plugins.report.describe_plugins`."""
    runtime, user = get_runtime(), current_api_user()
    return jsonify(items=describe_plugins(user, runtime.plugins, runtime.jobs,
                                          request_language(user)))
