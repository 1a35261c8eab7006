"""A load test like real use: 50 people at once on the demo company scaled ×10.

    pip install -e '.[bench]'
    python bench/load.py                      # 10 minutes on PostgreSQL, 4 workers
    python bench/load.py --minutes 2 --users 20

Loads the demo company with ten times its customers into a fresh PostgreSQL database
(``BENCH_POSTGRES_URL``, database ``ff_load``), serves it with gunicorn (4 sync workers),
and lets Locust drive the journeys of ``load_journeys.py``: sales reps list customers with
a filter, open one, write quotations with line items and submit them; the sales manager
opens the to-do list and approves.  Prints throughput, p50/p95 per journey step, the
errors (there must be none) and each worker's resident memory after a warm-up and at
the end (it must not grow), and writes the table to ``bench/load-results.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from run import PG_SERVER, Server, settle

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from formflow import create_app  # noqa: E402
from formflow.auth import create_token, get_user_by_name  # noqa: E402
from formflow.demo import load_demo  # noqa: E402

REPS = ("wangfang", "zhangwei", "huangmin", "chenjing", "liuyang", "qinfang")
MANAGER = "lihua"
PORT = 8741
WARM_UP_SECONDS = 30


def fresh_database() -> str:
    server = sa.create_engine(
        PG_SERVER.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS ff_load WITH (FORCE)")
        conn.exec_driver_sql("CREATE DATABASE ff_load")
    server.dispose()
    return PG_SERVER.rsplit("/", 1)[0] + "/ff_load"


def prepare(url: str, instance: Path, scale: int) -> dict:
    """Load the demo company (``scale`` × its customers); API tokens of reps and manager."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "load"})
    runtime = app.extensions["formflow"]
    started = time.monotonic()
    load_demo(runtime, customers=300 * scale, progress=lambda line: print(f"  {line}"))
    print(f"Demo company ×{scale} loaded in {time.monotonic() - started:.0f} s", flush=True)
    tokens: dict = {"reps": []}
    with runtime.db.write() as conn:
        for name in REPS:
            tokens["reps"].append(create_token(conn, get_user_by_name(conn, name).id, "load")[1])
        tokens["manager"] = create_token(conn, get_user_by_name(conn, MANAGER).id, "load")[1]
    runtime.db.dispose()
    return tokens


def run_locust(users: int, seconds: int, tokens_file: Path, folder: Path) -> Path:
    """Locust, headless, in its own process (it patches the standard library)."""
    prefix = folder / "locust"
    subprocess.run(
        [
            sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("load_journeys.py")),
            "--headless", "--host", f"http://127.0.0.1:{PORT}", "--users", str(users),
            "--spawn-rate", str(max(1, users // 10)), "--run-time", f"{seconds}s",
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        ],
        env={**os.environ, "LOAD_TOKENS": str(tokens_file)},
        check=False,
    )
    return Path(f"{prefix}_stats.csv")


def report(stats_file: Path, seconds: int, memory: tuple[dict, dict], users: int, scale: int
           ) -> str:
    rows = list(csv.DictReader(stats_file.open(encoding="utf-8")))
    lines = [
        f"Load test: {users} simulated people, demo company ×{scale}, PostgreSQL, gunicorn "
        f"4 workers, {seconds / 60:g} min",
        "",
        "| step | requests | failures | req/s | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else row["Name"]
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} |"
        )
    before, after = memory
    lines += ["", "| worker | RSS after warm-up MiB | RSS at end MiB |", "|---|---:|---:|"]
    for pid, size in sorted(before.items()):
        lines.append(f"| {pid} | {size:.0f} | {after.get(pid, float('nan')):.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--scale", type=int, default=10, help="× the demo's 300 customers")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="formflow-load-"))
    url = fresh_database()
    tokens_file = folder / "tokens.json"
    tokens_file.write_text(json.dumps(prepare(url, folder, args.scale)), encoding="utf-8")
    settle(url)
    env = {
        "FORMFLOW_DATABASE_URL": url,
        "FORMFLOW_INSTANCE_PATH": str(folder),
        "FORMFLOW_SECRET_KEY": "load",
        "FORMFLOW_LOG_LEVEL": "WARNING",
    }
    server = Server("wsgi:app", PORT, env, workers=4)
    try:
        (folder / "warm").mkdir()
        warm = run_locust(args.users, WARM_UP_SECONDS, tokens_file, folder / "warm")
        if not warm.exists():
            raise SystemExit("Locust did not run: pip install -e '.[bench]'")
        before = server.worker_memory_mib()
        seconds = round(args.minutes * 60)
        stats = run_locust(args.users, seconds, tokens_file, folder)
        after = server.worker_memory_mib()
    finally:
        server.stop()
    text = report(stats, seconds, (before, after), args.users, args.scale)
    print(text)
    Path(__file__).with_name("load-results.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
