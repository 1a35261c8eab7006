"""Export and import of apps as a zip of their folder, and the import's limits."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from formflow.design import archive
from formflow.metadata.loader import load
from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def api(admin_api):
    return admin_api


def zipped(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            out.writestr(name, data)
    return buffer.getvalue()


def upload(api, data: bytes):
    return api.post("design/import", data=data, headers={"Content-Type": "application/zip"})


def test_an_export_is_the_app_folder_the_loader_reads(api, tmp_path):
    create_app(api)
    apply(api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    response = api.get("design/apps/fleet/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as exported:
        assert sorted(exported.namelist()) == ["fleet/app.json", "fleet/entities/vehicle.json"]
        exported.extractall(tmp_path)
    model = load([tmp_path])
    assert model.apps["fleet"].entities["vehicle"].field("plate").required


def test_export_then_import_under_another_name_round_trips(api):
    create_app(api)
    apply(api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    documents = draft(api)["documents"]
    data = api.get("design/apps/fleet/export").data
    with zipfile.ZipFile(io.BytesIO(data)) as exported:
        files = {name.replace("fleet/", "", 1): exported.read(name)
                 for name in exported.namelist()}
    app_json = json.loads(files["app.json"])
    files["app.json"] = json.dumps({**app_json, "name": "fleet2"})
    response = upload(api, zipped(files))
    assert response.status_code == 201, response.get_json()
    copy = draft(api, "fleet2")["documents"]
    assert copy["entities/vehicle.json"] == documents["entities/vehicle.json"]


def test_importing_an_existing_site_app_replaces_its_draft_undoably(api):
    create_app(api)
    data = api.get("design/apps/fleet/export").data
    apply(api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    response = upload(api, data)
    assert response.status_code == 200
    assert "entities/vehicle.json" not in draft(api)["documents"]
    api.post("design/apps/fleet/draft/undo")
    assert "entities/vehicle.json" in draft(api)["documents"]


def test_a_shipped_app_exports_but_cannot_be_imported_over(api):
    data = api.get("design/apps/shop/export").data
    before = draft(api, "shop")
    assert upload(api, data).status_code in (409, 422)  # changes to it are overlays
    assert draft(api, "shop") == before


@pytest.mark.parametrize("files", [
    {"../evil/app.json": "{}"},
    {"/abs/app.json": "{}"},
    {"app.json": '{"name": "x"}', "../../etc/passwd": "x"},
    {"app.json": '{"name": "x"}', "fixtures/a.csv": "a,b"},
    {"app.json": '{"name": "x"}', "entities/a.json": "not json"},
    {"entities/a.json": "{}"},
    {"app.json": '{"name": "Bad Name"}'},
])
def test_a_bad_archive_is_refused_and_nothing_created(api, files):
    response = upload(api, zipped(files))
    assert response.status_code in (409, 422), response.get_json()
    names = [i["name"] for i in api.get("design/apps").get_json()["items"]]
    assert names == ["shop"]


def test_a_zip_bomb_is_refused_before_it_is_inflated(api):
    bomb = zipped({"app.json": '{"name": "x"}',
                   "entities/big.json": "[" + "0," * (archive.MAX_DOCUMENT_BYTES) + "0]"})
    assert len(bomb) < archive.MAX_ZIP_BYTES
    response = upload(api, bomb)
    assert response.status_code == 422
    assert response.get_json()["errors"]["file"][0].startswith("entities/big.json")


def test_something_that_is_not_a_zip_is_422(api):
    assert upload(api, b"PK not really").status_code == 422
    response = api.post("design/import", json={"x": 1})
    assert response.status_code == 415
