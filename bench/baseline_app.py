"""The baseline: a hand-written Flask + SQLAlchemy app doing what Formflow's generic
runtime does for ``crm.customer`` — token check, validation, insert, update, filtered list —
with no metadata layer.  It reads and writes the same table on the same database, so
the two are measured on identical data and indexes.

Served by gunicorn: ``gunicorn 'bench.baseline_app:create_app()'`` with
``BENCH_DATABASE_URL`` set.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask, jsonify, request

CODE = re.compile(r"^[A-Z0-9]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LEVELS = {"A", "B", "C"}


def create_app() -> Flask:
    url = os.environ["BENCH_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    customers = sa.Table("crm__customer", metadata, autoload_with=engine)
    tokens = sa.Table("ff_tokens", metadata, autoload_with=engine)
    app = Flask(__name__)

    def caller_id() -> int | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        digest = hashlib.sha256(token.encode()).hexdigest()
        with engine.connect() as conn:
            return conn.execute(
                sa.select(tokens.c.user_id).where(tokens.c.token_hash == digest)
            ).scalar()

    @app.post("/customers")
    def create():
        user_id = caller_id()
        if user_id is None:
            return jsonify(error="unauthorized"), 401
        body = request.get_json(silent=True) or {}
        errors = {}
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors["name"] = ["required, at most 200 characters"]
        code = body.get("code")
        if code is not None and (not isinstance(code, str) or not CODE.match(code)):
            errors["code"] = ["uppercase letters and digits"]
        email = body.get("email")
        if email is not None and not EMAIL.match(str(email)):
            errors["email"] = ["invalid"]
        if body.get("level") not in LEVELS | {None}:
            errors["level"] = ["invalid choice"]
        if errors:
            return jsonify(errors=errors), 422
        now = _now(engine)
        with engine.begin() as conn:
            row = conn.execute(
                sa.insert(customers)
                .values(
                    name=name.strip(),
                    code=code,
                    email=email,
                    level=body.get("level"),
                    _title=name.strip(),
                    _version=1,
                    _created_at=now,
                    _updated_at=now,
                    _created_by=user_id,
                    _updated_by=user_id,
                    active=True,
                )
                .returning(*customers.c)
            ).one()
        return jsonify(_json(row._mapping)), 201

    @app.patch("/customers/<int:customer_id>")
    def update(customer_id: int):
        user_id = caller_id()
        if user_id is None:
            return jsonify(error="unauthorized"), 401
        body = request.get_json(silent=True) or {}
        email = body.get("email")
        if email is not None and not EMAIL.match(str(email)):
            return jsonify(errors={"email": ["invalid"]}), 422
        with engine.begin() as conn:
            row = conn.execute(
                sa.update(customers)
                .where(customers.c.id == customer_id, customers.c._deleted_at.is_(None))
                .values(email=email, _version=customers.c._version + 1,
                        _updated_at=_now(engine), _updated_by=user_id)
                .returning(*customers.c)
            ).first()
        if row is None:
            return jsonify(error="not found"), 404
        return jsonify(_json(row._mapping))

    @app.get("/customers")
    def list_():
        if caller_id() is None:
            return jsonify(error="unauthorized"), 401
        query = sa.select(customers).where(customers.c._deleted_at.is_(None))
        if "level" in request.args:
            query = query.where(customers.c.level == request.args["level"])
        page = int(request.args.get("page", 1))
        with engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
            rows = conn.execute(
                query.order_by(customers.c._created_at.desc(), customers.c.id.desc())
                .limit(25)
                .offset((page - 1) * 25)
            ).all()
        return jsonify(items=[_json(r._mapping) for r in rows], total=total, page=page)

    return app


def _now(engine) -> datetime:
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if engine.dialect.name == "sqlite" else now


def _json(row) -> dict:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if isinstance(v, Decimal) else v)
        for k, v in row.items()
    }
