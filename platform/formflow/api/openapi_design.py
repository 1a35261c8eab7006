"""The design API's part of the OpenAPI document (for admins and designers)."""

from __future__ import annotations

from typing import Any

from formflow.design.overlay_service import ACTIONS as OVERLAY_ACTIONS

PREFIX = "/api/v1/design"
_APP = {"name": "app", "in": "path", "required": True, "schema": {"type": "string"}}
_REVISION = {"name": "If-Match", "in": "header", "required": False,
             "description": "The draft revision the change was made on; a stale one is 412.",
             "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]+"?$'}}
_OBJECT = {"type": "object"}
_PROBLEMS = {"type": "array", "items": {
    "type": "object", "required": ["path", "message"],
    "properties": {"path": {"type": "string"}, "message": {"type": "string"},
                   "level": {"enum": ["error", "warning"]}, "file": {"type": "string"},
                   "pointer": {"type": "string"}}}}
_DOCUMENTS = {"type": "object", "description": (
    "The app's documents by file: app.json, entities/<e>.json, processes/<p>.json."),
    "additionalProperties": _OBJECT}
_DRAFT = {"type": "object", "required": ["revision", "problems"], "properties": {
    "app": {"type": "string"}, "revision": {"type": "integer"}, "documents": _DOCUMENTS,
    "problems": _PROBLEMS}}
_EDITORS = {"type": "array", "description": (
    "The other users who had the app's draft open in the last two minutes (reading the "
    "draft marks the caller as editing it)."), "items": {
    "type": "object", "required": ["user", "name", "last_seen"], "properties": {
        "user": {"type": "string"}, "name": {"type": "string"},
        "last_seen": {"type": "string", "format": "date-time"}}}}
_DRAFT_READ = {**_DRAFT, "properties": {**_DRAFT["properties"], "editors": _EDITORS}}
_APP_SUMMARY = {"type": "object", "properties": {
    "name": {"type": "string"}, "label": {}, "owner": {"enum": ["site", "shipped"]},
    "revision": {"type": ["integer", "null"]}, "version": {"type": ["integer", "null"]},
    "draft_revision": {"type": ["integer", "null"]},
    "published_version": {"type": ["integer", "null"]}}}
_OPERATION = {"type": "object", "required": ["op", "path"], "additionalProperties": False,
              "properties": {
                  "op": {"enum": ["add", "set", "hide", "order", "remove"]},
                  "path": {"type": "string", "maxLength": 500,
                           "examples": ["entities/vehicle/fields/plate"]},
                  "value": {}, "after": {"type": ["string", "null"]}}}
_STEP = {"type": "object", "properties": {"text": {"type": "string"},
                                          "destructive": {"type": "boolean"},
                                          "rows": {"type": "integer"}}}
_PLAN = {"type": "object", "properties": {"problems": _PROBLEMS,
                                          "steps": {"type": "array", "items": _STEP}}}
_ZIP = {"description": "A zip of the app folder",
        "content": {"application/zip": {"schema": {"type": "string",
                                                   "contentEncoding": "binary"}}}}
_OVERLAY = {"type": "object", "properties": {"items": {"type": "array", "items": {
    "type": "object", "required": ["id", "op", "path", "status"], "properties": {
        "id": {"type": "integer", "description": "The operation's id in the draft overlay"},
        "op": {"enum": ["add", "set", "hide", "order", "remove"]}, "path": {"type": "string"},
        "value": {}, "was": {"description": "The shipped value the operation was made against"},
        "status": {"enum": ["applied", "conflict", "orphan", "invalid"]},
        "message": {"type": "string"}}}}}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_OVERLAY_ITEM = {"type": "object", "required": ["op"], "properties": {
    "op": _OPERATION, "was": {"type": "object", "description": '{"value": ...} or {}'}}}


def design_paths(operation, json) -> dict[str, Any]:
    """``operation(summary, responses, parameters, body)`` and ``json(schema)`` are the
    document's own builders."""
    app = f"{PREFIX}/apps/{{app}}"
    draft = {"200": json(_DRAFT)}
    return {
        f"{PREFIX}/apps": {
            "get": operation("Apps: site apps (designed here) and shipped apps",
                             {"200": json({"type": "object", "properties": {
                                 "items": {"type": "array", "items": _APP_SUMMARY}}})}),
            "post": operation("Create a site app", {"201": json(_APP_SUMMARY)},
                              body={"type": "object", "required": ["name"],
                                    "additionalProperties": False,
                                    "properties": {"name": {"type": "string"}, "label": {}}}),
        },
        f"{app}/draft": {"get": operation("The app's draft, with its problems and who else is "
                                          "editing it", {"200": json(_DRAFT_READ)}, [_APP])},
        f"{app}/draft/ops": {"post": operation(
            "Apply operations to the draft, all or none (422 names the failing op's index)",
            draft, [_APP, _REVISION],
            body={"type": "object", "required": ["ops"], "additionalProperties": False,
                  "properties": {"ops": {"type": "array", "items": _OPERATION,
                                         "minItems": 1, "maxItems": 500}}})},
        f"{app}/draft/undo": {"post": operation("Undo the last change of the draft", draft,
                                                [_APP, _REVISION])},
        f"{app}/draft/redo": {"post": operation("Redo the last undone change", draft,
                                                [_APP, _REVISION])},
        f"{app}/plan": {"get": operation("What publishing would do, in words",
                                         {"200": json(_PLAN)}, [_APP])},
        f"{app}/publish": {"post": operation(
            "Publish the draft as the next version (422: problems; 409: unconfirmed "
            "destructive steps)", {"200": json({"type": "object", "properties": {
                "version": {"type": "integer"}}})}, [_APP],
            body={"type": "object", "additionalProperties": False, "properties": {
                "confirm_destructive": {"type": "boolean"},
                "note": {"type": "string", "maxLength": 2000}}})},
        f"{app}/versions": {"get": operation(
            "Published versions, newest first (of a shipped app: its published overlays, "
            "each with the number of its operations)",
            {"200": json({"type": "object", "properties": {
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "version": {"type": "integer"}, "author": {"type": "string"},
                    "published_at": {"type": "string", "format": "date-time"},
                    "note": {"type": "string"},
                    "changes": {"type": "array", "items": {"type": "string"}},
                    "operations": {"type": "integer"}}}}}})},
            [_APP])},
        f"{app}/versions/{{version}}/restore": {"post": operation(
            "Make the draft a published version again (undoable)", draft,
            [_APP, {"name": "version", "in": "path", "required": True,
                    "schema": {"type": "integer"}}, _REVISION])},
        f"{app}/export": {"get": operation(
            "The app as a zip of its folder (the draft, or ?version=N)", {"200": _ZIP},
            [_APP, {"name": "version", "in": "query", "schema": {"type": "integer"}}])},
        f"{app}/overlays": {
            "get": operation("A shipped app's overlay (the site's changes) with each "
                             "operation's status against the shipped files",
                             {"200": json(_OVERLAY)}, [_APP]),
            "post": operation(
                "Accept, re-apply or drop an operation (by id, or index: its place in the "
                "list), or reset an element to shipped", {"200": json(_OVERLAY)}, [_APP],
                body={"type": "object", "required": ["action"], "additionalProperties": False,
                      "properties": {"action": {"enum": list(OVERLAY_ACTIONS)},
                                     "id": {"type": "integer"}, "index": {"type": "integer"},
                                     "path": {"type": "string"}}}),
            "put": operation("Replace the overlay (an exported one)", {"200": json(_OVERLAY)},
                             [_APP], body={"type": "object", "required": ["items"],
                                           "properties": {"items": {
                                               "type": "array", "items": _OVERLAY_ITEM}}}),
        },
        f"{app}/overlays/{{id}}": {"delete": operation(
            "Drop an operation of the overlay (the shipped value applies again)",
            {"200": json(_OVERLAY)}, [_APP, _ID])},
        f"{app}/overlays/{{id}}/accept": {"post": operation(
            "Accept a conflict: the shipped value as it is now becomes the one the "
            "operation was made against; the site's value stays", {"200": json(_OVERLAY)},
            [_APP, _ID])},
        f"{app}/overlays/{{id}}/reapply": {"post": operation(
            "Run an operation again against the shipped app as it is now (following a "
            "shipped field's rename); 422 saying why when it still cannot apply",
            {"200": json(_OVERLAY)}, [_APP, _ID])},
        f"{app}/overlays/reset": {"post": operation(
            "Reset an element to shipped: drop every operation on it and inside it",
            {"200": json(_OVERLAY)}, [_APP],
            body={"type": "object", "required": ["path"], "additionalProperties": False,
                  "properties": {"path": {"type": "string",
                                          "examples": ["entities/customer/fields/phone"]}}})},
        f"{app}/processes/{{process}}/fork": {"post": operation(
            "Fork a shipped app's process into a site-owned copy (named x_<process> unless "
            "given; versioned like a site process) that its entity uses for new records once "
            "the overlay is published; records already in the process keep it",
            {"201": json({"type": "object", "properties": {
                "process": {"type": "string"}, "revision": {"type": "integer"}}})},
            [_APP, {"name": "process", "in": "path", "required": True,
                    "schema": {"type": "string"}}],
            body={"type": "object", "additionalProperties": False, "properties": {
                "name": {"type": "string", "pattern": "^x_[a-z0-9_]+$"}}})},
        f"{PREFIX}/import": {"post": {**operation(
            "A zipped app folder becomes a site app's draft", {"201": json(_DRAFT),
                                                               "200": json(_DRAFT)}),
            "requestBody": {"required": True, "content": {
                "application/zip": {"schema": {"type": "string", "contentEncoding": "binary"}},
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "string", "contentEncoding": "binary"}}}}}}}},
    }
