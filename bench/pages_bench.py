"""Server time of the web pages on 100k records: list, record, form.

    python bench/pages_bench.py                           # SQLite and PostgreSQL
    python bench/pages_bench.py --database sqlite --rows 100000 --views 200

Seeds ``crm.customer`` with bulk inserts (as ``run.py`` does), signs in as the admin and
requests each page ``--views`` times through the WSGI app in-process (Flask's test
client: the server's work without the network), printing p50 and p95 in milliseconds
and the statements each page ran.  Target (web UI issue): p95 <= 50 ms for the list
and form pages on 100k records.

- **list**: ``/crm/customer/?level=A&sort=-_created_at`` at a random page among the first 40;
- **record**: ``/crm/customer/<id>`` of a random seeded customer;
- **edit form**: ``/crm/customer/<id>/edit``;
- **new form**: ``/crm/customer/new``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402

from formflow import create_app  # noqa: E402

PASSWORD = "bench-admin-password"


def sign_in(client) -> None:
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf_token"]
    response = client.post(
        "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed: {response.status_code}")


PAGES = {
    "list": lambda rows: f"/crm/customer/?level=A&sort=-_created_at&page={random.randint(1, 40)}",
    "record": lambda rows: f"/crm/customer/{random.randint(1, rows)}",
    "edit form": lambda rows: f"/crm/customer/{random.randint(1, rows)}/edit",
    "new form": lambda rows: "/crm/customer/new",
}


def measure(kind: str, rows: int, views: int) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = run.sqlite_database(instance) if kind == "sqlite" else run.postgres_database()
        run.prepare(url, instance)
        run.seed(url, rows)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                          "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
        runtime = app.extensions["formflow"]
        statements = [0]
        sa.event.listen(runtime.db.engine, "before_cursor_execute",
                        lambda *args: statements.__setitem__(0, statements[0] + 1))
        client = app.test_client()
        sign_in(client)
        lines = []
        try:
            for name, path_for in PAGES.items():
                for _ in range(10):  # warm the caches and the connection pool
                    client.get(path_for(rows))
                times = []
                statements[0] = 0
                for _ in range(views):
                    path = path_for(rows)
                    began = time.perf_counter()
                    response = client.get(path)
                    times.append(time.perf_counter() - began)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path}: {response.status_code}")
                p50 = statistics.median(times) * 1000
                p95 = statistics.quantiles(times, n=20)[18] * 1000
                line = (f"| {kind} | {rows:,} | {name} | {p50:.1f} | {p95:.1f} | "
                        f"{statements[0] / views:.0f} |")
                print(line, flush=True)
                lines.append(line)
        finally:
            runtime.db.dispose()
    return lines


HEADER = ["| database | rows | page | p50 ms | p95 ms (target ≤ 50) | statements |",
          "|---|---|---|---|---|---|"]


def table(databases: list[str], rows: int, views: int) -> list[str]:
    print("\n".join(HEADER), flush=True)
    lines = list(HEADER)
    for kind in databases:
        lines += measure(kind, rows, views)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--database", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--views", type=int, default=200)
    args = parser.parse_args()
    table(args.database or ["sqlite", "postgresql"], args.rows, args.views)


if __name__ == "__main__":
    main()
