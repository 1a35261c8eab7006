"""What Flask-SQLAlchemy and flask-htmx would cost per request, against what Formflow
does instead (docs/architecture.md): a minimal Flask view, ``--requests`` requests per
round, five rounds, the median printed in microseconds per request.

    pip install flask-sqlalchemy flask-htmx   # not dependencies of Formflow
    python bench/packages_bench.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, request

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from flask_htmx import HTMX  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402

from formflow.storage.database import Database  # noqa: E402

ROUNDS = 5


def per_request(app: Flask, path: str, count: int, headers=None) -> float:
    client = app.test_client()
    for _ in range(200):  # warm up
        client.get(path, headers=headers)
    start = time.perf_counter()
    for _ in range(count):
        client.get(path, headers=headers)
    return (time.perf_counter() - start) / count * 1e6


def htmx_app() -> Flask:
    app = Flask("htmx")
    htmx = HTMX(app)

    @app.get("/hand")
    def hand():
        fragment = request.headers.get("HX-Request") == "true" and not request.headers.get(
            "HX-Boosted")
        return "fragment" if fragment else "page"

    @app.get("/ext")
    def ext():
        return "fragment" if htmx and not htmx.boosted else "page"

    return app


def database_app(url: str) -> Flask:
    db = Database(url)
    with db.write() as conn:
        conn.exec_driver_sql("create table t (id integer primary key, v text)")
        conn.exec_driver_sql("insert into t (v) values ('a')")
    app = Flask("database")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    orm = SQLAlchemy(app)
    query = sa.text("select v from t where id = 1")

    @app.get("/hand")
    def hand():
        with db.read() as conn:
            return conn.execute(query).scalar()

    @app.get("/ext")
    def ext():
        return orm.session.execute(query).scalar()

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    count = parser.parse_args().requests
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    for name, app, headers, ours, theirs in (
        ("htmx check", htmx_app(), {"HX-Request": "true"}, "hand-made", "flask-htmx"),
        ("one SELECT", database_app(url), None, "Database.read()", "Flask-SQLAlchemy"),
    ):
        times = {"hand": [], "ext": []}
        for _ in range(ROUNDS):
            for path in times:
                times[path].append(per_request(app, f"/{path}", count, headers))
        print(f"{name}: {ours} {statistics.median(times['hand']):.0f} us, "
              f"{theirs} {statistics.median(times['ext']):.0f} us per request")


if __name__ == "__main__":
    main()
