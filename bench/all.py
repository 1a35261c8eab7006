"""Every benchmark, on SQLite and PostgreSQL, written to ``bench/RESULTS.md``.

    python bench/all.py                        # the full run (about 15-20 minutes)
    python bench/all.py --quick                # 10k rows only, shorter workloads

1. ``run.py``: Formflow's REST API beside the hand-written baseline (gunicorn, loopback
   HTTP, concurrent clients): create, update and a filtered list page on 10k and 1M rows.
2. ``process_bench.py``: record updates against process transitions (the transition
   target is relative to updates), then one ``formflow tick`` over 100k open tasks.
3. ``pages_bench.py``: server time of the list, record and form pages on 100k records.
4. ``import_bench.py``: ``formflow import`` of 10,000 customers from CSV.

The load test (``load.py``, ten minutes on its own) keeps its section of RESULTS.md.

Figures move between runs on a small machine (the load generator shares its cores with
the servers); compare CPU per request and ratios rather than raw rates.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import import_bench  # noqa: E402
import pages_bench  # noqa: E402
import process_bench  # noqa: E402
import run  # noqa: E402
from results_file import load_section, machine  # noqa: E402

DATABASES = ["sqlite", "postgresql"]


def process_table(args) -> list[str]:
    lines = [
        "| database | updates/s | transitions/s | ratio (target ≥ 0.7×) "
        "| 3-branch actions/s | 3-branch records/s (× single line) "
        "| tick (target < 5 s) | open tasks | due |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in DATABASES:
        figures = process_bench.run(kind, args.records, args.tasks, args.due)
        lines.append(
            f"| {kind} | {figures['updates']:.0f} | {figures['transitions']:.0f} | "
            f"{figures['ratio']:.2f}× | {figures['branch_actions']:.0f} | "
            f"{figures['branch_records']:.0f} ({figures['branch_ratio']:.2f}×) | "
            f"{figures['tick']:.2f} s | {figures['open']:,} | {figures['due']:,} |"
        )
    return lines


def import_table(rows: int) -> list[str]:
    return import_bench.table(DATABASES, rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10k rows, short workloads")
    parser.add_argument("--write", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [10_000, 1_000_000]
    seconds = 3 if args.quick else 8
    args.records, args.tasks, args.due = (100, 20_000, 200) if args.quick else (
        300, 100_000, 1_000)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    about = machine(run.PG_SERVER)
    api = run.compare(DATABASES, sizes, seconds, ["create", "update", "list"])
    process = process_table(args)
    pages = pages_bench.table(DATABASES, 10_000 if args.quick else 100_000, 200)
    imports = import_table(10_000)
    kept = load_section(Path(args.write))  # the load test's (bench/load.py) stays as it was
    Path(args.write).write_text(
        "# Benchmark results\n\n"
        f"{stamp}. Machine: {about}.\n"
        f"Command: `python bench/all.py{' --quick' if args.quick else ''}`; "
        f"gunicorn {run.WORKERS} sync workers per server, {run.CLIENTS} concurrent clients, "
        f"{seconds} s per workload.\n\n"
        "## REST API against the hand-written baseline\n\n"
        + "\n".join(api)
        + "\n\n## Process engine (in-process WSGI, one client)\n\n"
        + "\n".join(process)
        + "\n\n## Web pages (in-process WSGI, signed in as admin)\n\n"
        + "\n".join(pages)
        + "\n\n## Import\n\n"
        + "\n".join(imports)
        + "\n"
        + (f"\n{kept}" if kept else "")
    )
    print(f"written to {args.write}")


if __name__ == "__main__":
    main()
