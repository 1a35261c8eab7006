"""Where uploaded files live: the database (default), S3 or a folder, and several hosts."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from formflow.cli import main
from formflow.storage.contents import CHUNK, DatabaseContents, DiskContents, S3Contents
from formflow.storage.database import Database
from formflow.storage.migrate import apply_migration
from formflow.storage.system import system_metadata  # noqa: F401  (the chunks table)
from support.helpers import LAB

PG_URL = os.environ.get("FORMFLOW_TEST_DATABASE_URL")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BIG = os.urandom(CHUNK * 2 + 123)


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture(params=["database", "disk", "s3"])
def contents(request, runtime, tmp_path):
    if request.param == "database":
        return DatabaseContents(runtime.db)
    if request.param == "disk":
        return DiskContents(tmp_path / "files")
    return request.getfixturevalue("s3_contents")


@pytest.fixture
def s3_contents():
    """A bucket of a real S3 server (moto's, on loopback)."""
    boto3 = pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )
    client.create_bucket(Bucket="formflow")
    yield S3Contents(client, "formflow", "files/")
    server.stop()


def test_a_content_is_stored_once_and_streamed_back_in_chunks(contents):
    digest = contents.put(BIG)

    assert digest == hashlib.sha256(BIG).hexdigest()
    assert contents.put(BIG) == digest  # the same bytes again: nothing new
    assert contents.has(digest)
    chunks = list(contents.chunks(digest))
    assert b"".join(chunks) == BIG and len(chunks) >= 3


def test_a_missing_content_is_none(contents):
    missing = "0" * 64
    assert not contents.has(missing)
    assert contents.chunks(missing) is None


def test_an_empty_content_round_trips(contents):
    digest = contents.put(b"")
    assert b"".join(contents.chunks(digest)) == b""


def test_uploads_are_kept_in_the_database_by_default(runtime):
    assert isinstance(runtime.files.contents, DatabaseContents)
    key = runtime.files.store(PNG, "a photo.png")
    assert key.endswith("/a_photo.png")
    assert b"".join(runtime.files.chunks(key)) == PNG
    assert runtime.files.chunks("not-a-key") is None


def test_the_setting_chooses_the_store(make_app, tmp_path):
    app = make_app([LAB], FILE_STORAGE="disk")
    assert isinstance(app.extensions["formflow"].files.contents, DiskContents)


def test_files_kept_on_disk_move_into_the_database(runtime, app, tmp_path):
    folder = DiskContents(tmp_path / "old-files")
    kept = folder.put(BIG)
    damaged = folder.put(b"changed later")
    folder.path(damaged).write_bytes(b"tampered")

    result = app.test_cli_runner().invoke(main, ["files", "move-from-disk", "--folder",
                                                 str(folder.root)])
    assert result.exit_code == 1, result.output
    assert "Files copied: 1; already there: 0; damaged: 1." in result.output
    assert b"".join(runtime.files.contents.chunks(kept)) == BIG
    assert not runtime.files.contents.has(damaged)

    again = app.test_cli_runner().invoke(main, ["files", "move-from-disk", "--folder",
                                                str(folder.root)])
    assert "Files copied: 0; already there: 1; damaged: 1." in again.output


def test_the_chunks_table_is_made_by_migrations(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    from formflow.storage.tables import Schema

    apply_migration(db, Schema(system_metadata, {}))
    assert DatabaseContents(db).put(b"x")
    db.dispose()


# -- several hosts ---------------------------------------------------------------------


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def test_a_file_uploaded_to_one_host_downloads_from_another(make_app, make_user, tmp_path):
    if not PG_URL:
        pytest.skip("FORMFLOW_TEST_DATABASE_URL is not set")
    first = make_app([LAB], INSTANCE_PATH=str(tmp_path / "host-a"))
    second = make_app([LAB], INSTANCE_PATH=str(tmp_path / "host-b"))
    make_user("mia", roles=["manager"])
    servers = [serve(first), serve(second)]
    (server_a, url_a), (server_b, url_b) = servers
    try:
        browser = requests.Session()
        page = browser.get(f"{url_a}/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        signed = browser.post(f"{url_a}/login", allow_redirects=False, data={
            "username": "mia", "password": "tulip-sesame-42", "csrf_token": token})
        assert signed.status_code == 302
        page = browser.get(f"{url_a}/lab/sample/new").text  # signing in starts a new session
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        uploaded = browser.post(
            f"{url_a}/lab/sample/upload/photo",
            files={"_upload_photo": ("photo.png", PNG, "image/png")},
            data={"csrf_token": token}, headers={"HX-Request": "true"},
        )
        assert uploaded.status_code == 200
        key = re.search(r'value="([0-9a-f]{64}/photo\.png)"', uploaded.text).group(1)

        fetched = browser.get(f"{url_b}/files/{key}")  # the same session, the other host

        assert fetched.status_code == 200
        assert fetched.content == PNG
        assert fetched.headers["Content-Type"] == "image/png"
        assert not (Path(tmp_path / "host-a") / "files").exists()
    finally:
        for server, _ in servers:
            server.shutdown()
