"""Four gunicorn workers on one database, driven through real HTTP on loopback.

- Many clients update the same records with ``If-Match``: every write lands or gets
  412/409, and each record's count equals the writes that landed (no lost update).
- Many parallel creates of a numbered entity: no error, no number twice, no gap.
- Metadata published (a field added, ``formflow migrate`` run) while requests run:
  every worker serves the new field afterwards without a restart, and nothing failed.
- ``/metrics`` adds up all four workers (Prometheus multiprocess mode); the log is one
  JSON line per request.
- Wrong API tokens sent at once to all four workers are counted once, in the database.

On PostgreSQL (``FORMFLOW_TEST_DATABASE_URL``) at full size; on SQLite, where writers
take turns, with fewer clients and creates.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from formflow.auth import create_token, get_user_by_name
from support.deploy_support import TALLY, add_note_field, editable_apps
from support.server_support import free_port, own_control_socket

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
METRICS_TOKEN = "metrics-token-for-the-gunicorn-test"
CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Load:
    records: int  # records updated concurrently
    updaters: int  # clients, each reading then writing ``rounds`` times
    rounds: int
    creates: int
    creators: int  # clients creating at once


LOADS = {
    "postgresql": Load(records=5, updaters=50, rounds=3, creates=1000, creators=25),
    "sqlite": Load(records=3, updaters=12, rounds=3, creates=200, creators=8),
}


class Http:
    """Requests to the server with the admin's token, counting the answered ones."""

    def __init__(self, base: str, token: str):
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.answered = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = session.request(method, self.base + path, headers=headers, timeout=60, **kwargs)
        with self._lock:
            self.answered += 1
        return response

    def metrics(self) -> dict[str, float]:
        """Every sample of /metrics by its name and labels (this request not counted)."""
        response = requests.get(
            self.base + "/metrics", timeout=30, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        assert response.status_code == 200, response.text
        with self._lock:
            self.answered += 1
        samples = {}
        for line in response.text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                samples[name] = float(value)
        return samples


@pytest.fixture
def metadata_path(tmp_path):
    return editable_apps(tmp_path)


@pytest.fixture
def server(make_app, metadata_path, database_url, tmp_path):
    """gunicorn with four workers on the test database; yields (Http, environment, log)."""
    runtime = make_app(metadata_path).extensions["formflow"]  # formflow init
    with runtime.db.write() as conn:
        _, token = create_token(conn, get_user_by_name(conn, "admin").id, "gunicorn test")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FORMFLOW_")},
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "platform"), os.environ.get("PYTHONPATH")])
        ),
        "FORMFLOW_ENV": "production",
        "FORMFLOW_SECRET_KEY": "s" * 64,
        "FORMFLOW_DATABASE_URL": database_url,
        "FORMFLOW_METADATA_PATH": str(metadata_path[0]),
        "FORMFLOW_PLUGINS_PATH": str(tmp_path / "no-plugins"),
        "FORMFLOW_INSTANCE_PATH": str(tmp_path / "instance"),
        "FORMFLOW_LOG_FORMAT": "json",
        "FORMFLOW_METRICS_TOKEN": METRICS_TOKEN,
        "FORMFLOW_METADATA_CHECK_SECONDS": str(CHECK_SECONDS),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:formflow.ops.gunicorn_conf",
                "-w",
                str(WORKERS),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                *own_control_socket(tmp_path),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
        yield Http(f"http://127.0.0.1:{port}", token), environment, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()




def _wait_until_healthy(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(base + "/healthz", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz:\n{log.read_text()[-3000:]}")


def _dialect(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


def test_four_workers_keep_data_consistent_and_pick_up_published_metadata(
    server, database_url, metadata_path, record_property
):
    http, environment, log = server
    load = LOADS[_dialect(database_url)]
    healthz_polls = _answered_before(http)

    updates = _concurrent_updates(http, load)
    record_property("updates_landed", updates["landed"])
    record_property("updates_refused_412", updates[412])
    record_property("updates_refused_409", updates[409])

    numbers, seconds = _parallel_creates(http, load)
    record_property("creates_per_second", round(load.creates / seconds, 1))
    print(
        f"\n{_dialect(database_url)}: {updates['landed']} updates landed, "
        f"{updates[412]} got 412, {updates[409]} got 409; {load.creates} creates in "
        f"{seconds:.2f} s ({load.creates / seconds:.0f}/s) through {WORKERS} workers"
    )

    _publish_while_requests_run(http, environment, metadata_path)

    expected = http.answered + healthz_polls
    samples = http.metrics()
    answered = sum(v for k, v in samples.items() if k.startswith("formflow_http_requests_total"))
    assert answered == expected  # all four workers' counts, whichever one answered
    assert samples["formflow_metadata_reloads_total"] == WORKERS
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    served = [line for line in lines if line["logger"] == "formflow.requests"]
    assert {line["pid"] for line in served} == _worker_pids(lines)
    assert len(_worker_pids(lines)) == WORKERS
    assert all(line["user"] == "admin" for line in served if line["path"].startswith("/api/"))
    assert not [line for line in lines if line["level"] == "ERROR"]


def _answered_before(http: Http) -> int:
    """The requests answered before the test's own: the health polls during start-up."""
    samples = http.metrics()
    return int(sum(v for k, v in samples.items() if k.startswith("formflow_http_requests_total")))


def _worker_pids(lines: list[dict]) -> set[int]:
    return {line["pid"] for line in lines if line["logger"] == "formflow.reloading"}


def _concurrent_updates(http: Http, load: Load) -> Counter:
    ids = [
        http("POST", f"/api/v1/{TALLY}", json={"name": f"Shared {n}"}).json()["id"]
        for n in range(load.records)
    ]
    barrier = threading.Barrier(load.updaters)
    outcome: Counter = Counter()
    landed_per_record: Counter = Counter()
    problems: list[str] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        record_id = ids[index % len(ids)]
        path = f"/api/v1/{TALLY}/{record_id}"
        barrier.wait()
        for _ in range(load.rounds):
            read = http("GET", path)
            written = http(
                "PATCH",
                path,
                json={"count": read.json()["count"] + 1},
                headers={"If-Match": read.headers["ETag"]},
            )
            with lock:
                if written.status_code == 200:
                    outcome["landed"] += 1
                    landed_per_record[record_id] += 1
                elif written.status_code in (409, 412):
                    outcome[written.status_code] += 1
                else:
                    problems.append(f"{written.status_code} {written.text[:200]}")

    with ThreadPoolExecutor(load.updaters) as pool:
        list(pool.map(client, range(load.updaters)))
    assert problems == []
    assert outcome["landed"] + outcome[409] + outcome[412] == load.updaters * load.rounds
    for record_id in ids:
        stored = http("GET", f"/api/v1/{TALLY}/{record_id}").json()
        assert stored["count"] == landed_per_record[record_id]
        assert stored["_version"] == 1 + landed_per_record[record_id]
    return outcome


def _parallel_creates(http: Http, load: Load) -> tuple[list[str], float]:
    before = http("GET", f"/api/v1/{TALLY}?per_page=1").json()["total"]

    def create(index: int) -> requests.Response:
        return http("POST", f"/api/v1/{TALLY}", json={"name": f"Numbered {index}"})

    began = time.perf_counter()
    with ThreadPoolExecutor(load.creators) as pool:
        responses = list(pool.map(create, range(load.creates)))
    seconds = time.perf_counter() - began
    assert Counter(r.status_code for r in responses) == {201: load.creates}
    numbers = [r.json()["_number"] for r in responses]
    assert len(set(numbers)) == load.creates
    expected = [f"C-{n:06}" for n in range(before + 1, before + load.creates + 1)]
    assert sorted(numbers) == expected
    assert http("GET", f"/api/v1/{TALLY}?per_page=1").json()["total"] == before + load.creates
    return numbers, seconds


def _publish_while_requests_run(http: Http, environment: dict, metadata_path) -> None:
    stop = threading.Event()
    failures: list[str] = []

    def background(index: int) -> None:
        while not stop.is_set():
            response = http("POST", f"/api/v1/{TALLY}", json={"name": f"During {index}"})
            listed = http("GET", f"/api/v1/{TALLY}?per_page=5&sort=-_created_at")
            for answer, wanted in ((response, 201), (listed, 200)):
                if answer.status_code != wanted:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")

    with ThreadPoolExecutor(4) as pool:
        running = [pool.submit(background, n) for n in range(4)]
        try:
            time.sleep(0.5)
            add_note_field(metadata_path)
            migrate = subprocess.run(  # noqa: S603 - our own fixed command line
                [sys.executable, "-m", "formflow", "migrate"],
                cwd=ROOT,
                env=environment,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert migrate.returncode == 0, migrate.stderr
            assert "note" in migrate.stdout
            published = time.monotonic()
            time.sleep(CHECK_SECONDS + 0.2)
            # From now on every request, whichever worker answers, knows the new field;
            # go on until each worker has answered one.
            while http.metrics().get("formflow_metadata_reloads_total", 0) < WORKERS:
                assert time.monotonic() < published + 30, "a worker kept the old metadata"
                _create_with_note(http)
            _create_with_note(http)
        finally:
            stop.set()
        for future in running:
            future.result()
    assert failures == []


def _create_with_note(http: Http) -> None:
    with ThreadPoolExecutor(WORKERS * 2) as burst:
        answers = list(
            burst.map(
                lambda n: http("POST", f"/api/v1/{TALLY}", json={"name": "After", "note": f"n{n}"}),
                range(WORKERS * 2),
            )
        )
    assert [a.status_code for a in answers] == [201] * len(answers), answers[0].text
    assert [a.json()["note"] for a in answers] == [f"n{n}" for n in range(len(answers))]


def test_wrong_tokens_sent_at_once_to_four_workers_share_one_count(server):
    """The rate limit on wrong tokens (100 per address and window by default) is counted
    atomically in the database, so four workers answering 120 wrong tokens at once give
    exactly 100 plain refusals between them."""
    http, _, _ = server
    wrong = {"Authorization": "Bearer ff_" + "x" * 43}
    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(
            lambda _: http("GET", "/api/v1/meta", headers=wrong).status_code, range(120)))
    assert Counter(statuses) == {401: 100, 429: 20}
    assert http("GET", "/api/v1/meta").status_code == 200  # the right token still works
