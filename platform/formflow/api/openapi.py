"""The OpenAPI 3.1 document, generated from the metadata: one schema per entity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from formflow.api.openapi_design import design_paths
from formflow.api.openapi_design_check import check_paths
from formflow.fields import Registry
from formflow.io.exporting import MIMETYPES as EXPORT_MIMETYPES
from formflow.io.import_jobs import MODES
from formflow.metadata.model import Entity, Field, Model
from formflow.process.service import MAX_COMMENT
from formflow.records.query import MAX_PAGE, MAX_PER_PAGE

_SYSTEM_PROPERTIES = {
    "id": {"type": "integer", "readOnly": True},
    "_number": {"type": ["string", "null"], "readOnly": True},
    "_title": {"type": ["string", "null"], "readOnly": True},
    "_state": {"type": ["string", "null"], "readOnly": True},
    "_process_version": {"type": ["integer", "null"], "readOnly": True},
    "_states": {"type": "array", "items": {"type": "string"}, "readOnly": True,
                "description": "Every active step: in a parallel state, each running branch's."},
    "_version": {"type": "integer", "description": "Optimistic lock; also the ETag."},
    "_created_at": {"type": "string", "format": "date-time", "readOnly": True},
    "_created_by": {"type": ["string", "null"], "readOnly": True},
    "_updated_at": {"type": "string", "format": "date-time", "readOnly": True},
    "_updated_by": {"type": ["string", "null"], "readOnly": True},
    "_deleted_at": {"type": ["string", "null"], "format": "date-time", "readOnly": True},
}
_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_NAMES = {"type": "array", "items": {"type": "string"}}
#: An action the caller may take on a record now.
_ACTION = {"type": "object", "properties": {
    "name": {"type": "string"}, "kind": {"enum": ["transition", "builtin"]},
    "label": {"type": "string"}, "comment": {"enum": ["required", "optional", None]},
    "required": _NAMES, "fields": _NAMES,
    "choices": {**_NAMES, "description": "remove_approver: the approvers the caller added "
                "who have not decided yet"},
}}
#: One of the caller's tasks.
_TASK = {"type": "object", "properties": {
    **{key: {"type": "string"} for key in ("app", "entity", "state", "status")},
    **{key: {"type": "integer"} for key in ("id", "record_id")},
    **{key: {"type": ["string", "null"]} for key in ("record_title", "assignee", "decision")},
    **{key: {"type": ["string", "null"], "format": "date-time"}
       for key in ("opened_at", "due_at", "closed_at")},
    "flagged": {"type": "boolean"},
    "on_behalf_of": {"type": "string",
                     "description": "on a delegated task only: whose task the deputy holds (代)"},
}}
#: A create's ``Idempotency-Key`` header (see formflow.records.idempotency).
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "repeat a create with the same key and body: one record, answered again",
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,128}$"},
}
#: What ``If-Match`` accepts: a record's ETag (``"3"``, weak or bare) or ``*``.
_ETAG = {"type": "string", "pattern": r'^\s*(\*|(W/)?"?[0-9]{1,18}"?)\s*$'}
_PERMITTED = {
    "type": "object",
    "properties": {"update": {"type": "boolean"}, "delete": {"type": "boolean"},
                   "reason": {"type": ["string", "null"]}},
    "required": ["update", "delete", "reason"],
}


def entity_schema(
    entity: Entity, field_types: Registry, readable: Callable[[Field], bool] = lambda f: True
) -> dict[str, Any]:
    properties = dict(_SYSTEM_PROPERTIES)
    properties.update({f.name: field_types.json_schema(f) for f in entity.fields if readable(f)})
    return {
        "type": "object",
        "title": entity.label.text("en"),
        "properties": properties,
        "additionalProperties": False,
    }


def openapi_document(
    model: Model, field_types: Registry, *, visible: Callable[[Entity], bool] = lambda e: True,
    readable: Callable[[Field], bool] = lambda f: True, design: bool = False,
) -> dict[str, Any]:
    """The document for a caller who sees the entities ``visible`` accepts and the fields
    ``readable`` accepts; with ``design``, the design API too."""
    schemas: dict[str, Any] = {"Problem": _problem_schema()}
    paths: dict[str, Any] = {}
    for entity in filter(visible, model.entities()):
        name = f"{entity.app}.{entity.name}"
        schemas[name] = entity_schema(entity, field_types, readable)
        ref = {"$ref": f"#/components/schemas/{name}"}
        collection = f"/api/v1/{entity.app}/{entity.name}"
        paths[collection] = {
            "get": _operation(f"List {name}", _list_response(ref),
                              _list_parameters(entity, field_types, readable)),
            "post": _operation(f"Create {name}", {"201": _json(ref)}, [IDEMPOTENCY_KEY],
                               body=ref),
        }
        item_params = [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ]
        if_match = {"name": "If-Match", "in": "header", "required": False, "schema": _ETAG}
        versioned = [*item_params, if_match]
        paths[f"{collection}/{{id}}"] = {
            "get": _operation(f"Read {name}", {"200": _json(ref)}, item_params),
            "patch": _operation(f"Update {name}", {"200": _json(ref)}, versioned, body=ref),
            "delete": _operation(
                f"Delete {name}", {"204": {"description": "Deleted"}}, versioned
            ),
        }
        paths[f"{collection}/{{id}}/history"] = {
            "get": _operation(f"History of {name}", {"200": _json({"type": "object"})}, item_params)
        }
        paths[f"{collection}/{{id}}/permitted"] = {
            "get": _operation(f"What the caller may do to a {name} now",
                              {"200": _json(_PERMITTED)}, item_params)
        }
        paths.update(_io_paths(entity, name, collection, field_types, readable))
        if model.process_for(entity) is not None:
            paths.update(_process_paths(name, collection, ref, item_params))
    if any(model.process_for(e) is not None for e in filter(visible, model.entities())):
        paths["/api/v1/tasks"] = {"get": _operation(
            "The caller's tasks", {"200": _json(_items(_TASK))},
            [{"name": "status", "in": "query",
              "schema": {"enum": ["open", "done", "cc"], "default": "open"}}])}
        paths["/api/v1/tasks/{id}/reassign"] = {"post": _operation(
            "Hand a pending task to another user (admins)", {"200": _json(_TASK)},
            [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            body={"type": "object", "additionalProperties": False, "required": ["user"],
                  "properties": {"user": {"type": "string"}, "comment": {"type": "string"}}})}
        paths.update(_delegation_paths())
        paths["/api/v1/tasks/{id}/remind"] = {"post": _operation(
            "Remind the holder of an open task (who watches the process)",
            {"200": _json({"type": "object"}), "429": _problem_response()},
            [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            body={"type": "object", "additionalProperties": False,
                  "properties": {"comment": {"type": "string", "maxLength": 1000}}})}
        paths.update(_insights_paths())
    paths.update(_import_job_paths())
    if design:
        paths.update(design_paths(_operation, _json))
        paths.update(check_paths(_operation, _json))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Formflow API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _delegation_paths() -> dict[str, Any]:
    """The caller's deputies (委托): tasks given to them on those days go to the deputy."""
    day = {"type": "string", "format": "date"}
    delegation = {
        "type": "object", "additionalProperties": False,
        "required": ["deputy", "starts_on", "ends_on"],
        "properties": {
            "deputy": {"type": "string", "description": "the deputy's user name"},
            "starts_on": day, "ends_on": day,
            "processes": {"type": ["array", "null"], "items": {"type": "string"},
                          "description": "qualified process names; none: every process"},
        },
    }
    shown = {**delegation, "properties": {**delegation["properties"],
                                          "id": {"type": "integer", "readOnly": True}}}
    return {
        "/api/v1/delegations": {
            "get": _operation("The caller's delegations that have not ended",
                              {"200": _json(_items(shown))}),
            "post": _operation("Name a deputy for a range of days",
                               {"201": _json(shown)}, body=delegation),
        },
        "/api/v1/delegations/{id}": {"delete": _operation(
            "End one of the caller's delegations", {"204": {"description": "Deleted"}},
            [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}])},
    }


def _insights_paths() -> dict[str, Any]:
    """The process figures (admins, a process's managers and department heads)."""
    where = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
             for name in ("app", "process")]
    selection = [
        {"name": "version", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "baseline", "in": "query", "schema": {"type": "string"}},
    ]
    sides = [{"name": side, "in": "query", "required": True, "schema": {
        "type": "string", "description": "version:N, baseline:LABEL or period:FROM..TO"}}
        for side in ("a", "b")]
    figures = {"type": "object"}
    return {
        "/api/v1/insights/{app}/{process}": {"get": _operation(
            "A process's figures", {"200": _json(figures)}, [*where, *selection])},
        "/api/v1/insights/{app}/{process}/events.csv": {"get": _operation(
            "The process's event log as CSV (case_id, activity, timestamp, resource, role, "
            "lifecycle, process_version)",
            {"200": {"description": "CSV", "content": {"text/csv": {
                "schema": {"type": "string"}}}}}, where)},
        "/api/v1/insights/{app}/{process}/events.xes": {"get": _operation(
            "The process's event log as XES (IEEE 1849), one trace per case",
            {"200": {"description": "XES", "content": {"application/xml": {
                "schema": {"type": "string"}}}}}, where)},
        "/api/v1/insights/{app}/{process}/compare": {"get": _operation(
            "Two selections of a process's cases compared", {"200": _json(figures)},
            [*where, *sides])},
    }


def _operation(summary, responses, parameters=(), body=None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "parameters": list(parameters)}
    operation["responses"] = {
        **responses,
        **{str(s): _problem_response() for s in (400, 401, 403, 404, 409, 412, 422, 429)
           if str(s) not in responses},
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True, "content": {"application/json": {"schema": body}}
        }
    return operation


def _list_parameters(entity: Entity, field_types: Registry, readable) -> list[dict[str, Any]]:
    parameters = [
        {"name": "q", "in": "query", "schema": {"type": "string"}},
        {"name": "sort", "in": "query", "schema": {"type": "string"}},
        {"name": "page", "in": "query", "schema": _optional_number(1, MAX_PAGE)},
        {"name": "per_page", "in": "query", "schema": _optional_number(1, MAX_PER_PAGE)},
    ]
    for field in filter(readable, entity.scalar_fields):
        for op in sorted(field_types[field.type].operators | {"eq"}):
            name = field.name if op == "eq" else f"{field.name}__{op}"
            parameters.append({"name": name, "in": "query", "schema": {"type": "string"}})
    return parameters


def _optional_number(low: int, high: int) -> dict[str, Any]:
    """A whole number query parameter that may also be sent empty (its default)."""
    return {"anyOf": [{"type": "integer", "minimum": low, "maximum": high}, {"const": ""}]}


def _io_paths(entity: Entity, name: str, collection: str, field_types: Registry, readable):
    """The import and export operations of one entity."""
    filters = [p for p in _list_parameters(entity, field_types, readable)
               if p["name"] not in ("page", "per_page")]
    export_format = {"name": "format", "in": "query",
                     "schema": {"enum": list(EXPORT_MIMETYPES), "default": "csv"}}
    files = {mimetype: {"schema": {"type": "string", "format": "binary"}}
             for mimetype in EXPORT_MIMETYPES.values()}
    import_parameters = [
        {"name": "dry_run", "in": "query", "schema": {"type": "boolean"},
         "description": "Check every row, write nothing."},
        {"name": "key", "in": "query", "schema": {"type": "string"},
         "description": "Update the record whose field of this name matches the row's."},
        {"name": "mode", "in": "query", "schema": {"enum": list(MODES), "default": "all"},
         "description": "For a file imported in the background: all or nothing, or chunk "
                        "by chunk (a failed chunk stops the job, which can be resumed)."},
    ]
    body = {"required": True, "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"]}},
        **files,
    }}
    counts = {"type": "object", "properties": {
        "rows": {"type": "integer"}, "created": {"type": "integer"},
        "updated": {"type": "integer"}, "unchanged": {"type": "integer"},
        "dry_run": {"type": "boolean"}}}
    too_large = {"413": _problem_response()}
    queued = {**_json(JOB_SCHEMA), "description": "A big file: queued as a background job, "
              "its URL in Location"}
    importing = _operation(f"Import {name} from CSV or XLSX (all or nothing)",
                           {"200": _json(counts), "202": queued, **too_large,
                            "415": _problem_response()}, import_parameters)
    importing["requestBody"] = body
    return {
        f"{collection}/export": {"get": _operation(
            f"Export {name} as CSV or XLSX",
            {"200": {"description": "The file", "content": files}, **too_large},
            [export_format, *filters])},
        f"{collection}/import": {"post": importing},
    }


JOB_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "entity": {"type": "string"}, "mode": {"enum": list(MODES)},
    "key": {"type": ["string", "null"]},
    "status": {"enum": ["queued", "running", "done", "failed", "cancelled"]},
    "rows_total": {"type": "integer"}, "rows_done": {"type": "integer"},
    "percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "resume_row": {"type": ["integer", "null"],
                   "description": "The first row of the failed chunk a resume starts from."},
    "errors": {"type": "array", "items": {"type": "string"}},
    "created_at": {"type": "string"}, "started_at": {"type": ["string", "null"]},
    "finished_at": {"type": ["string", "null"]},
}}


def _import_job_paths() -> dict[str, Any]:
    """A background import: its progress, cancelling it and resuming it (its owner only)."""
    job = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    conflict = {"404": _problem_response(), "409": _problem_response()}
    resume = _operation("Resume a failed chunked import from its failed chunk, optionally "
                        "with a corrected file",
                        {"202": _json(JOB_SCHEMA), **conflict, "413": _problem_response(),
                         "415": _problem_response()}, job)
    resume["requestBody"] = {"required": False, "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
        **{mimetype: {"schema": {"type": "string", "format": "binary"}}
           for mimetype in EXPORT_MIMETYPES.values()}}}
    return {
        "/api/v1/import-jobs/{id}": {"get": _operation(
            "A background import's status and progress", {"200": _json(JOB_SCHEMA),
                                                            "404": _problem_response()}, job)},
        "/api/v1/import-jobs/{id}/cancel": {"post": _operation(
            "Cancel a background import", {"200": _json(JOB_SCHEMA), **conflict}, job)},
        "/api/v1/import-jobs/{id}/resume": {"post": resume},
    }


def _process_paths(name: str, collection: str, ref, item_params) -> dict[str, Any]:
    """The actions of a record in a process: which the caller may take, and taking one."""
    action_params = [*item_params, {"name": "name", "in": "path", "required": True,
                                    "schema": {"type": "string"}}]
    step = {
        "type": "object",
        "properties": {
            "comment": {"type": ["string", "null"], "maxLength": MAX_COMMENT},
            "values": {"type": "object", "description": "Fields the step may set."},
            "state": {"type": "string", "description": "The state the caller saw: "
                      "409 if the record has moved on meanwhile."},
        },
        "additionalProperties": False,
    }
    return {
        f"{collection}/{{id}}/actions": {"get": _operation(
            f"Actions the caller may take on a {name} now",
            {"200": _json(_items(_ACTION))}, item_params)},
        f"{collection}/{{id}}/actions/{{name}}": {"post": _operation(
            f"Take an action on a {name}", {"200": _json(ref)}, action_params, body=step)},
        f"{collection}/{{id}}/rating": {
            "get": _operation(f"The requester's rating of a finished {name}",
                              {"200": _json(_RATING)}, item_params),
            "put": _operation(f"Rate a finished {name} (its requester)",
                              {"200": _json(_RATING)}, item_params, body=_RATE),
        },
    }


_RATING = {"type": "object", "properties": {
    "score": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
    "comment": {"type": ["string", "null"]}, "rated_by": {"type": ["string", "null"]},
    "rated_at": {"type": ["string", "null"], "format": "date-time"},
    "may_rate": {"type": "boolean"}}}
_RATE = {"type": "object", "additionalProperties": False, "required": ["score"],
         "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 5},
                        "comment": {"type": ["string", "null"], "maxLength": 1000}}}


def _items(schema) -> dict[str, Any]:
    return {"type": "object", "properties": {"items": {"type": "array", "items": schema}}}


def _list_response(ref) -> dict[str, Any]:
    return {"200": _json({
        "type": "object",
        "properties": {"items": {"type": "array", "items": ref}, "total": {"type": "integer"},
                       "page": {"type": "integer"}, "per_page": {"type": "integer"},
                       "total_is_estimate": {"type": "boolean"}},
    })}


def _json(schema) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _problem_response() -> dict[str, Any]:
    return {"description": "Problem", "content": {"application/problem+json": {"schema": _PROBLEM}}}


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "type": {"type": "string"}, "status": {"type": "integer"}, "title": {"type": "string"},
            "detail": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        "required": ["status", "title"],
    }
