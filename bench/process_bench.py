"""Benchmark the process engine: transitions per second through the REST API beside plain
record updates, and ``formflow tick`` over a large table of open tasks.

    python bench/process_bench.py                          # SQLite and PostgreSQL
    python bench/process_bench.py --database sqlite --records 500 --tasks 100000 --due 1000

Builds a throw-away app (``benchflow``: a ticket with a draft -> review -> done process,
reviewers by role, an SLA with a breach notice) in a temporary folder, on a SQLite file
or on a PostgreSQL database ``ff_process_bench`` at ``BENCH_POSTGRES_URL`` (created and
dropped).  Requests go through the WSGI app in-process (Flask's test client with a
bearer token), so the figures are the server's cost without network or HTTP parsing.

- **updates**: ``PATCH /api/v1/benchflow/ticket/<id>`` changing one field, twice per
  record, one client.
- **transitions**: ``POST /api/v1/benchflow/ticket/<id>/actions/submit`` (by the author:
  a task opens for each reviewer, notifications, events) then ``.../actions/approve``
  (by a reviewer: tasks close, the record moves to its final state), one client.
  Target: at least 0.5x the update rate.
- **branches**: the same on a three-branch flow (``benchflow.review``: submit forks into
  legal, finance and operations steps, each with its reviewers' tasks; one approval per
  branch, the third joins and ends the record): actions per second, and per record
  (submit and three approvals) against the single line's (submit and one approval).
- **tick**: the open-task table is filled with bulk SQL inserts (``--tasks`` open tasks
  on ``--due``-many records in review, of which ``--due`` are past their deadline), then
  one ``runtime.sla.tick()`` is timed: it finds the due tasks and, per record, locks it,
  marks the breach, notifies the reviewers and logs the event.  Target: under 5 s for
  100k open tasks with 1k due.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from formflow import create_app  # noqa: E402
from formflow.auth import create_token, create_user  # noqa: E402
from formflow.fields.columns import utcnow  # noqa: E402
from formflow.install import install  # noqa: E402
from formflow.process.tables import events, tasks  # noqa: E402

PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_DATABASE = "ff_process_bench"
ENTITY = "benchflow.ticket"
PATH = "/api/v1/benchflow/ticket"
BRANCH_PATH = "/api/v1/benchflow/review"
BRANCHES = ("legal", "finance", "ops")
BATCH = 10_000

APP = {
    "app.json": {
        "name": "benchflow",
        "label": "Bench flow",
        "roles": [{"name": "reviewer", "label": "Reviewer"}],
        "menu": ["ticket"],
    },
    "entities/ticket.json": {
        "name": "ticket",
        "label": "Ticket",
        "numbering": "T-{seq:6}",
        "title": "{subject}",
        "fields": [
            {"name": "subject", "type": "text", "required": True, "max_length": 200},
            {"name": "priority", "type": "integer", "min": 1, "max": 5},
            {"name": "note", "type": "textarea"},
        ],
        "permissions": [
            {"role": "user", "create": True, "read": "own", "update": "own"},
            {"role": "reviewer", "read": "all"},
        ],
        "process": "ticket_flow",
    },
    "processes/ticket_flow.json": {
        "name": "ticket_flow",
        "entity": "ticket",
        "start": "draft",
        "states": [
            {"name": "draft", "editable": "*"},
            {
                "name": "review",
                "assignees": [{"role": "reviewer"}],
                "approval": "any",
                "sla": {
                    "due": "24h",
                    "remind": "20h",
                    "on_breach": {"notify": [{"role": "reviewer"}]},
                },
            },
            {"name": "done", "final": True},
        ],
        "transitions": [
            {"name": "submit", "from": "draft", "to": "review", "by": "creator"},
            {"name": "approve", "from": "review", "to": "done"},
            {"name": "send_back", "from": "review", "to": "draft"},
        ],
    },
    "entities/review.json": {
        "name": "review",
        "label": "Review",
        "title": "{subject}",
        "fields": [{"name": "subject", "type": "text", "required": True, "max_length": 200}],
        "permissions": [
            {"role": "user", "create": True, "read": "own", "update": "own"},
            {"role": "reviewer", "read": "all"},
        ],
        "process": "review_flow",
    },
    "processes/review_flow.json": {
        "name": "review_flow",
        "entity": "review",
        "start": "draft",
        "states": [
            {"name": "draft", "editable": "*"},
            {"name": "checks", "parallel": {"branches": [
                {"name": branch, "steps": [f"{branch}_review"]} for branch in BRANCHES]}},
            *({"name": f"{branch}_review", "assignees": [{"role": "reviewer"}],
               "sla": {"due": "24h"}} for branch in BRANCHES),
            {"name": "done", "final": True},
            {"name": "rejected", "final": True},
        ],
        "transitions": [
            {"name": "submit", "from": "draft", "to": "checks", "by": "creator"},
            {"name": "approve", "from": [f"{b}_review" for b in BRANCHES], "to": "@join"},
            {"name": "reject", "from": [f"{b}_review" for b in BRANCHES], "to": "rejected"},
            {"name": "join", "from": "checks", "to": "done"},
        ],
    },
}


# -- setup ----------------------------------------------------------------------------


def write_app(folder: Path) -> Path:
    apps = folder / "apps"
    for name, document in APP.items():
        path = apps / "benchflow" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=1))
    return apps


def database_url(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    server = sa.create_engine(
        PG_SERVER.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {PG_DATABASE}")
    server.dispose()
    return PG_SERVER.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def drop_database(kind: str) -> None:
    if kind != "postgresql":
        return
    server = sa.create_engine(
        PG_SERVER.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    server.dispose()


def build(kind: str, folder: Path):
    app = create_app(
        {
            "DATABASE_URL": database_url(kind, folder),
            "METADATA_PATH": [str(write_app(folder))],
            "PLUGINS_PATH": [str(folder / "no-plugins")],
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",  # no request log lines: the baseline writes none
        }
    )
    runtime = app.extensions["formflow"]
    install(runtime, "bench-admin-password")
    with runtime.db.write() as conn:
        author = create_user(conn, "author", None, known_roles=runtime.model.roles)
        reviewers = [
            create_user(
                conn, f"reviewer{i}", None, roles=["reviewer"], known_roles=runtime.model.roles
            )
            for i in (1, 2)
        ]
        tokens = {
            user.username: create_token(conn, user.id, "bench")[1] for user in (author, *reviewers)
        }
    return app, runtime, author, reviewers, tokens


# -- API throughput ---------------------------------------------------------------------


def timed(client, calls) -> tuple[int, float]:
    """Run (method, path, token, body) calls one after another: (count, seconds)."""
    start = time.perf_counter()
    for method, path, token, body in calls:
        response = client.open(
            path, method=method, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code >= 300:
            raise RuntimeError(
                f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:300]}"
            )
    return len(calls), time.perf_counter() - start


def throughput(app, tokens, records: int) -> dict[str, float]:
    client = app.test_client()
    author, reviewer = tokens["author"], tokens["reviewer1"]

    def create(index: int) -> int:
        response = client.post(
            PATH,
            json={"subject": f"Ticket {index}", "priority": 3},
            headers={"Authorization": f"Bearer {author}"},
        )
        return response.get_json()["id"]

    # Warm up (first requests build caches, prepare statements).
    warm = [create(i) for i in range(20)]
    timed(client, [("PATCH", f"{PATH}/{i}", author, {"note": "warm"}) for i in warm])
    timed(client, [("POST", f"{PATH}/{i}/actions/submit", author, {}) for i in warm])
    timed(client, [("POST", f"{PATH}/{i}/actions/approve", reviewer, {}) for i in warm])

    plain = [create(i) for i in range(records)]
    flowing = [create(i) for i in range(records)]
    updates = [
        ("PATCH", f"{PATH}/{i}", author, {"note": f"note {n}"}) for n in (1, 2) for i in plain
    ]
    moves = [("POST", f"{PATH}/{i}/actions/submit", author, {"comment": "please"}) for i in flowing]
    moves += [("POST", f"{PATH}/{i}/actions/approve", reviewer, {"comment": "ok"}) for i in flowing]
    count, seconds = timed(client, updates)
    update_rate = count / seconds
    count, seconds = timed(client, moves)
    transition_rate = count / seconds
    return {
        "updates": update_rate,
        "transitions": transition_rate,
        "ratio": transition_rate / update_rate,
        **branch_throughput(client, author, reviewer, records, transition_rate / 2),
    }


def branch_throughput(client, author: str, reviewer: str, records: int,
                      line_records: float) -> dict[str, float]:
    """Submit and one approval per branch on the three-branch flow: actions per second,
    records per second and their ratio to the single line's ``line_records`` per second."""

    def create(index: int) -> int:
        response = client.post(BRANCH_PATH, json={"subject": f"Review {index}"},
                               headers={"Authorization": f"Bearer {author}"})
        return response.get_json()["id"]

    def flow(ids: list[int]) -> list[tuple]:
        calls = [("POST", f"{BRANCH_PATH}/{i}/actions/submit", author, {}) for i in ids]
        for branch in BRANCHES:  # the last one joins
            calls += [("POST", f"{BRANCH_PATH}/{i}/actions/approve", reviewer,
                       {"state": f"{branch}_review"}) for i in ids]
        return calls

    timed(client, flow([create(i) for i in range(20)]))  # warm up
    count, seconds = timed(client, flow([create(i) for i in range(records)]))
    return {
        "branch_actions": count / seconds,
        "branch_records": records / seconds,
        "branch_ratio": records / seconds / line_records,
    }


# -- tick -------------------------------------------------------------------------------


def seed_tasks(runtime, author, reviewers, total: int, due: int) -> None:
    """``due`` tickets in review, each with a task past its deadline per reviewer... and
    open tasks not due yet up to ``total`` in all, inserted in bulk."""
    main = runtime.schema[ENTITY].main
    now = utcnow()
    long_ago, later = now - timedelta(days=2), now + timedelta(days=30)
    with runtime.db.write() as conn:
        start_id = (conn.execute(sa.select(sa.func.max(main.c.id))).scalar() or 0) + 1
        event_id = (conn.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0) + 1
        version = conn.execute(sa.select(sa.func.max(main.c._process_version))).scalar() or 1
        ids = list(range(start_id, start_id + due))
        for chunk in range(0, due, BATCH):
            part = ids[chunk : chunk + BATCH]
            conn.execute(
                sa.insert(main),
                [
                    {
                        "id": i,
                        "subject": f"Seeded {i}",
                        "priority": 3,
                        "_number": f"S-{i:07d}",
                        "_title": f"Seeded {i}",
                        "_state": "review",
                        "_process_version": version,
                        "_version": 1,
                        "_created_at": long_ago,
                        "_updated_at": long_ago,
                        "_created_by": author.id,
                        "_updated_by": author.id,
                    }
                    for i in part
                ],
            )
            conn.execute(
                sa.insert(events),
                [
                    {
                        "id": event_id + n,
                        "entity": ENTITY,
                        "record_id": i,
                        "process_version": version,
                        "action": "submit",
                        "from_state": "draft",
                        "to_state": "review",
                        "actor_id": author.id,
                        "at": long_ago,
                        "seconds_in_state": 60.0,
                    }
                    for n, i in enumerate(part, start=chunk)
                ],
            )
        if runtime.db.engine.dialect.name == "postgresql":  # explicit ids: move the counters
            for table, last in ((main.name, start_id + due), (events.name, event_id + due)):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})"
                )
        rows = []
        for n in range(total):
            record = ids[n % due]
            overdue = n < due
            rows.append(
                {
                    "entity": ENTITY,
                    "record_id": record,
                    "process_version": version,
                    "state": "review",
                    "visit": event_id + (n % due),
                    "kind": "approve",
                    "assignee_id": reviewers[n % len(reviewers)].id,
                    "status": "open",
                    "position": 0,
                    "origin": "assigned",
                    "opened_at": long_ago,
                    "due_at": long_ago if overdue else later,
                    "remind_at": long_ago if overdue else later - timedelta(hours=4),
                }
            )
            if len(rows) == BATCH:
                conn.execute(sa.insert(tasks), rows)
                rows = []
        if rows:
            conn.execute(sa.insert(tasks), rows)
    with runtime.db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def tick(runtime, author, reviewers, total: int, due: int) -> dict[str, float]:
    started = time.perf_counter()
    seed_tasks(runtime, author, reviewers, total, due)
    seeded = time.perf_counter() - started
    with runtime.db.read() as conn:
        open_tasks = conn.execute(
            sa.select(sa.func.count()).select_from(tasks).where(tasks.c.status == "open")
        ).scalar()
    started = time.perf_counter()
    report = runtime.sla.tick()
    seconds = time.perf_counter() - started
    return {
        "open": open_tasks,
        "seconds": seconds,
        "breaches": report.breaches,
        "notices": report.breach_notices,
        "failed": report.failed,
        "seed": seeded,
    }


# -- main -------------------------------------------------------------------------------


def run(kind: str, records: int, total: int, due: int) -> dict[str, float]:
    """Measure updates, transitions and one tick on ``kind``; prints and returns them."""
    with tempfile.TemporaryDirectory() as folder:
        app, runtime, author, reviewers, tokens = build(kind, Path(folder))
        try:
            rates = throughput(app, tokens, records)
            print(f"{kind:10}  updates      {rates['updates']:8.1f} /s   ({2 * records} PATCH)")
            print(
                f"{kind:10}  transitions  {rates['transitions']:8.1f} /s   "
                f"({2 * records} actions: submit, approve)   "
                f"{rates['ratio']:.2f}x updates (target >= 0.5x)"
            )
            print(
                f"{kind:10}  3 branches   {rates['branch_actions']:8.1f} /s   "
                f"({4 * records} actions: submit, 3 approvals)   "
                f"{rates['branch_records']:.1f} records/s, "
                f"{rates['branch_ratio']:.2f}x the single line's"
            )
            result = tick(runtime, author, reviewers, total, due)
            print(
                f"{kind:10}  tick         {result['seconds']:8.2f} s    "
                f"({result['open']:,} open tasks, {result['breaches']:,} due, "
                f"{result['notices']:,} notices, {result['failed']} failed; "
                f"seeded in {result['seed']:.1f} s)   (target < 5 s)",
                flush=True,
            )
            return {**rates, "tick": result["seconds"], "open": result["open"],
                    "due": result["breaches"]}
        finally:
            runtime.db.dispose()
            drop_database(kind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        action="append",
        help="repeatable; default: both",
    )
    parser.add_argument(
        "--records", type=int, default=300, help="records per throughput workload (default 300)"
    )
    parser.add_argument(
        "--tasks", type=int, default=100_000, help="open tasks for the tick (default 100,000)"
    )
    parser.add_argument(
        "--due", type=int, default=1_000, help="of which past their deadline (default 1,000)"
    )
    args = parser.parse_args(argv)
    for kind in args.database or ["sqlite", "postgresql"]:
        run(kind, args.records, args.tasks, args.due)
    return 0


if __name__ == "__main__":
    sys.exit(main())
