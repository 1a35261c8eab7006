"""Metadata published while the app runs is picked up by every worker without a restart:
here two apps on one database stand for a worker and the ``formflow migrate`` run."""

from __future__ import annotations

from pathlib import Path

import pytest

from formflow.runtime import Runtime, get_runtime
from formflow.storage.revision import current_revision
from formflow.storage.system import metadata_revision
from support.deploy_support import TALLY, add_note_field, editable_apps


@pytest.fixture
def metadata_path(tmp_path):
    return editable_apps(tmp_path)


@pytest.fixture
def worker(make_app, metadata_path):
    return make_app(metadata_path, METADATA_CHECK_SECONDS=0)


@pytest.fixture
def worker_api(worker, admin_api):
    admin_api.client = worker.test_client()
    return admin_api


def test_a_published_field_is_served_without_a_restart(worker, worker_api, make_app, metadata_path):
    assert worker_api.post(TALLY, json={"name": "A", "note": "n"}).status_code == 422
    add_note_field(metadata_path)
    assert worker_api.post(TALLY, json={"name": "A", "note": "n"}).status_code == 422
    make_app(metadata_path)  # another process runs `formflow migrate`
    response = worker_api.post(TALLY, json={"name": "B", "note": "published"})
    assert response.status_code == 201, response.get_json()
    assert worker_api.get(f"{TALLY}/{response.get_json()['id']}").get_json()["note"] == "published"


def test_editing_files_without_publishing_changes_nothing(worker, worker_api, metadata_path):
    before = worker.extensions["formflow"]
    add_note_field(metadata_path)
    assert worker_api.get(TALLY).status_code == 200
    assert worker.extensions["formflow"] is before


def test_a_request_finishes_on_the_runtime_it_started_with(
    worker, worker_api, make_app, metadata_path
):
    with worker.test_request_context("/"):
        started_with = get_runtime()
        add_note_field(metadata_path)
        make_app(metadata_path)
        assert worker_api.get(TALLY).status_code == 200  # a later request loads the new one
        fresh = worker.extensions["formflow"]
        assert fresh is not started_with and fresh.model.entity("tally.counter").field("note")
        assert get_runtime() is started_with
    assert fresh.db is started_with.db  # one connection pool per process


def test_the_revision_is_read_at_most_once_per_interval(make_app, metadata_path, admin_api):
    worker = make_app(metadata_path, METADATA_CHECK_SECONDS=3600)
    admin_api.client = worker.test_client()
    assert admin_api.get(TALLY).status_code == 200
    before = worker.extensions["formflow"]
    add_note_field(metadata_path)
    make_app(metadata_path)
    assert admin_api.get(TALLY).status_code == 200
    assert worker.extensions["formflow"] is before


def test_metadata_that_does_not_load_leaves_the_worker_serving(
    worker, worker_api, metadata_path, monkeypatch, caplog
):
    entity = Path(metadata_path[0]) / "tally" / "entities" / "counter.json"
    good = entity.read_text()
    entity.write_text("{ broken")
    runtime = worker.extensions["formflow"]
    bump(runtime)
    loads = []
    monkeypatch.setattr(Runtime, "reloaded", _counting(Runtime.reloaded, loads))
    for _ in range(3):
        assert worker_api.post(TALLY, json={"name": "Still"}).status_code == 201
    assert worker.extensions["formflow"] is runtime
    assert len(loads) == 1  # not again until the revision changes
    assert "could not be loaded" in caplog.text and "counter.json" in caplog.text
    entity.write_text(good)
    bump(runtime)
    assert worker_api.get(TALLY).status_code == 200
    assert worker.extensions["formflow"] is not runtime and len(loads) == 2


def test_publishing_unchanged_metadata_keeps_the_revision(make_app, metadata_path):
    first = make_app(metadata_path).extensions["formflow"]
    again = make_app(metadata_path).extensions["formflow"]
    assert first.revision == again.revision == current_revision(first.db) == 1
    add_note_field(metadata_path)
    assert make_app(metadata_path).extensions["formflow"].revision == 2


def bump(runtime) -> None:
    with runtime.db.write() as conn:
        conn.execute(metadata_revision.update().values(revision=metadata_revision.c.revision + 1))


def _counting(method, calls):
    def wrapper(self):
        calls.append(self)
        return method(self)

    return wrapper
