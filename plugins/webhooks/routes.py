"""The webhooks admin: REST endpoints under ``/api/v1/admin/webhooks`` and a page at
``/admin/webhooks``, for admins only.

    GET    /api/v1/admin/webhooks                        the endpoints
    POST   /api/v1/admin/webhooks                        {"url", "entity", "events",
                                                          "secret"?, "description"?,
                                                          "active"?} -> 201, with the secret
    GET    /api/v1/admin/webhooks/<id>                   one endpoint (no secret)
    PATCH  /api/v1/admin/webhooks/<id>                   change any of those keys
    DELETE /api/v1/admin/webhooks/<id>                   remove it and its delivery log
    GET    /api/v1/admin/webhooks/<id>/deliveries        the delivery log, newest first
                                                          (?status=pending|delivered|failed,
                                                          ?page=, 50 a page), with attempts
    POST   /api/v1/admin/webhooks/<id>/deliveries/<d>/retry   send a failed one again now
    POST   /api/v1/admin/webhooks/<id>/ping              send a "ping" event now ->
                                                          {"id", "ok"}: delivered or not

An endpoint's URL must point at a public address, unless the plugin setting ``allow``
lists it (:mod:`formflow.outbound`). Creating, changing and deleting an endpoint is
written to the admin log (``webhook.create``, ``webhook.update``, ``webhook.delete``) in
the same transaction, never with its secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, redirect, request, url_for
from flask_login import current_user

from formflow.plugins import (
    Forbidden,
    Message,
    NotFound,
    Target,
    TargetRefused,
    User,
    ValidationFailed,
    admin_log,
    message,
    utcnow,
)
from formflow.plugins.pages import current_api_user, get_runtime, json_body, render

from .delivery import EVENTS, deliver_due, enqueue, iso, target_policy
from .subscriptions import subscriptions
from .tables import attempts, deliveries, endpoints

pages = Blueprint("webhooks", __name__)
PER_PAGE = 50
KEYS = {"url", "entity", "events", "secret", "description", "active"}


def _admin() -> User:
    user = current_api_user()
    if "admin" not in user.roles:
        raise Forbidden(Message("forbidden"))
    return user


def _settings():
    return get_runtime().plugins.settings("webhooks")


def _subscriptions_changed() -> None:
    """After a committed change of endpoints: this worker reads them again before the
    next save asks about them."""
    subscriptions(get_runtime().db, _settings()["subscriptions_seconds"]).forget()


# -- endpoints --------------------------------------------------------------------------------


@pages.get("/api/v1/admin/webhooks")
def list_endpoints():
    _admin()
    with get_runtime().db.read() as conn:
        rows = conn.execute(sa.select(endpoints).order_by(endpoints.c.id)).all()
    return jsonify(items=[_endpoint_json(r) for r in rows])


@pages.post("/api/v1/admin/webhooks")
def create_endpoint():
    user = _admin()
    values = _parse(json_body(), creating=True)
    values.setdefault("secret", secrets.token_hex(24))
    values.setdefault("active", True)
    with get_runtime().db.write() as conn:
        endpoint_id = conn.execute(endpoints.insert().values(
            **values, created_at=utcnow(), created_by=user.id,
        ).returning(endpoints.c.id)).scalar_one()
        row = _load(conn, endpoint_id)
        admin_log(conn, user, "webhook.create", _target(row), _logged(_endpoint_json(row)))
    _subscriptions_changed()
    response = jsonify({**_endpoint_json(row), "secret": row.secret})
    response.status_code = 201
    return response


@pages.get("/api/v1/admin/webhooks/<int:endpoint_id>")
def get_endpoint(endpoint_id: int):
    _admin()
    with get_runtime().db.read() as conn:
        return jsonify(_endpoint_json(_load(conn, endpoint_id)))


@pages.patch("/api/v1/admin/webhooks/<int:endpoint_id>")
def update_endpoint(endpoint_id: int):
    user = _admin()
    values = _parse(json_body(), creating=False)
    with get_runtime().db.write() as conn:
        before = _load(conn, endpoint_id)
        if values:
            conn.execute(endpoints.update().where(endpoints.c.id == endpoint_id).values(**values))
        after = _load(conn, endpoint_id)
        old, new = _logged(_endpoint_json(before)), _logged(_endpoint_json(after))
        changes = {k: [old[k], new[k]] for k in new if old[k] != new[k]}
        if after.secret != before.secret:
            changes["secret_replaced"] = True
        if changes:
            admin_log(conn, user, "webhook.update", _target(after), changes)
    _subscriptions_changed()
    return jsonify(_endpoint_json(after))


@pages.delete("/api/v1/admin/webhooks/<int:endpoint_id>")
def delete_endpoint(endpoint_id: int):
    user = _admin()
    with get_runtime().db.write() as conn:
        row = _load(conn, endpoint_id)
        admin_log(conn, user, "webhook.delete", _target(row), _logged(_endpoint_json(row)))
        ids = sa.select(deliveries.c.id).where(deliveries.c.endpoint_id == endpoint_id)
        conn.execute(attempts.delete().where(attempts.c.delivery_id.in_(ids)))
        conn.execute(deliveries.delete().where(deliveries.c.endpoint_id == endpoint_id))
        conn.execute(endpoints.delete().where(endpoints.c.id == endpoint_id))
    _subscriptions_changed()
    return "", 204


# -- deliveries -------------------------------------------------------------------------------


@pages.get("/api/v1/admin/webhooks/<int:endpoint_id>/deliveries")
def list_deliveries(endpoint_id: int):
    _admin()
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 else 1
    where = [deliveries.c.endpoint_id == endpoint_id]
    status = request.args.get("status")
    if status:
        where.append(deliveries.c.status == status)
    with get_runtime().db.read() as conn:
        _load(conn, endpoint_id)
        total = conn.execute(
            sa.select(sa.func.count()).select_from(deliveries).where(*where)).scalar()
        rows = conn.execute(sa.select(deliveries).where(*where).order_by(deliveries.c.id.desc())
                            .limit(PER_PAGE).offset((max(page, 1) - 1) * PER_PAGE)).all()
        tries = _attempts(conn, [r.id for r in rows])
    return jsonify(items=[_delivery_json(r, tries.get(r.id, [])) for r in rows], total=total,
                   page=page, per_page=PER_PAGE)


@pages.post("/api/v1/admin/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/retry")
def retry_delivery(endpoint_id: int, delivery_id: int):
    _admin()
    runtime = get_runtime()
    now = utcnow()
    with runtime.db.write() as conn:
        row = conn.execute(sa.select(deliveries).where(
            deliveries.c.id == delivery_id, deliveries.c.endpoint_id == endpoint_id)).first()
        if row is None:
            raise NotFound(Message("not_found"))
        conn.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(
            status="pending", next_attempt_at=now, locked_until=None))
    deliver_due(runtime.db, _settings(), now, ids=[delivery_id])
    return jsonify(_delivery(delivery_id))


@pages.post("/api/v1/admin/webhooks/<int:endpoint_id>/ping")
def ping_endpoint(endpoint_id: int):
    user = _admin()
    runtime = get_runtime()
    with runtime.db.write() as conn:
        row = _load(conn, endpoint_id)
        (delivery_id,) = enqueue(conn, row.entity, None, "ping", {"actor": user.username},
                                 endpoint_id=endpoint_id) or (None,)
    if delivery_id is None:  # an inactive endpoint gets nothing
        raise ValidationFailed({"active": [message({
            "en": "The endpoint is not active.", "zh-CN": "该端点未启用。"})]})
    deliver_due(runtime.db, _settings(), ids=[delivery_id])
    with runtime.db.read() as conn:
        status = conn.scalar(sa.select(deliveries.c.status).where(deliveries.c.id == delivery_id))
    # only whether it arrived: no status code, error or timing to probe a host with
    return jsonify(id=delivery_id, ok=status == "delivered")


# -- the page ---------------------------------------------------------------------------------


@pages.get("/admin/webhooks")
def admin_page():
    """The endpoints and their latest deliveries (changes go through the REST API)."""
    if not current_user.is_authenticated:
        return redirect(url_for("web.login_form", next=request.path))
    if "admin" not in current_user.user.roles:
        abort(403)
    with get_runtime().db.read() as conn:
        rows = conn.execute(sa.select(endpoints).order_by(endpoints.c.id)).all()
        recent = conn.execute(sa.select(deliveries).order_by(deliveries.c.id.desc())
                              .limit(PER_PAGE)).all()
    urls = {r.id: r.url for r in rows}
    return render("webhooks/admin", endpoints=[_endpoint_json(r) for r in rows],
                  deliveries=[{**_delivery_json(d, []), "url": urls.get(d.endpoint_id)}
                              for d in recent])


# -- helpers ----------------------------------------------------------------------------------


def _load(conn, endpoint_id: int):
    row = conn.execute(sa.select(endpoints).where(endpoints.c.id == endpoint_id)).first()
    if row is None:
        raise NotFound(Message("not_found"))
    return row


def _target(row) -> Target:
    return Target("webhook", row.id, row.url)


def _logged(endpoint: dict[str, Any]) -> dict[str, Any]:
    """What the admin log keeps of an endpoint (its settings, not when it was made)."""
    return {k: endpoint[k] for k in ("url", "entity", "events", "description", "active")}


def _delivery(delivery_id: int) -> dict[str, Any]:
    with get_runtime().db.read() as conn:
        row = conn.execute(sa.select(deliveries).where(deliveries.c.id == delivery_id)).one()
        return _delivery_json(row, _attempts(conn, [delivery_id]).get(delivery_id, []))


def _attempts(conn, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    if ids:
        for row in conn.execute(sa.select(attempts).where(attempts.c.delivery_id.in_(ids))
                                .order_by(attempts.c.id)):
            found.setdefault(row.delivery_id, []).append(
                {"at": iso(row.at), "status_code": row.status_code, "error": row.error,
                 "duration_ms": row.duration_ms})
    return found


def _endpoint_json(row) -> dict[str, Any]:
    return {"id": row.id, "url": row.url, "entity": row.entity, "events": list(row.events),
            "description": row.description, "active": row.active,
            "created_at": iso(row.created_at)}


def _delivery_json(row, tries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": row.id, "endpoint_id": row.endpoint_id, "event": row.event,
            "entity": row.entity, "record_id": row.record_id, "status": row.status,
            "attempts": row.attempts, "next_attempt_at": iso(row.next_attempt_at)
            if row.status == "pending" else None,
            "last_status": row.last_status, "last_error": row.last_error,
            "created_at": iso(row.created_at), "delivered_at": iso(row.delivered_at),
            "log": tries}


def _refused_target(host: str, port: int | None, scheme: str) -> Message | None:
    """Why the host may not be a webhook target (None: it may)."""
    try:
        target_policy(_settings()["allow"]).check(host, port or (443 if scheme == "https" else 80))
    except TargetRefused:
        return message({
            "en": "Webhooks may only go to public addresses; this host is internal (loopback,"
                  " private, link-local or cloud metadata) or does not resolve. An"
                  " administrator can allow it with FORMFLOW_PLUGIN_WEBHOOKS_ALLOW.",
            "zh-CN": "Webhook 只能发送到公网地址；该主机是内部地址（本机、私有网络、链路本地或"
                     "云元数据地址）或无法解析。管理员可通过 FORMFLOW_PLUGIN_WEBHOOKS_ALLOW 放行。",
        })
    return None


def _parse(body: Any, *, creating: bool) -> dict[str, Any]:
    """The endpoint values of a request body, or ValidationFailed naming each problem."""
    if not isinstance(body, Mapping):
        raise ValidationFailed({"": [Message("invalid_row")]})
    errors: dict[str, list[Message]] = {
        name: [Message("unknown_field")] for name in sorted(set(body) - KEYS)}
    values: dict[str, Any] = {}
    if creating:
        for name in ("url", "entity", "events"):
            if body.get(name) in (None, "", []):
                errors[name] = [Message("required")]
    if "url" in body and "url" not in errors:
        url = body["url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        try:
            port = parts.port if parts is not None else None
        except ValueError:  # a port out of range, or not a number
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
                or len(url) > 2048:
            errors["url"] = [Message("invalid_url")]
        elif (refused := _refused_target(parts.hostname, port, parts.scheme)) is not None:
            errors["url"] = [refused]
        else:
            values["url"] = url
    if "entity" in body and "entity" not in errors:
        entity = body["entity"]
        if not isinstance(entity, str) or get_runtime().model.entity(entity) is None:
            errors["entity"] = [message({
                "en": "Name an entity as app.entity (crm.customer).",
                "zh-CN": "请以 应用.实体 的形式填写实体（如 crm.customer）。"})]
        else:
            values["entity"] = body["entity"]
    if "events" in body and "events" not in errors:
        events = body["events"]
        if not isinstance(events, list) or not events or not set(events) <= set(EVENTS):
            errors["events"] = [message({
                "en": f"Choose events among {', '.join(EVENTS)}.",
                "zh-CN": f"请从 {', '.join(EVENTS)} 中选择事件。"})]
        else:
            values["events"] = [e for e in EVENTS if e in events]
    if body.get("secret") is not None:
        secret = body["secret"]
        if not isinstance(secret, str) or not 16 <= len(secret) <= 128:
            errors["secret"] = [Message("min_length", {"min": 16})]
        else:
            values["secret"] = secret
    if "description" in body:
        text = body["description"]
        if text is not None and (not isinstance(text, str) or len(text) > 255):
            errors["description"] = [Message("max_length", {"max": 255})]
        else:
            values["description"] = text
    if "active" in body:
        if not isinstance(body["active"], bool):
            errors["active"] = [Message("invalid_boolean")]
        else:
            values["active"] = body["active"]
    if errors:
        raise ValidationFailed(errors)
    return values
