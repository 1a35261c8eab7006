"""Benchmark the design API on a large site app: one operation's latency and a publish.

    python bench/design.py                       # SQLite and PostgreSQL
    python bench/design.py --database sqlite --entities 30 --fields 40 --ops 200

Builds a site app of ``--entities`` entities with ``--fields`` fields each (text,
integer, decimal, date, select, link and a line-item table among them) by importing it
as a zip, on a SQLite file or on a PostgreSQL database ``ff_design_bench`` at
``BENCH_POSTGRES_URL`` (created and dropped), beside the shipped apps.  Requests go
through the WSGI app in-process (Flask's test client with a bearer token).

- **op**: ``POST /api/v1/design/apps/<app>/draft/ops`` with one operation each (set a
  label, add a field, rename it, hide it, reorder), carrying the revision; the answer
  includes the draft's problems, so each call also checks the whole app.
  Target: p95 ≤ 50 ms on 30 entities x 40 fields.
- **publish**: ``POST .../publish`` of the whole app (every table created), then of a
  change (a rename, an added field).  Target: ≤ 2 s.

Each figure comes with the CPU time this process spent (the database server's is not
counted on PostgreSQL): on a busy machine wall time moves, CPU time much less.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from formflow import create_app  # noqa: E402
from formflow.auth import create_token, get_user_by_name  # noqa: E402
from formflow.install import install  # noqa: E402

PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_DATABASE = "ff_design_bench"
APP = "designbench"
KINDS = ("text", "integer", "decimal", "date", "select", "textarea", "boolean", "money")


def field(e: int, f: int) -> dict:
    kind = KINDS[f % len(KINDS)]
    doc = {"name": f"f{f}", "type": kind, "label": {"en": f"Field {f}", "zh-CN": f"字段{f}"}}
    if kind == "select":
        doc["options"] = [{"value": v, "label": v.title()} for v in ("low", "mid", "high")]
    if kind == "decimal":
        doc["scale"] = 2
    if f == 1 and e > 0:
        doc = {"name": "f1", "type": "link", "to": f"e{e - 1}"}
    if f == 2:
        doc = {"name": "f2", "type": "table", "fields": [
            {"name": "item", "type": "text"}, {"name": "qty", "type": "integer"}]}
    return doc


def documents(entities: int, fields: int) -> dict:
    docs = {"app.json": {"name": APP, "label": "Design bench",
                         "menu": [f"e{e}" for e in range(entities)]}}
    for e in range(entities):
        names = [f"f{f}" for f in range(fields)]
        docs[f"entities/e{e}.json"] = {
            "name": f"e{e}", "label": f"Entity {e}",
            "fields": [field(e, f) for f in range(fields)],
            "form": {"sections": [{"name": "main", "columns": 2, "fields": names[:20]},
                                  {"name": "more", "fields": names[20:]}]},
            "list": {"columns": ["f0", "f3", "f4", "f5"], "search": ["f0"]},
            "permissions": [{"role": "user", "create": True, "read": "all", "update": "own"}],
        }
    return docs


def zipped(docs: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for key, doc in docs.items():
            out.writestr(f"{APP}/{key}", json.dumps(doc))
    return buffer.getvalue()


def database(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    server = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{PG_DATABASE}"')
    server.dispose()
    return sa.make_url(PG_SERVER).set(database=PG_DATABASE).render_as_string(False)


def drop(kind: str) -> None:
    if kind == "postgresql":
        server = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        server.dispose()


def the_ops(i: int, entities: int) -> list[dict]:
    """A mix of single operations, cycling over the entities."""
    e = f"entities/e{(i // 5) % entities}"
    name = f"x{i // (5 * entities)}"
    return [
        [{"op": "set", "path": f"{e}/fields/f3/label", "value": f"Label {i}"}],
        [{"op": "add", "path": f"{e}/fields/{name}", "value": {"type": "text"}, "after": "f5"}],
        [{"op": "set", "path": f"{e}/fields/{name}/name", "value": f"{name}b"}],
        [{"op": "hide", "path": f"{e}/fields/{name}b"}],
        [{"op": "order", "path": f"{e}/fields/f4", "after": "f10"}],
    ][i % 5]


def run(kind: str, entities: int, fields: int, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = database(kind, folder)
        try:
            app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance"),
                              "SECRET_KEY": "bench", "PLUGINS_PATH": [str(folder / "none")],
                              "METADATA_PATH": [str(ROOT / "metadata" / "apps")],
                              "MAX_CONTENT_LENGTH": 8 * 1024 * 1024})
            runtime = app.extensions["formflow"]
            install(runtime, "bench-password")
            with runtime.db.write() as conn:
                _, token = create_token(conn, get_user_by_name(conn, "admin").id, "bench")
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}
            data = zipped(documents(entities, fields))
            response = client.post("/api/v1/design/import", data=data,
                                   headers={**headers, "Content-Type": "application/zip"})
            assert response.status_code == 201, response.get_json()
            revision = response.get_json()["revision"]
            times, cpu = [], []
            for i in range(count):
                ops = the_ops(i, entities)
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.post(f"/api/v1/design/apps/{APP}/draft/ops",
                                       json={"ops": ops},
                                       headers={**headers, "If-Match": str(revision)})
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                assert response.status_code == 200, (ops, response.get_json())
                revision = response.get_json()["revision"]
            print(f"{kind}: {entities} entities x {fields} fields; {count} ops: "
                  f"p50 {statistics.median(times):.1f} ms, p95 {p95(times):.1f} ms "
                  f"(target <= 50); CPU p50 {statistics.median(cpu):.1f} ms, "
                  f"p95 {p95(cpu):.1f} ms")
            for label, ops in (("first publish (every table)", None),
                               ("publish of a change", [
                                   {"op": "set", "path": "entities/e0/fields/f0/name",
                                    "value": "code"},
                                   {"op": "add", "path": "entities/e1/fields/extra",
                                    "value": {"type": "integer"}}])):
                if ops:
                    response = client.post(f"/api/v1/design/apps/{APP}/draft/ops",
                                           json={"ops": ops}, headers=headers)
                    assert response.status_code == 200, response.get_json()
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.post(f"/api/v1/design/apps/{APP}/publish",
                                       json={"note": label}, headers=headers)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, response.get_json()
                print(f"{kind}: {label}: {elapsed:.2f} s (target <= 2); "
                      f"CPU {time.process_time() - started_cpu:.2f} s")
            runtime.db.dispose()
        finally:
            drop(kind)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--entities", type=int, default=30)
    parser.add_argument("--fields", type=int, default=40)
    parser.add_argument("--ops", type=int, default=200)
    args = parser.parse_args()
    for kind in args.database or ("sqlite", "postgresql"):
        run(kind, args.entities, args.fields, args.ops)


if __name__ == "__main__":
    main()
