"""The REST API routes (``/api/v1``): thin views over the records service."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from formflow.api.authentication import current_api_user
from formflow.api.meta import describe_model
from formflow.api.openapi import openapi_document
from formflow.auth import can_read_field
from formflow.design.service import can_design
from formflow.errors import ServiceError
from formflow.http.language import request_language
from formflow.i18n import Message
from formflow.runtime import get_runtime

api = Blueprint("api", __name__, url_prefix="/api/v1")


class BadRequest(ServiceError):
    status = 400


class UnsupportedMediaType(ServiceError):
    status = 415


#: A ``\uD800``-``\uDFFF`` escape: the only way a surrogate gets into parsed JSON.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_body() -> Any:
    mimetype = request.mimetype
    if not mimetype or mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(Message("json_required"))
    data = request.get_data()
    try:
        body = json.loads(data, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(Message("malformed_json", {"problem": str(error)[:200]})) from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise BadRequest(Message("malformed_json", {"problem": "nested too deeply"})) from None
    if _SURROGATE_ESCAPE.search(data):
        _refuse_lone_surrogates(body)
    return body


def _refuse_lone_surrogates(body: Any) -> None:
    """A surrogate escape not paired with its partner parses to text no database can
    store and no response can carry: refuse it, naming where it is."""
    pending = [(body, "")]
    while pending:
        value, path = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else key
                _check_text(key, where)
                pending.append((item, where))
        elif isinstance(value, list):
            pending.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
        else:
            _check_text(value, path)


def _check_text(value: Any, path: str) -> None:
    found = _SURROGATE.search(value) if isinstance(value, str) else None
    if found:
        where = _SURROGATE.sub("\ufffd", path)[:200] or "(the body)"
        params = {"code": ord(found.group()), "path": where}
        raise BadRequest(Message("lone_surrogate", params))


def if_match() -> int | None:
    """The version an If-Match header expects (None without one, or for ``*``); an
    empty or malformed header is a 400, as the OpenAPI document says."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    header = header.strip()
    tag = header.removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 18):
        raise BadRequest(Message("bad_if_match"))
    return int(tag)


def _record_response(record: dict, status: int = 200, *, entity: str) -> Response:
    """A record with its ``_states`` (every active step of its process)."""
    get_runtime().process.add_states(entity, [record])
    response = jsonify(record)
    response.status_code = status
    response.headers["ETag"] = f'"{record["_version"]}"'
    return response


def _name(app: str, entity: str) -> str:
    return f"{app}.{entity}"


@api.get("/meta")
def meta():
    user = current_api_user()
    return jsonify(describe_model(get_runtime(), user, request_language(user)))


@api.get("/openapi.json")
def openapi():
    """The OpenAPI document of what the caller may see."""
    user = current_api_user()
    runtime = get_runtime()
    grants = runtime.records.grant
    document = openapi_document(
        runtime.model, runtime.field_types,
        visible=lambda entity: grants(user, entity).read or grants(user, entity).create,
        readable=lambda field: can_read_field(field, user.roles),
        design=can_design(user),
    )
    return jsonify(document)


@api.get("/<app>/<entity>")
def list_records(app: str, entity: str):
    user = current_api_user()
    runtime = get_runtime()
    page = runtime.records.list(user, _name(app, entity), request.args.to_dict(flat=False))
    runtime.process.add_states(_name(app, entity), page.items)
    return jsonify(items=page.items, total=page.total, page=page.page, per_page=page.per_page,
                   total_is_estimate=page.total_is_estimate)


@api.post("/<app>/<entity>")
def create_record(app: str, entity: str):
    """Create; with an ``Idempotency-Key`` header, a repeat of the same request answers
    with the record the first one made (``Idempotent-Replayed: true``)."""
    user = current_api_user()
    records = get_runtime().records
    key = request.headers.get("Idempotency-Key")
    replayed = False
    if key is None:
        record = records.create(user, _name(app, entity), json_body())
    else:
        record, replayed = records.create_once(user, _name(app, entity), json_body(), key)
    response = _record_response(record, 201, entity=_name(app, entity))
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = url_for(
        "api.get_record", app=app, entity=entity, record_id=record["id"]
    )
    return response


@api.get("/<app>/<entity>/<int:record_id>")
def get_record(app: str, entity: str, record_id: int):
    user = current_api_user()
    record = get_runtime().records.get(user, _name(app, entity), record_id)
    return _record_response(record, entity=_name(app, entity))


@api.patch("/<app>/<entity>/<int:record_id>")
def update_record(app: str, entity: str, record_id: int):
    user = current_api_user()
    records = get_runtime().records
    record = records.update(
        user, _name(app, entity), record_id, json_body(), expected_version=if_match()
    )
    return _record_response(record, entity=_name(app, entity))


@api.delete("/<app>/<entity>/<int:record_id>")
def delete_record(app: str, entity: str, record_id: int):
    user = current_api_user()
    get_runtime().records.delete(user, _name(app, entity), record_id, expected_version=if_match())
    return "", 204


@api.post("/<app>/<entity>/<int:record_id>/restore")
def restore_record(app: str, entity: str, record_id: int):
    user = current_api_user()
    record = get_runtime().records.restore(user, _name(app, entity), record_id)
    return _record_response(record, entity=_name(app, entity))


@api.get("/<app>/<entity>/<int:record_id>/history")
def record_history(app: str, entity: str, record_id: int):
    user = current_api_user()
    entries = get_runtime().process.history(user, _name(app, entity), record_id)
    return jsonify(items=entries)


@api.get("/<app>/<entity>/<int:record_id>/permitted")
def record_permitted(app: str, entity: str, record_id: int):
    """Whether the caller may update and delete the record now, and why not edit it."""
    user = current_api_user()
    permitted = get_runtime().records.permitted(user, _name(app, entity), record_id)
    reason = permitted.reason.render(request_language(user)) if permitted.reason else None
    return jsonify(update=permitted.update, delete=permitted.delete, reason=reason)
