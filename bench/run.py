"""Benchmark Formflow's generic REST API against a hand-written baseline.

For each database (SQLite, PostgreSQL): install the crm app, seed customers, serve
Formflow (``wsgi:app``) and the baseline (``bench/baseline_app.py``) with gunicorn, and
drive both over loopback HTTP with concurrent clients.  Prints requests per second, p95
latency and server CPU per request for creates and for a filtered, sorted list page, at
each table size, with Formflow's figures as a ratio of the baseline's.

    python bench/run.py                       # 10k rows, SQLite and PostgreSQL
    python bench/run.py --rows 10000 --rows 1000000 --workload list

Every workload of every benchmark, written to ``bench/RESULTS.md``: ``python bench/all.py``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gunicorn.config
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from formflow import create_app  # noqa: E402
from formflow.auth import create_token, get_user_by_name  # noqa: E402
from formflow.install import install  # noqa: E402
from formflow.storage.statistics import refresh_statistics  # noqa: E402

PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
WORKERS = 2
CLIENTS = 4
#: Where the two servers listen (Formflow on the first, the baseline on the next) and
#: the PostgreSQL database the run drops and creates: ``--port``, ``--pg-database``, so
#: two runs on one machine need not share them.
PLACE = {"port": 8731, "pg_database": "ff_bench"}


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def p95_ms(self) -> float:
        return (
            statistics.quantiles(self.latencies, n=20)[18] * 1000 if len(self.latencies) > 20 else 0
        )

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / max(self.requests, 1)


# -- databases ------------------------------------------------------------------------


def sqlite_database(folder: Path) -> str:
    return f"sqlite:///{folder / 'bench.db'}"


def postgres_database() -> str:
    server = sa.create_engine(
        PG_SERVER.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        name = conn.dialect.identifier_preparer.quote(PLACE["pg_database"])
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    return PG_SERVER.rsplit("/", 1)[0] + "/" + PLACE["pg_database"]


def prepare(url: str, instance: Path) -> str:
    """Install the crm app and return an API token of user admin."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"})
    runtime = app.extensions["formflow"]
    install(runtime, "bench-admin-password")
    with runtime.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        _, token = create_token(conn, admin.id, "bench")
    runtime.db.dispose()
    return token


def seed(url: str, target: int) -> None:
    """Bring crm__customer up to ``target`` rows with bulk inserts."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    table = sa.Table("crm__customer", sa.MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        have = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        admin_id = conn.exec_driver_sql("SELECT id FROM ff_users WHERE username = 'admin'").scalar()
    rng = random.Random(have)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    sqlite = engine.dialect.name == "sqlite"
    for offset in range(have, target, 10_000):
        rows = []
        for index in range(offset, min(offset + 10_000, target)):
            created = start + timedelta(seconds=index * 30)
            created = created.replace(tzinfo=None) if sqlite else created
            rows.append(
                {
                    "name": f"Customer {index}",
                    "code": f"S{index:07d}",
                    "level": rng.choice("ABC"),
                    "email": f"c{index}@example.com",
                    "active": True,
                    "owner": admin_id,
                    "_number": f"SEED-{index:07d}",
                    "_title": f"Customer {index}",
                    "_version": 1,
                    "_created_at": created,
                    "_updated_at": created,
                    "_created_by": admin_id,
                    "_updated_by": admin_id,
                }
            )
        with engine.begin() as conn:
            conn.execute(sa.insert(table), rows)
    engine.dispose()
    settle(url)


def settle(url: str) -> None:
    """Let the database catch up with the bulk writes as a deployment does, and no more.

    PostgreSQL gets a VACUUM, so that autovacuum does not start in the middle of a
    workload; the planner's statistics are then refreshed exactly as ``formflow tick``
    refreshes them (a benchmark must not analyze more than the product does)."""
    engine = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("VACUUM")
        refresh_statistics(conn)
    engine.dispose()


# -- servers and load -----------------------------------------------------------------


class Server:
    def __init__(self, app: str, port: int, env: dict[str, str], workers: int = WORKERS):
        self.port = port
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                *own_control_socket(port),
                app,
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            start_new_session=True,
        )
        deadline = time.time() + 60
        answered = 0
        while time.time() < deadline and answered < 4 * workers:
            try:  # gunicorn listens before its workers are ready: wait for answers
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                answered += 1
            except OSError:
                time.sleep(0.2)
        if answered < 4 * workers:
            raise RuntimeError(f"{app} did not start")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children."""
        return [
            int(pid)
            for child in Path(f"/proc/{self.process.pid}/task").glob("*/children")
            for pid in child.read_text().split()
        ]

    def cpu_seconds(self) -> float:
        """User + system CPU of the gunicorn workers."""
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def worker_memory_mib(self) -> dict[int, float]:
        """Resident memory of each worker, in MiB."""
        sizes = {}
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1]) / 1024
        return sizes

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def own_control_socket(port: int) -> list[str]:
    """gunicorn 24 and later open a control socket, by default one per user: give each
    server its own, so the two servers do not take each other's."""
    known = {setting.name for setting in gunicorn.config.KNOWN_SETTINGS}
    path = Path(tempfile.gettempdir()) / f"formflow-bench-{port}.ctl"
    return ["--control-socket", str(path)] if "control_socket" in known else []


def drive_once(server: Server, make_request, seconds: float) -> Result:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(number: int) -> None:
        counter = 0
        while time.perf_counter() < stop_at:
            method, path, body, expected = make_request(number, counter)
            counter += 1
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            began = time.perf_counter()
            conn.request(method, path, body=body, headers=HEADERS)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - began
            conn.close()
            with lock:
                latencies.append(elapsed)
                if response.status != expected:
                    errors[0] += 1

    cpu_before = server.cpu_seconds()
    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return Result(len(latencies), elapsed, latencies, server.cpu_seconds() - cpu_before, errors[0])


def drive_in_turns(ours: tuple[Server, Callable], theirs: tuple[Server, Callable], seconds: float,
                   turns: int = 2) -> tuple[Result, Result]:
    """Drive both servers in alternating turns, so that a drift in the machine (a
    checkpoint, a busy neighbour, the table growing) falls on both alike."""
    results: tuple[list[Result], list[Result]] = ([], [])
    for _ in range(turns):
        for (server, make_request), done in zip((ours, theirs), results, strict=True):
            make_request.measurement = next(_measurements)  # new unique values each turn
            done.append(drive_once(server, make_request, seconds / turns))
    return combined(results[0]), combined(results[1])


def combined(results: list[Result]) -> Result:
    return Result(
        sum(r.requests for r in results),
        sum(r.seconds for r in results),
        [latency for r in results for latency in r.latencies],
        sum(r.cpu_seconds for r in results),
        sum(r.errors for r in results),
    )


HEADERS: dict[str, str] = {}
RUN_ID = str(int(time.time()))[-6:]
_measurements = iter(range(1, 1_000_000))


def creates(path: str, server_letter: str):
    def make(client: int, counter: int):
        code = f"B{RUN_ID}{server_letter}{make.measurement}C{client}X{counter}"
        body = json.dumps(
            {
                "name": f"Bench {client}-{counter}",
                "code": code,
                "level": "B",
                "email": f"b{client}.{counter}@example.com",
            }
        )
        return "POST", path, body, 201

    make.measurement = 0
    return make


def updates(path: str, rows: list[int]):
    """PATCH a random seeded customer's e-mail (``rows[0]``: the table size)."""

    def make(client: int, counter: int):
        customer = random.randint(1, rows[0])
        body = json.dumps({"email": f"u{client}.{counter}@example.com"})
        return "PATCH", f"{path}/{customer}", body, 200

    make.measurement = 0
    return make


def lists(path: str):
    def make(client: int, counter: int):
        return "GET", path, None, 200

    return make


SEEDED = [10_000]  # the table size being measured, for the update workload
WORKLOADS = {
    "create": (creates("/api/v1/crm/customer", "F"), creates("/customers", "B")),
    "update": (updates("/api/v1/crm/customer", SEEDED), updates("/customers", SEEDED)),
    "list": (
        lists("/api/v1/crm/customer?level=A&sort=-_created_at&per_page=25&page=2"),
        lists("/customers?level=A&page=2"),
    ),
}


def big_record_seconds(server: Server, lines: int = 1000) -> tuple[float, float]:
    """Seconds to create, then to read, one opportunity with ``lines`` line items."""
    code = f"BIG{RUN_ID}N{next(_measurements)}"
    customer = json.dumps({"name": "Big order customer", "code": code})
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", "/api/v1/crm/customer", body=customer, headers=HEADERS)
    customer_id = json.loads(conn.getresponse().read())["id"]
    body = json.dumps(
        {
            "name": "Big order",
            "customer": customer_id,
            "lines": [
                {"product": f"Part {n}", "quantity": "2", "unit_price": "9.99"}
                for n in range(lines)
            ],
        }
    )
    began = time.perf_counter()
    conn.request("POST", "/api/v1/crm/opportunity", body=body, headers=HEADERS)
    created = conn.getresponse()
    record = json.loads(created.read())
    saved = time.perf_counter() - began
    assert created.status == 201 and len(record["lines"]) == lines, created.status
    began = time.perf_counter()
    conn.request("GET", f"/api/v1/crm/opportunity/{record['id']}", headers=HEADERS)
    conn.getresponse().read()
    return saved, time.perf_counter() - began


def measure(
    url: str,
    token: str,
    rows: int,
    seconds: float,
    instance: Path,
    workloads: list[str],
    database: str,
) -> list[str]:
    """Run the workloads against both servers; print and return one table row each."""
    HEADERS.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    env = {
        "FORMFLOW_DATABASE_URL": url,
        "FORMFLOW_INSTANCE_PATH": str(instance),
        "FORMFLOW_SECRET_KEY": "bench",
        "FORMFLOW_LOG_LEVEL": "WARNING",  # no request log lines: the baseline writes none
        "BENCH_DATABASE_URL": url,
    }
    formflow = Server("wsgi:app", PLACE["port"], env)
    baseline = Server("bench.baseline_app:create_app()", PLACE["port"] + 1, env)
    lines = []
    try:
        for name in workloads:
            ours, theirs = WORKLOADS[name]
            settle(url)
            line = report(database, rows, name,
                          *drive_in_turns((formflow, ours), (baseline, theirs), seconds))
            print(line, flush=True)
            lines.append(line)
        saved, read = big_record_seconds(formflow)
        print(
            f"  1,000 line items: saved in {saved * 1000:.0f} ms, read in {read * 1000:.0f} ms",
            flush=True,
        )
        return lines
    finally:
        formflow.stop()
        baseline.stop()


def report(database: str, rows: int, name: str, ours: Result, base: Result) -> str:
    return (
        f"| {database} | {rows:,} | {name} | {ours.rate:.0f} | {base.rate:.0f} | "
        f"{ours.rate / base.rate:.2f}× | {ours.p95_ms:.1f} | {base.p95_ms:.1f} | "
        f"{ours.cpu_ms:.1f} | {base.cpu_ms:.1f} | {ours.errors + base.errors} |"
    )


HEADER = [
    "| database | rows | workload | Formflow req/s | baseline req/s | ratio | Formflow p95 ms "
    "| baseline p95 ms | Formflow CPU ms/req | baseline CPU ms/req | errors |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
]


def compare(databases: list[str], sizes: list[int], seconds: float,
            workloads: list[str]) -> list[str]:
    """Run ``workloads`` at each table size on each database; returns the table lines."""
    lines = list(HEADER)
    print("\n".join(HEADER), flush=True)
    for database in databases:
        with tempfile.TemporaryDirectory() as folder:
            instance = Path(folder)
            url = sqlite_database(instance) if database == "sqlite" else postgres_database()
            token = prepare(url, instance)
            for rows in sorted(sizes):
                seed(url, rows)
                SEEDED[0] = rows
                lines += measure(url, token, rows, seconds, instance, workloads, database)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="table sizes (repeatable)")
    parser.add_argument("--database", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workload", action="append", choices=sorted(WORKLOADS))
    parser.add_argument("--port", type=int, default=PLACE["port"],
                        help="Formflow's port; the baseline's is the next one")
    parser.add_argument("--pg-database", default=PLACE["pg_database"],
                        help="the PostgreSQL database to drop and create")
    args = parser.parse_args()
    PLACE.update(port=args.port, pg_database=args.pg_database)
    compare(args.database or ["sqlite", "postgresql"], args.rows or [10_000], args.seconds,
            args.workload or sorted(WORKLOADS))


if __name__ == "__main__":
    main()
