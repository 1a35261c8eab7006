"""Import and export over HTTP: the REST API endpoints, the list page's buttons and the
import pages (check, then confirm), and the ``formflow import``/``export`` commands."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from formflow.cli import main
from support import ADMIN_PASSWORD
from support.helpers import problem, revoke_tokens
from support.io_support import DEPOT, ITEM, csv_bytes, item_count, read_csv, read_xlsx, xlsx_bytes
from support.web_support import csrf, sign_in

ITEMS = "depot/item"
GOOD = csv_bytes([["name", "sku", "qty"], ["Bolt", "B1", "5"], ["Nut", "N1", "7"]])
BAD = csv_bytes([["name", "sku", "qty"], ["Bolt", "B1", "-1"], ["", "N1", "x"]])


@pytest.fixture
def metadata_path():
    return [str(DEPOT)]


# -- REST API ----------------------------------------------------------------------------


def test_api_imports_a_csv_body_and_a_multipart_upload(api_as, loader, runtime, admin):
    api = api_as(loader)
    response = api.post(f"{ITEMS}/import", data=GOOD, headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                                   "dry_run": False}
    upload = {"file": (io.BytesIO(xlsx_bytes([["sku", "qty"], ["B1", 9]])), "x.xlsx")}
    response = api.post(f"{ITEMS}/import?key=sku", data=upload,
                        content_type="multipart/form-data")
    assert response.get_json()["updated"] == 1
    assert item_count(runtime, admin) == 2


def test_api_import_problems_are_a_422_with_every_row(api_as, loader, state):
    before = state()
    response = api_as(loader).post(f"{ITEMS}/import", data=BAD,
                                   headers={"Content-Type": "text/csv", "Accept-Language": "en"})
    body = problem(response, 422)
    assert list(body["errors"]) == ["row 2.qty", "row 3.name", "row 3.qty"]
    assert body["errors"]["row 3.name"] == ["This field is required."]
    assert state() == before


def test_api_import_of_exactly_the_row_limit_passes_and_one_row_more_is_413(
    make_app, metadata_path, api_as, loader, state
):
    api = api_as(loader)
    api.client = make_app(metadata_path, IMPORT_MAX_ROWS=2).test_client()
    three = csv_bytes([["name", "sku", "qty"], ["Bolt", "B1", "5"], ["Nut", "N1", "7"],
                       ["Pin", "P1", "1"]])
    before = state()
    response = api.post(f"{ITEMS}/import", data=three,
                        headers={"Content-Type": "text/csv", "Accept-Language": "en"})
    assert "more than 2 rows" in problem(response, 413)["detail"]
    assert state() == before
    response = api.post(f"{ITEMS}/import", data=GOOD, headers={"Content-Type": "text/csv"})
    assert response.get_json()["created"] == 2


def test_api_dry_run_writes_nothing(api_as, loader, runtime, admin):
    response = api_as(loader).post(f"{ITEMS}/import?dry_run=1", data=GOOD,
                                   headers={"Content-Type": "text/csv"})
    assert response.get_json()["created"] == 2 and response.get_json()["dry_run"] is True
    assert item_count(runtime, admin) == 0


def test_api_import_without_the_grant_is_403(api_as, make_user, state):
    reader = make_user("rex", roles=["reader"])
    before = state()
    response = api_as(reader).post(f"{ITEMS}/import", data=GOOD,
                                   headers={"Content-Type": "text/csv", "Accept-Language": "en"})
    assert "import" in problem(response, 403)["detail"].lower()
    assert state() == before


def test_api_import_refuses_other_media_types(api_as, loader, state):
    before = state()
    problem(api_as(loader).post(f"{ITEMS}/import", json={"name": "x"}), 415)
    assert state() == before


def test_api_exports_csv_and_xlsx_with_filters(admin_api, runtime, admin):
    runtime.importer.run(admin, ITEM, GOOD)
    response = admin_api.get(f"{ITEMS}/export?qty__gte=6")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert [r["sku"] for r in read_csv(response.get_data())] == ["N1"]
    sheet = read_xlsx(admin_api.get(f"{ITEMS}/export?format=xlsx&sort=sku").get_data())
    assert [row[3] for row in sheet[1:]] == ["B1", "N1"]
    problem(admin_api.get(f"{ITEMS}/export?format=pdf"), 400)


def test_api_export_without_the_grant_is_403(api_as, make_user):
    problem(api_as(make_user("rex", roles=["reader"])).get(f"{ITEMS}/export"), 403)


def test_a_streamed_export_of_a_token_revoked_since_it_was_remembered_is_401(
        admin_api, runtime, admin):
    for _ in range(2):  # looked up and remembered, then recalled
        assert admin_api.get(f"{ITEMS}/export").status_code == 200
    revoke_tokens(runtime, admin)
    problem(admin_api.get(f"{ITEMS}/export"), 401)


def test_openapi_lists_import_and_export(admin_api):
    paths = admin_api.get("openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/depot/item/import"]
    assert "get" in paths["/api/v1/depot/item/export"]


# -- pages -------------------------------------------------------------------------------


def test_list_page_shows_import_and_export_by_grant(app, client, make_user, runtime, admin):
    runtime.importer.run(admin, ITEM, GOOD)
    make_user("lou", roles=["loader"])
    sign_in(client, "lou")
    html = client.get("/depot/item/").get_data(as_text=True)
    assert "/depot/item/import" in html and "export.xlsx" not in html
    client = app.test_client()
    make_user("bea", roles=["buyer"])
    sign_in(client, "bea")
    html = client.get("/depot/item/").get_data(as_text=True)
    assert "/depot/item/import" not in html, html[html.find("/depot/item/import") - 300:]
    assert "export.xlsx" in html and "export.csv" in html
    assert client.get("/depot/item/import").status_code == 403


def test_import_page_checks_then_confirms(client, loader, runtime, admin):
    sign_in(client, "lou")
    assert client.get("/depot/item/import").status_code == 200
    upload = {"csrf_token": csrf(client), "file": (io.BytesIO(BAD), "bad.csv")}
    response = client.post("/depot/item/import", data=upload, content_type="multipart/form-data",
                           headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "row 3: Name:" in html and "row 2: Quantity:" in html
    upload = {"csrf_token": csrf(client), "file": (io.BytesIO(GOOD), "good.csv")}
    html = client.post("/depot/item/import", data=upload,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="import-preview"' in html and item_count(runtime, admin) == 0
    token = html.split('name="token" value="')[1].split('"')[0]
    response = client.post("/depot/item/import/confirm",
                           data={"csrf_token": csrf(client), "token": token, "key": ""})
    assert response.status_code == 302 and item_count(runtime, admin) == 2
    again = client.post("/depot/item/import/confirm",
                        data={"csrf_token": csrf(client), "token": token, "key": ""})
    assert again.status_code == 404  # a checked file is imported once


def test_import_form_needs_the_csrf_token(client, loader):
    sign_in(client, "lou")
    upload = {"file": (io.BytesIO(GOOD), "good.csv")}
    response = client.post("/depot/item/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 400


def test_import_page_speaks_chinese(client, loader):
    sign_in(client, "lou")
    client.post("/language", data={"csrf_token": csrf(client), "lang": "zh-CN"})
    upload = {"csrf_token": csrf(client), "file": (io.BytesIO(BAD), "bad.csv")}
    html = client.post("/depot/item/import", data=upload,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "第 3 行: 名称: 此项为必填项。" in html and "检查文件" in html


def test_page_export_downloads_xlsx_of_the_filter(client, runtime, admin):
    runtime.importer.run(admin, ITEM, GOOD)
    sign_in(client, "admin", ADMIN_PASSWORD)
    response = client.get("/depot/item/export.xlsx?sku=B1")
    assert response.status_code == 200
    assert [row[3] for row in read_xlsx(response.get_data())[1:]] == ["B1"]


# -- CLI ---------------------------------------------------------------------------------


@pytest.fixture
def cli(app, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FORMFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("FORMFLOW_METADATA_PATH", str(DEPOT))
    monkeypatch.setenv("FORMFLOW_PLUGINS_PATH", str(tmp_path / "no-plugins"))
    monkeypatch.setenv("FORMFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("FORMFLOW_SECRET_KEY", "cli-secret")
    monkeypatch.setenv("FORMFLOW_LANGUAGE", "en")
    monkeypatch.chdir(tmp_path)
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_import_dry_run_then_import(cli, tmp_path, runtime, admin):
    (tmp_path / "items.csv").write_bytes(GOOD)
    result = cli("import", ITEM, "items.csv", "--dry-run")
    assert result.exit_code == 0 and "2 record(s) would be created" in result.output
    assert item_count(runtime, admin) == 0
    assert cli("import", ITEM, "items.csv").exit_code == 0
    assert item_count(runtime, admin) == 2


def test_cli_import_prints_every_error_and_exits_1(cli, tmp_path, runtime, admin):
    (tmp_path / "bad.csv").write_bytes(BAD)
    result = cli("import", ITEM, "bad.csv")
    assert result.exit_code == 1
    assert "row 2: Quantity:" in result.output and "row 3: Name: This field is required." in (
        result.output) and "row 3: Quantity: Enter a whole number." in result.output
    assert item_count(runtime, admin) == 0


def test_cli_acts_as_the_given_user(cli, tmp_path, make_user):
    make_user("rex", roles=["reader"])
    (tmp_path / "items.csv").write_bytes(GOOD)
    result = cli("import", ITEM, "items.csv", "--as", "rex")
    assert result.exit_code == 1 and "may not import" in result.output
    assert cli("import", ITEM, "items.csv", "--as", "ghost").exit_code == 1


def test_cli_export_to_stdout_and_to_an_xlsx_file(cli, tmp_path, runtime, admin):
    runtime.importer.run(admin, ITEM, GOOD)
    result = cli("export", ITEM, "--filter", "sku=N1")
    assert result.exit_code == 0
    assert [r["sku"] for r in read_csv(result.stdout_bytes)] == ["N1"]
    assert cli("export", ITEM, "--format", "xlsx", "-o", "out.xlsx").exit_code == 0
    assert len(read_xlsx((tmp_path / "out.xlsx").read_bytes())) == 3
    assert cli("import", ITEM, "out.xlsx", "--key", "_number").exit_code == 0
