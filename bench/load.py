"""A load test like real use: 50 people at once on the demo company scaled ×10.

    pip install -e '.[bench,postgres,server]'
    python bench/load.py                      # 10 minutes on PostgreSQL, 4 workers
    python bench/load.py --seconds 90         # a short trial with the same people and data

Loads the demo company with ten times its customers (and all that comes with them) into
a fresh PostgreSQL database (``BENCH_POSTGRES_URL``, database ``ff_load``: a copy of the
one the first run built, see ``load_data.py``), serves it with gunicorn (4 sync workers)
and lets Locust drive the journeys of ``load_journeys.py``: sales reps open their to-do
list, list customers with a filter, open one, write quotations with line items and
submit them; sales managers open their to-do list, open each quotation waiting there and
approve it.  After a warm-up run it measures: throughput, p50/p95 per journey step, the
errors (there must be none) and each worker's resident memory after the warm-up and at
the end (it must not grow); the verdict and the tables replace the load test's section
of ``bench/RESULTS.md``.
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
from datetime import UTC, datetime
from pathlib import Path

from load_data import fresh_database
from load_steps import ALL, APPROVE, SUBMIT
from results_file import machine, write_load_section
from run import PG_SERVER, Server, settle

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from formflow import create_app  # noqa: E402
from formflow.auth import create_token, get_user_by_name  # noqa: E402

REPS = ("wangfang", "zhangwei", "huangmin", "chenjing", "liuyang", "qinfang")
MANAGER = "lihua"
PORT = 8741
WORKERS = 4
#: A worker's resident memory may move this much between the warm-up and the end
#: (allocator noise) and still count as not growing.
RSS_TOLERANCE_MIB = 5


def tokens(url: str, instance: Path) -> dict:
    """API tokens of the sales reps and the sales manager."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "load"})
    runtime = app.extensions["formflow"]
    found: dict = {"reps": []}
    with runtime.db.write() as conn:
        for name in REPS:
            found["reps"].append(create_token(conn, get_user_by_name(conn, name).id, "load")[1])
        found["manager"] = create_token(conn, get_user_by_name(conn, MANAGER).id, "load")[1]
    runtime.db.dispose()
    return found


def run_locust(users: int, seconds: int, tokens_file: Path, folder: Path, server: Server
               ) -> dict[int, float]:
    """Locust, headless, in its own process (it patches the standard library); one in
    five simulated people is a sales manager.  The workers' memory half-way through."""
    folder.mkdir(exist_ok=True)
    prefix = folder / "locust"
    locust = subprocess.Popen(
        [
            sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("load_journeys.py")),
            "--headless", "--host", f"http://127.0.0.1:{PORT}", "--users", str(users),
            "--spawn-rate", str(max(1, users // 10)), "--run-time", f"{seconds}s",
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        ],
        env={**os.environ, "LOAD_TOKENS": str(tokens_file),
             "LOAD_MANAGERS": str(max(1, users // 5))},
    )
    try:
        time.sleep(seconds / 2)
        halfway = server.worker_memory_mib()
    finally:
        locust.wait()
    if not Path(f"{prefix}_stats.csv").exists():
        raise SystemExit("Locust did not run: pip install -e '.[bench,postgres,server]'")
    return halfway


def memory_rows(before: dict[int, float], halfway: dict[int, float], after: dict[int, float]
                ) -> tuple[list[str], bool]:
    """The memory table and whether it passes: the same workers at the end, none grown
    by more than the tolerance since the warm-up."""
    lines = ["| worker | RSS after warm-up MiB | half-way MiB | at end MiB | growth MiB |",
             "|---|---:|---:|---:|---:|"]
    passed = bool(before) and set(before) == set(after)
    for pid in sorted(before.keys() | after.keys()):
        start, middle, end = before.get(pid), halfway.get(pid), after.get(pid)
        if start is None or end is None:
            lines.append(f"| {pid} | {start or '-'} | {middle or '-'} | {end or '-'} "
                         "| worker replaced |")
            continue
        passed = passed and end - start <= RSS_TOLERANCE_MIB
        lines.append(f"| {pid} | {start:.1f} | {middle or float('nan'):.1f} | {end:.1f} "
                     f"| {end - start:+.1f} |")
    return lines, passed


def report(folder: Path, args, build_seconds: float, memory: tuple[dict, dict, dict]) -> str:
    rows = list(csv.DictReader((folder / "locust_stats.csv").open(encoding="utf-8")))
    failures = list(csv.DictReader((folder / "locust_failures.csv").open(encoding="utf-8")))
    steps = {row["Name"]: row for row in rows if row["Name"] != "Aggregated"}
    total = next(row for row in rows if row["Name"] == "Aggregated")
    errors = int(total["Failure Count"])
    approvals = int(steps.get(APPROVE, {}).get("Request Count", 0))
    submits = int(steps.get(SUBMIT, {}).get("Request Count", 0))
    missing = [name for name in ALL if name not in steps]
    memory_lines, memory_ok = memory_rows(*memory)
    verdict = "PASS" if errors == 0 and not missing and memory_ok else "FAIL"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Load test (`load.py`)",
        "",
        f"{stamp}. Machine: {machine(PG_SERVER)}.",
        f"Command: `python bench/load.py{args.command}`: {args.users} simulated people "
        f"({max(1, args.users // 5)} sales managers), demo company ×{args.scale} "
        f"(built once in {build_seconds:.0f} s, then copied), PostgreSQL, gunicorn {WORKERS} "
        f"sync workers, {args.warm_up} s warm-up then {args.seconds / 60:g} min measured.",
        "",
        f"**{verdict}**: {float(total['Requests/s']):.1f} requests/s, {errors} errors, "
        f"{submits} quotations submitted, {approvals} approved, worker memory "
        f"{'steady' if memory_ok else 'GREW or workers were replaced'} "
        f"(tolerance {RSS_TOLERANCE_MIB} MiB per worker)"
        + (f"; never ran: {', '.join(missing)}." if missing else "."),
        "",
        "| step | requests | failures | req/s | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in [*sorted(steps.values(), key=lambda r: r["Name"]), total]:
        name = "**all**" if row is total else row["Name"]
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} |"
        )
    if failures:
        lines += ["", "| errors | method | step | occurrences |", "|---|---|---|---:|"]
        lines += [f"| {f['Error'][:120]} | {f['Method']} | {f['Name']} | {f['Occurrences']} |"
                  for f in failures]
    return "\n".join([*lines, "", *memory_lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, help="measured run (default 10)")
    length.add_argument("--seconds", type=int, help="measured run, in seconds")
    parser.add_argument("--warm-up", type=int, default=60, help="seconds before measuring")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--scale", type=int, default=10, help="× the demo's 300 customers")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the demo company again even if a copy is kept")
    args = parser.parse_args()
    args.command = "".join(f" {word}" for word in sys.argv[1:])
    args.seconds = args.seconds or round((args.minutes or 10) * 60)
    folder = Path(tempfile.mkdtemp(prefix="formflow-load-"))
    url, build_seconds = fresh_database(folder, args.scale, args.rebuild)
    tokens_file = folder / "tokens.json"
    tokens_file.write_text(json.dumps(tokens(url, folder)), encoding="utf-8")
    settle(url)
    env = {
        "FORMFLOW_DATABASE_URL": url,
        "FORMFLOW_INSTANCE_PATH": str(folder),
        "FORMFLOW_SECRET_KEY": "load",
        "FORMFLOW_LOG_LEVEL": "WARNING",
    }
    server = Server("wsgi:app", PORT, env, workers=WORKERS)
    try:
        run_locust(args.users, args.warm_up, tokens_file, folder / "warm", server)
        before = server.worker_memory_mib()
        halfway = run_locust(args.users, args.seconds, tokens_file, folder / "measured", server)
        after = server.worker_memory_mib()
    finally:
        server.stop()
    text = report(folder / "measured", args, build_seconds, (before, halfway, after))
    print(text)
    write_load_section(text)
    print("written to bench/RESULTS.md")


if __name__ == "__main__":
    main()
