"""REST routes of the designer (``/api/v1/design``): thin views over the design service."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from formflow.api.authentication import current_api_user
from formflow.api.problems import problem
from formflow.api.routes import BadRequest, UnsupportedMediaType, api, if_match, json_body
from formflow.design.plan import localized
from formflow.design.publishing import PublishRefused
from formflow.design.service import DesignService, Draft
from formflow.http.language import request_language
from formflow.i18n import Message
from formflow.runtime import get_runtime

ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed",
                       "application/octet-stream"})


def _service() -> DesignService:
    return DesignService(get_runtime())


def _draft(draft: Draft, *, documents: bool = False, status: int = 200,
           editors: bool = False) -> Response:
    body = {"app": draft.app, "revision": draft.revision}
    if documents:
        body["documents"] = draft.documents
    body["problems"] = draft.problems
    if editors:
        body["editors"] = draft.editors
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = f'"{draft.revision}"'
    return response


@api.get("/design/apps")
def design_apps():
    return jsonify(items=_service().apps(current_api_user()))


@api.post("/design/apps")
def design_create_app():
    user = current_api_user()
    return jsonify(_service().create(user, json_body())), 201


@api.get("/design/apps/<app>/draft")
def design_draft(app: str):
    draft = _service().draft(current_api_user(), app, present=True)
    return _draft(draft, documents=True, editors=True)


@api.post("/design/apps/<app>/draft/ops")
def design_ops(app: str):
    user = current_api_user()
    body = json_body()
    ops = body.get("ops") if isinstance(body, dict) and set(body) <= {"ops"} else None
    if ops is None:
        raise BadRequest(Message("design_ops_body"))
    return _draft(_service().apply(user, app, ops, if_match()))


@api.post("/design/apps/<app>/draft/undo")
def design_undo(app: str):
    return _draft(_service().undo(current_api_user(), app, if_match()), documents=True)


@api.post("/design/apps/<app>/draft/redo")
def design_redo(app: str):
    return _draft(_service().redo(current_api_user(), app, if_match()), documents=True)


@api.get("/design/apps/<app>/plan")
def design_plan(app: str):
    user = current_api_user()
    plan = _service().plan(user, app)
    lang = request_language(user)
    return jsonify(problems=localized(plan["problems"], lang),
                   steps=localized(plan["steps"], lang))


@api.post("/design/apps/<app>/publish")
def design_publish(app: str):
    user = current_api_user()
    body = json_body() if request.content_length else {}
    try:
        version, runtime = _service().publish(user, app, body)
    except PublishRefused as refused:
        lang = request_language(user)
        return problem(refused.status, refused.message.render(lang),
                       problems=localized(refused.problems, lang),
                       steps=localized(refused.steps, lang))
    current_app.extensions["formflow_reloader"].adopt(current_app, runtime)
    return jsonify(version=version)


@api.get("/design/apps/<app>/versions")
def design_versions(app: str):
    return jsonify(items=_service().versions(current_api_user(), app))


@api.post("/design/apps/<app>/versions/<int:version>/restore")
def design_restore(app: str, version: int):
    user = current_api_user()
    return _draft(_service().restore(user, app, version, if_match()), documents=True)


@api.get("/design/apps/<app>/export")
def design_export(app: str):
    version = request.args.get("version", type=int)
    data = _service().export(current_api_user(), app, version)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{app}.zip"'
    return response


@api.post("/design/import")
def design_import():
    user = current_api_user()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise UnsupportedMediaType(Message("design_zip_required"))
        data = upload.read()
    elif request.mimetype in ZIP_TYPES:
        data = request.get_data()
    else:
        raise UnsupportedMediaType(Message("design_zip_required"))
    draft, created = _service().import_zip(user, data)
    return _draft(draft, documents=True, status=201 if created else 200)


def _overlay(outcomes, user) -> Response:
    lang = request_language(user)
    return jsonify(items=[outcome.as_json(lang) for outcome in outcomes])


@api.get("/design/apps/<app>/overlays")
def design_overlays(app: str):
    user = current_api_user()
    return _overlay(_service().overlay(user, app), user)


@api.post("/design/apps/<app>/overlays")
def design_overlay_action(app: str):
    user = current_api_user()
    return _overlay(_service().change_overlay(user, app, json_body()), user)


@api.post("/design/apps/<app>/overlays/<int:id>/accept")
def design_overlay_accept(app: str, id: int):
    user = current_api_user()
    return _overlay(_service().overlay_action(user, app, "accept", id=id), user)


@api.post("/design/apps/<app>/overlays/<int:id>/reapply")
def design_overlay_reapply(app: str, id: int):
    user = current_api_user()
    return _overlay(_service().overlay_action(user, app, "reapply", id=id), user)


@api.delete("/design/apps/<app>/overlays/<int:id>")
def design_overlay_drop(app: str, id: int):
    user = current_api_user()
    return _overlay(_service().overlay_action(user, app, "drop", id=id), user)


@api.post("/design/apps/<app>/overlays/reset")
def design_overlay_reset(app: str):
    user = current_api_user()
    body = json_body()
    if not isinstance(body, dict) or set(body) != {"path"}:
        raise BadRequest(Message("overlay_reset_path"))
    return _overlay(_service().overlay_action(user, app, "reset", path=body["path"]), user)


@api.post("/design/apps/<app>/processes/<process>/fork")
def design_fork_process(app: str, process: str):
    user = current_api_user()
    body = json_body() if request.content_length else {}
    if not isinstance(body, dict) or not set(body) <= {"name"}:
        raise BadRequest(Message("fork_body"))
    return jsonify(_service().fork_process(user, app, process, body.get("name"))), 201


@api.put("/design/apps/<app>/overlays")
def design_overlay_replace(app: str):
    user = current_api_user()
    body = json_body()
    items = body.get("items") if isinstance(body, dict) else None
    return _overlay(_service().replace_overlay(user, app, items), user)
