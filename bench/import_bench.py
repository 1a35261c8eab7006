"""Benchmark ``formflow import``: rows per second importing crm customers.

    python bench/import_bench.py                              # 10,000 rows, SQLite and PostgreSQL
    python bench/import_bench.py --database sqlite --rows 2000
    python bench/import_bench.py --background --rows 100000   # through a background job
    python bench/import_bench.py --api                        # through the REST API

Each run installs the shipped crm app on a fresh database (a SQLite file in a temporary
folder, or the PostgreSQL database ``ff_import_bench`` at ``BENCH_POSTGRES_URL``, created
and dropped), writes a CSV of ``--rows`` customers (name, unique code, industry, level,
credit limit, owner, e-mail, notes) and times the ``formflow import`` command as a user
runs it (a subprocess, so start-up is included), first with ``--dry-run``, then for real.
The commands run with their modules' bytecode compiled, as an installed package has it:
the first one writes it to a folder of the run (even where ``PYTHONDONTWRITEBYTECODE``
is set), so no command pays for compiling the sources.
Every row goes through the records service's save pipeline in one transaction.

With ``--background`` the file is queued as a background import job (as a big upload
on the import page or the API is) and ``formflow import-worker --once`` is timed running
it, streamed in chunks: ``--mode chunks`` (the default: one transaction per chunk,
progress written after each) or ``--mode all`` (one transaction).

With ``--api`` the same file is sent to ``POST /api/v1/crm/customer/import`` (a CSV
body, a bearer token) through the WSGI app in a process of its own (Flask's test
client: the server's work without the network), ``FORMFLOW_IMPORT_BACKGROUND_ROWS``
raised so the request imports the rows itself; the request alone is timed, and its CPU.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
LEVELS = "ABC"
INDUSTRIES = ("manufacturing", "retail", "finance", "technology")


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "code", "industry", "level", "credit_limit", "owner", "email",
                         "notes"])
        for index in range(rows):
            writer.writerow([f"客户 {index}", f"C{index:07d}", INDUSTRIES[index % 4],
                             LEVELS[index % 3], f"{index % 1000}.50", "admin",
                             f"c{index}@example.com", "导入测试"])


def postgres_url() -> str:
    server = sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql('DROP DATABASE IF EXISTS "ff_import_bench" WITH (FORCE)')
        conn.exec_driver_sql('CREATE DATABASE "ff_import_bench"')
    server.dispose()
    return POSTGRES.rsplit("/", 1)[0] + "/ff_import_bench"


def drop_postgres() -> None:
    server = sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql('DROP DATABASE IF EXISTS "ff_import_bench" WITH (FORCE)')
    server.dispose()


def formflow(env: dict, *args: str) -> float:
    """Run ``formflow ARGS``; returns the seconds it took (and prints its CPU seconds:
    on a busy machine they are the steadier figure)."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "from formflow.cli import main; main()", *args],
                   env=env, check=True,
                   stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"           formflow {args[0]}: {cpu:.2f} s CPU", flush=True)
    return time.perf_counter() - started


#: Queues the import of a file as admin: ``python -c QUEUE ENTITY FILE MODE``.
QUEUE = """
import sys
from pathlib import Path
from formflow.app import create_app
from formflow.auth import get_user_by_name
runtime = create_app().extensions["formflow"]
with runtime.db.read() as conn:
    admin = get_user_by_name(conn, "admin")
runtime.import_jobs.submit(admin, sys.argv[1], Path(sys.argv[2]).read_bytes(), mode=sys.argv[3])
"""


def run_background(env: dict, source: Path, mode: str) -> float:
    """Queue the file as a job, then time the worker running it."""
    subprocess.run([sys.executable, "-c", QUEUE, "crm.customer", str(source), mode],
                   env=env, check=True)
    return formflow(env, "import-worker", "--once")


#: Posts the file to the import API as admin with a new token:
#: ``python -c POST FILE``; prints the request's seconds and CPU seconds.
POST = """
import sys, time
from pathlib import Path
from formflow.app import create_app
from formflow.auth import create_token, get_user_by_name
app = create_app()
runtime = app.extensions["formflow"]
with runtime.db.write() as conn:
    _, token = create_token(conn, get_user_by_name(conn, "admin").id, "bench")
body = Path(sys.argv[1]).read_bytes()
client = app.test_client()
started, cpu = time.perf_counter(), time.process_time()
answer = client.post("/api/v1/crm/customer/import", data=body, headers={
    "Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
print(time.perf_counter() - started, time.process_time() - cpu)
assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
"""


def run_api(env: dict, source: Path, rows: int) -> float:
    """Time the import API importing the file; prints its CPU time too."""
    env = {**env, "FORMFLOW_IMPORT_BACKGROUND_ROWS": str(rows + 1)}
    answer = subprocess.run([sys.executable, "-c", POST, str(source)], env=env, check=True,
                            capture_output=True, text=True)
    seconds, cpu = (float(figure) for figure in answer.stdout.split())
    print(f"           the API request: {cpu:.2f} s CPU, {rows / cpu:.0f} rows/s of CPU",
          flush=True)
    return seconds


def run(database: str, rows: int, background: str | None = None, api: bool = False
        ) -> list[str]:
    """Time a dry run and an import of ``rows`` customers; prints and returns table lines."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        url = f"sqlite:///{folder / 'bench.db'}" if database == "sqlite" else postgres_url()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "platform"),
               "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(folder / "bytecode"),
               "FORMFLOW_DATABASE_URL": url, "FORMFLOW_INSTANCE_PATH": str(folder / "instance"),
               "FORMFLOW_METADATA_PATH": str(ROOT / "metadata" / "apps" / "crm"),
               "FORMFLOW_PLUGINS_PATH": str(folder / "no-plugins"),
               "FORMFLOW_SECRET_KEY": "bench", "FORMFLOW_LANGUAGE": "en",
               "FORMFLOW_LOG_LEVEL": "WARNING"}
        try:
            formflow(env, "init", "--admin-password", "bench-password")
            source = folder / "customers.csv"
            write_csv(source, rows)
            empty = formflow(env, "plugins")  # the command's start-up alone
            if background:
                timed = [(f"job/{background}", run_background(env, source, background))]
            elif api:
                timed = [("API", run_api(env, source, rows))]
            else:
                timed = [("dry run", formflow(env, "import", "crm.customer", str(source),
                                              "--dry-run")),
                         ("import", formflow(env, "import", "crm.customer", str(source)))]
        finally:
            if database == "postgresql":
                drop_postgres()
    lines = []
    for label, seconds in timed:
        net = max(seconds - (0 if api else empty), 1e-9)  # a request has no start-up
        print(f"{database:<10} {label:<11} {rows:>7} rows  {seconds:6.1f} s  "
              f"{rows / seconds:7.0f} rows/s  ({rows / net:7.0f} rows/s without start-up)",
              flush=True)
        lines.append(f"| {database} | {label} | {rows:,} | {seconds:.1f} s | "
                     f"{rows / seconds:.0f} | {rows / net:.0f} |")
    return lines


def table(databases: list[str], rows: int) -> list[str]:
    """The Markdown table of ``run`` on each database (for ``all.py``)."""
    lines = ["| database | run | rows | time | rows/s | rows/s without start-up |",
             "|---|---|---|---|---|---|"]
    for database in databases:
        lines += run(database, rows)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--background", action="store_true",
                        help="Import through a background job run by the import worker.")
    parser.add_argument("--mode", choices=["chunks", "all"], default="chunks")
    parser.add_argument("--api", action="store_true",
                        help="Import through POST /api/v1/crm/customer/import.")
    options = parser.parse_args()
    for database in options.database or ["sqlite", "postgresql"]:
        run(database, options.rows, options.mode if options.background else None,
            options.api)


if __name__ == "__main__":
    main()
