"""The import page hands a big file to a background job: its page shows a progress bar
that htmx keeps up to date (and a reload shows again), cancel, resume from the first
failed chunk with a corrected file, and a 404 for anyone but its owner."""

from __future__ import annotations

import io

import pytest

from support.io_support import DEPOT, item_count, items
from support.web_support import csrf, sign_in


@pytest.fixture
def app(make_app):
    return make_app([DEPOT], IMPORT_BACKGROUND_ROWS=5)


@pytest.fixture
def worker(runtime):
    runtime.import_worker.chunk = 3
    return runtime.import_worker


@pytest.fixture
def lou(app, make_user):
    make_user("lou", roles=["loader"])
    client = app.test_client()
    sign_in(client, "lou")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def upload(client, data: bytes, mode: str = "all"):
    form = {"csrf_token": csrf(client), "mode": mode, "file": (io.BytesIO(data), "big.csv")}
    return client.post("/depot/item/import", data=form, content_type="multipart/form-data")


def test_a_big_upload_becomes_a_job_with_a_progress_page(lou, runtime, admin, worker):
    response = upload(lou, items(10))
    assert response.status_code == 302 and "/import-jobs/" in response.location
    page = lou.get(response.location).get_data(as_text=True)
    assert "Waiting for the import worker." in page and 'hx-trigger="every 1s"' in page
    assert "Cancel the import" in page and item_count(runtime, admin) == 0
    again = lou.get("/depot/item/import").get_data(as_text=True)  # the import page links it
    assert 'id="import-running"' in again and response.location.split("localhost")[-1] in again
    worker.run_due()
    bar = lou.get(response.location, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert bar.startswith('<div id="import-job"') and "<html" not in bar
    assert "Imported: 10 rows." in bar and "hx-trigger" not in bar  # done: no more polling
    assert 'value="100" max="100"' in bar and item_count(runtime, admin) == 10


def test_a_small_upload_is_still_checked_first(lou, runtime, admin):
    html = upload(lou, items(3)).get_data(as_text=True)
    assert 'id="import-preview"' in html and item_count(runtime, admin) == 0


def test_cancel_from_the_page(lou, runtime, admin, worker):
    location = upload(lou, items(10)).location
    response = lou.post(f"{location}/cancel", data={"csrf_token": csrf(lou)})
    assert response.status_code == 302
    assert "Cancelled; nothing was imported." in lou.get(location).get_data(as_text=True)
    assert worker.run_due() == 0 and item_count(runtime, admin) == 0
    again = lou.post(f"{location}/cancel", data={"csrf_token": csrf(lou)})
    assert again.status_code == 409 and "already ended" in again.get_data(as_text=True)


def test_resume_from_the_first_failed_chunk_with_a_corrected_file(lou, runtime, admin,
                                                                  worker):
    location = upload(lou, items(10, bad={5}), mode="chunks").location
    worker.run_due()
    page = lou.get(location).get_data(as_text=True)
    assert "row 6: Quantity:" in page and "Resume from row 5" in page
    assert item_count(runtime, admin) == 3
    form = {"csrf_token": csrf(lou), "file": (io.BytesIO(items(10)), "fixed.csv")}
    response = lou.post(f"{location}/resume", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    worker.run_due()
    assert "Imported: 10 rows." in lou.get(location).get_data(as_text=True)
    assert item_count(runtime, admin) == 10


def test_someone_else_cannot_see_or_cancel_the_job(lou, app, make_user, worker):
    location = upload(lou, items(10)).location
    make_user("otto", roles=["loader"])
    other = app.test_client()
    sign_in(other, "otto")
    assert other.get(location).status_code == 404
    assert other.post(f"{location}/cancel", data={"csrf_token": csrf(other)}).status_code == 404
    assert "Waiting for the import worker." in lou.get(location).get_data(as_text=True)


def test_the_job_page_speaks_chinese(lou, worker):
    location = upload(lou, items(10)).location
    lou.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "后台导入" in lou.get(location).get_data(as_text=True)
