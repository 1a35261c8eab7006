"""Background imports: a big file becomes a job the worker runs in chunks, with its
progress visible, cancel, resume from the first failed chunk, and only its owner
seeing it (REST API and the ``formflow import-worker`` command)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from formflow.cli import main
from formflow.io.import_jobs import import_jobs
from support.helpers import problem
from support.io_support import DEPOT, ITEM, item_count, items

ITEMS = "depot/item"
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def app(make_app):
    return make_app([DEPOT], IMPORT_BACKGROUND_ROWS=5)


@pytest.fixture
def worker(runtime):
    """The worker, reading chunks of 3 rows."""
    runtime.import_worker.chunk = 3
    return runtime.import_worker


def submit(api, data: bytes, mode: str = "all") -> dict:
    response = api.post(f"{ITEMS}/import?mode={mode}", data=data, headers=CSV)
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/import-jobs/{body['id']}")
    return body


def test_a_big_file_becomes_a_job_the_worker_completes(api_as, loader, runtime, admin,
                                                       worker):
    api = api_as(loader)
    job = submit(api, items(10))
    assert job["status"] == "queued" and job["rows_total"] == 10 and job["rows_done"] == 0
    assert item_count(runtime, admin) == 0  # nothing imported within the request
    assert worker.run_due() == 1
    done = api.get(f"import-jobs/{job['id']}").get_json()
    assert (done["status"], done["rows_done"], done["percent"]) == ("done", 10, 100)
    assert done["finished_at"] and done["errors"] == []
    assert item_count(runtime, admin) == 10


def test_a_small_file_is_still_imported_in_the_request(api_as, loader, runtime, admin):
    response = api_as(loader).post(f"{ITEMS}/import", data=items(3), headers=CSV)
    assert response.status_code == 200
    assert response.get_json()["created"] == 3


def test_progress_is_recorded_chunk_by_chunk(api_as, loader, runtime, worker):
    api = api_as(loader)
    job = submit(api, items(9), mode="chunks")
    seen = []
    run_source = runtime.importer.run_source

    def watching(*args, **kwargs):
        seen.append(api.get(f"import-jobs/{job['id']}").get_json()["rows_done"])
        return run_source(*args, **kwargs)

    runtime.importer.run_source = watching
    worker.run_due()
    assert seen == [0, 3, 6]
    assert api.get(f"import-jobs/{job['id']}").get_json()["status"] == "done"


def test_an_all_or_nothing_job_with_problems_writes_nothing(api_as, loader, runtime, admin,
                                                            worker):
    api = api_as(loader)
    job = submit(api, items(10, bad={8}), mode="all")
    worker.run_due()
    failed = api.get(f"import-jobs/{job['id']}", headers={"Accept-Language": "en"}).get_json()
    assert failed["status"] == "failed" and failed["resume_row"] is None
    assert len(failed["errors"]) == 1 and failed["errors"][0].startswith("row 9: Quantity: ")
    assert item_count(runtime, admin) == 0
    response = api.post(f"import-jobs/{job['id']}/resume")
    assert problem(response, 409)


def test_a_chunked_job_resumes_from_the_first_failed_chunk(api_as, loader, runtime, admin,
                                                           worker):
    api = api_as(loader)
    job = submit(api, items(10, bad={5}), mode="chunks")  # rows 2-11; item 5 is row 6
    worker.run_due()
    failed = api.get(f"import-jobs/{job['id']}", headers={"Accept-Language": "en"}).get_json()
    assert (failed["status"], failed["rows_done"], failed["resume_row"]) == ("failed", 3, 5)
    assert len(failed["errors"]) == 1 and failed["errors"][0].startswith("row 6: Quantity: ")
    assert item_count(runtime, admin) == 3  # the first chunk (items 1-3) stays
    response = api.post(f"import-jobs/{job['id']}/resume", data=items(10), headers=CSV)
    assert response.status_code == 202 and response.get_json()["status"] == "queued"
    worker.run_due()
    done = api.get(f"import-jobs/{job['id']}").get_json()
    assert (done["status"], done["rows_done"]) == ("done", 10)
    skus = sorted(r["sku"] for r in runtime.records.list(admin, ITEM, {"per_page": ["50"]}).items)
    assert skus == sorted(f"S{n}" for n in range(1, 11))  # each once: no chunk twice


def test_cancel_stops_a_running_job(api_as, loader, runtime, admin, worker):
    api = api_as(loader)
    job = submit(api, items(12), mode="chunks")
    run_source = runtime.importer.run_source
    calls = []

    def cancelling(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            assert api.post(f"import-jobs/{job['id']}/cancel").status_code == 200
        return run_source(*args, **kwargs)

    runtime.importer.run_source = cancelling
    worker.run_due()
    cancelled = api.get(f"import-jobs/{job['id']}").get_json()
    assert cancelled["status"] == "cancelled" and cancelled["rows_done"] == 6
    assert item_count(runtime, admin) == 6  # the chunk running when cancelled ends, no more
    assert problem(api.post(f"import-jobs/{job['id']}/cancel"), 409)


def test_cancel_rolls_back_a_running_all_or_nothing_job(api_as, loader, runtime, admin,
                                                        worker):
    api = api_as(loader)
    job = submit(api, items(12), mode="all")
    claimed = worker.claim()  # running now; then cancelled while it runs
    assert api.post(f"import-jobs/{job['id']}/cancel").status_code == 200
    worker.run(claimed)
    cancelled = api.get(f"import-jobs/{job['id']}").get_json()
    assert (cancelled["status"], cancelled["rows_done"]) == ("cancelled", 0)
    assert item_count(runtime, admin) == 0


def test_cancel_of_a_queued_job_means_it_never_runs(api_as, loader, runtime, admin, worker):
    api = api_as(loader)
    job = submit(api, items(10))
    assert api.post(f"import-jobs/{job['id']}/cancel").get_json()["status"] == "cancelled"
    assert worker.run_due() == 0
    assert item_count(runtime, admin) == 0


def test_a_non_owner_cannot_see_or_cancel_a_job(api_as, loader, make_user, admin_api, worker):
    job = submit(api_as(loader), items(10))
    other = api_as(make_user("otto", roles=["loader"]))
    problem(other.get(f"import-jobs/{job['id']}"), 404)
    problem(other.post(f"import-jobs/{job['id']}/cancel"), 404)
    problem(admin_api.get(f"import-jobs/{job['id']}"), 404)
    assert api_as(loader).get(f"import-jobs/{job['id']}").get_json()["status"] == "queued"


def test_a_job_needs_the_import_grant_when_it_is_submitted(api_as, make_user, runtime):
    clerk = make_user("cleo", roles=["clerk"])
    problem(api_as(clerk).post(f"{ITEMS}/import", data=items(10), headers=CSV), 403)
    with runtime.db.read() as conn:
        assert conn.execute(import_jobs.select()).first() is None


def test_an_unknown_mode_is_refused(api_as, loader, runtime):
    body = problem(api_as(loader).post(f"{ITEMS}/import?mode=some", data=items(10),
                                       headers={**CSV, "Accept-Language": "en"}), 400)
    assert "all, chunks" in body["detail"]
    with runtime.db.read() as conn:
        assert conn.execute(import_jobs.select()).first() is None


@pytest.fixture
def cli(database_url, tmp_path, monkeypatch):
    """Runs ``formflow ARGS`` on the test's database."""
    monkeypatch.setenv("FORMFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("FORMFLOW_METADATA_PATH", str(DEPOT))
    monkeypatch.setenv("FORMFLOW_PLUGINS_PATH", str(tmp_path / "no-plugins"))
    monkeypatch.setenv("FORMFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("FORMFLOW_SECRET_KEY", "cli-secret")
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", [("import-worker", "--once"), ("tick",)])
def test_the_worker_command_and_tick_run_queued_jobs(api_as, loader, runtime, admin, cli,
                                                     command):
    submit(api_as(loader), items(10))
    result = cli(*command)
    assert result.exit_code == 0, result.output
    assert "Background imports run: 1" in result.output
    assert item_count(runtime, admin) == 10


def test_the_job_endpoints_are_in_the_openapi_document(api_as, loader, worker):
    api = api_as(loader)
    document = api.get("openapi.json").get_json()
    paths = document["paths"]
    importing = paths["/api/v1/depot/item/import"]["post"]
    assert "202" in importing["responses"]
    assert {"mode"} <= {p["name"] for p in importing["parameters"]}
    assert set(paths["/api/v1/import-jobs/{id}/cancel"]) == {"post"}
    assert set(paths["/api/v1/import-jobs/{id}/resume"]) == {"post"}
    schema = (paths["/api/v1/import-jobs/{id}"]["get"]["responses"]["200"]["content"]
              ["application/json"]["schema"])
    job = submit(api, items(10))
    Draft202012Validator(schema).validate(job)
    worker.run_due()
    Draft202012Validator(schema).validate(api.get(f"import-jobs/{job['id']}").get_json())


def test_an_id_past_any_job_is_not_found(admin_api):
    for job_id in (0, 2**31, 10**18):
        assert admin_api.get(f"import-jobs/{job_id}").status_code == 404
