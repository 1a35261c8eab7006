"""Size limits on every input path: each is checked before the work it bounds, and a
request over one gets a 413 or 422 naming the limit.  The line-item checks in
particular come before any row is parsed, so a body of a hundred thousand empty rows
costs no more than its JSON parse, and no answer lists more than fifty problems."""

from __future__ import annotations

import io
import json
import time

import pytest
from werkzeug.datastructures import MultiDict

from formflow import settings
from formflow.auth import create_user
from formflow.expressions import ExpressionError, compile_expression
from support import PASSWORD, ROOT, TEST_APPS
from support.helpers import LAB, SAMPLES, add_user, database_state, module_app, problem
from support.web_support import csrf, sign_in, text_of

#: Small limits, so that going over each one is cheap.
LIMITS = {
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_PARTS": 100,
    "MAX_QUERY_LENGTH": 500,
    "MAX_QUERY_PARAMS": 20,
    "RECORD_MAX_CELLS": 120,
    "IMPORT_MAX_BYTES": 4096,
    "IMPORT_MAX_ROWS": 5,
    "UPLOAD_MAX_BYTES": 1000,
}
DESK = TEST_APPS / "process" / "desk"
VALID_LINE = {"item": "Bolt", "qty": 1, "unit_price": "2.00"}
EN = {"Accept-Language": "en"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("limits"), (LAB, DESK), **LIMITS) as app:
        yield app


@pytest.fixture(scope="module")
def api(app):
    return add_user(app, "boss", roles=["admin"])[1]


@pytest.fixture(scope="module")
def browser(app):
    runtime = app.extensions["formflow"]
    with runtime.db.write() as conn:
        create_user(conn, "mia", PASSWORD, roles=["manager"], known_roles=runtime.model.roles)
    client = app.test_client()
    sign_in(client, "mia")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def state(app):
    runtime = app.extensions["formflow"]
    return lambda: database_state(runtime)


def create(api, body, **headers):
    return api.post(f"/api/v1/{SAMPLES}", data=json.dumps(body),
                    headers={"Content-Type": "application/json", **EN, **headers})


# -- line items -----------------------------------------------------------------------


def test_a_line_item_bomb_is_refused_before_any_row_is_read(app, api, state):
    before = state()
    body = json.dumps({"name": "Bomb", "lines": [{}] * 120_000}).encode()
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # the default: the body fits
    try:
        started = time.perf_counter()
        response = api.post(f"/api/v1/{SAMPLES}", data=body,
                            headers={"Content-Type": "application/json", **EN})
        elapsed = time.perf_counter() - started
    finally:
        app.config["MAX_CONTENT_LENGTH"] = LIMITS["MAX_CONTENT_LENGTH"]
    errors = problem(response, 422)["errors"]
    assert errors == {"lines": ["Lines may have at most 50 rows."]}
    assert len(response.data) < 2000 and elapsed < 5
    assert state() == before


def test_a_table_without_max_rows_holds_at_most_the_default_rows(make_app):
    app = make_app([TEST_APPS / "stock"], TABLE_MAX_ROWS=3)
    _, api = add_user(app, "clerk", roles=["admin"])
    lines = [{"product": 1, "warehouse": 1, "qty": "1"}]
    url = "/api/v1/stock/stock_document"
    response = api.post(url, json={"direction": "in", "lines": lines * 4}, headers=EN)
    assert problem(response, 422)["errors"]["lines"] == ["Lines may have at most 3 rows."]
    response = api.post(url, json={"direction": "in", "lines": lines * 3}, headers=EN)
    assert "lines" not in (response.get_json().get("errors") or {})


def test_line_item_cells_over_the_record_limit_are_refused(api, state):
    before = state()
    lines = [{**VALID_LINE, **{f"x{n}": 1 for n in range(40)}}] * 3  # 3 x 43 cells > 120
    errors = problem(create(api, {"name": "Wide", "lines": lines}), 422)["errors"]
    assert errors == {"": ["The line items hold more than 120 values in all; split the record."]}
    assert state() == before


def test_cells_under_the_record_limit_are_read_as_usual(api):
    response = create(api, {"name": "Narrow", "lines": [VALID_LINE] * 3})
    assert response.status_code == 201, response.get_data(as_text=True)


def test_a_bad_body_lists_fifty_problems_and_counts_the_rest(api):
    lines = [{"qty": "x"}] * 50  # three problems a row: 150
    errors = problem(create(api, {"name": "Bad", "lines": lines}), 422)["errors"]
    assert len([path for path in errors if path]) == 50
    assert errors[""] == ["…and 100 more problems, not listed."]


def test_a_form_with_too_many_rows_is_refused_without_reading_its_rows(app, browser, state):
    before = state()
    inputs = [("csrf_token", csrf(browser)), ("name", "Form bomb"), ("lines", "")]
    for row in range(60):
        inputs += [(f"lines-{row}-item", "")]
    app.config["MAX_FORM_PARTS"] = 1000
    try:
        response = browser.post(f"/{SAMPLES}/new", data=MultiDict(inputs))
    finally:
        app.config["MAX_FORM_PARTS"] = LIMITS["MAX_FORM_PARTS"]
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Lines may have at most 50 rows." in html
    assert 'name="lines-49-item"' in html and 'name="lines-50-item"' not in html
    assert not text_of(html, "fb-lines-0-item")  # no row was validated
    assert state() == before


# -- every input path -----------------------------------------------------------------


def _json_body(app, api, browser):
    return create(api, {"name": "Big", "memo": "x" * 70_000})


def _form_body(app, browser_client, browser):
    return browser.post(f"/{SAMPLES}/new", data={"csrf_token": csrf(browser),
                                                 "description": "x" * 70_000})


def _form_inputs(app, api, browser):
    inputs = [("csrf_token", csrf(browser))] + [(f"lines-{n}-item", "") for n in range(150)]
    return browser.post(f"/{SAMPLES}/new", data=MultiDict(inputs))


def _multipart_parts(app, api, browser):
    inputs = MultiDict([("csrf_token", csrf(browser))]
                       + [(f"lines-{n}-item", "") for n in range(150)])
    inputs.add("_upload_attachment", (io.BytesIO(b"x"), "a.txt"))
    return browser.post(f"/{SAMPLES}/new", data=inputs, content_type="multipart/form-data")


def _query_length(app, api, browser):
    return api.get(f"/api/v1/{SAMPLES}?q={'x' * 600}", headers=EN)


def _query_params(app, api, browser):
    return api.get(f"/api/v1/{SAMPLES}?" + "&".join(f"name={n}" for n in range(30)), headers=EN)


def _page_query_params(app, api, browser):
    return browser.get(f"/{SAMPLES}/?" + "&".join(f"name={n}" for n in range(30)))


def _line_item_rows(app, api, browser):
    return create(api, {"name": "Rows", "lines": [VALID_LINE] * 51})


def _line_item_cells(app, api, browser):
    return create(api, {"name": "Cells", "lines": [{**VALID_LINE, "x": "y" * 10}] * 40})


def _upload(app, api, browser):
    return browser.post(f"/{SAMPLES}/upload/attachment", headers={"X-CSRF-Token": csrf(browser)},
                        data={"_upload_attachment": (io.BytesIO(b"x" * 2000), "big.txt")},
                        content_type="multipart/form-data")


def _import_bytes(app, api, browser):
    data = b"name\n" + b"Widget\n" * 1000
    return api.post(f"/api/v1/{SAMPLES}/import", data=data, headers={"Content-Type": "text/csv",
                                                                        **EN})


def _import_rows(app, api, browser):
    data = b"name\n" + b"Widget\n" * 6
    return api.post(f"/api/v1/{SAMPLES}/import", data=data, headers={"Content-Type": "text/csv",
                                                                        **EN})


def _comment(app, api, browser):
    made = api.post("/api/v1/desk/request", json={"route": "owner", "subject": "Chairs"})
    assert made.status_code == 201, made.get_data(as_text=True)
    url = f"/api/v1/desk/request/{made.get_json()['id']}/actions/comment"
    before = database_state(app.extensions["formflow"])
    response = api.post(url, json={"comment": "x" * 2001}, headers=EN)
    assert database_state(app.extensions["formflow"]) == before
    api.delete(f"/api/v1/desk/request/{made.get_json()['id']}")
    return response


#: input path -> (send it too big, the status, words of the message)
PATHS = {
    "JSON body": (_json_body, 413, "at most 64 KB"),
    "form body": (_form_body, 413, "The form is too large: it may hold at most 64.0 KB."),
    "form inputs": (_form_inputs, 413, "more than 100 inputs"),
    "multipart form parts": (_multipart_parts, 413, "too large"),
    "query string length": (_query_length, 413, "longer than 500 characters"),
    "query parameters": (_query_params, 413, "more than 20 query parameters"),
    "page query parameters": (_page_query_params, 413, "more than 20 query parameters"),
    "line-item rows": (_line_item_rows, 422, "at most 50 rows"),
    "line-item cells": (_line_item_cells, 422, "more than 120 values"),
    "upload size": (_upload, 200, "larger than"),
    "import file size": (_import_bytes, 413, "larger than"),
    "import rows": (_import_rows, 413, "more than 5 rows"),
    "comment": (_comment, 422, "at most 2000 characters"),
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_size_limits_on_every_input_path(app, api, browser, state, path):
    send, status, words = PATHS[path]
    before = state()
    response = send(app, api, browser)
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:500]
    assert words in text, text[:2000]
    if path != "comment":  # its record is made (and deleted) by the case itself
        assert state() == before


def test_an_expression_longer_than_the_limit_is_a_metadata_problem():
    with pytest.raises(ExpressionError, match="2000"):
        compile_expression("1 + " * 600 + "1")


# -- the settings ---------------------------------------------------------------------

LIMIT_SETTINGS = sorted({*settings.LIMITS, "UPLOAD_MAX_BYTES"})


@pytest.mark.parametrize("name", LIMIT_SETTINGS)
@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_a_limit_must_be_a_positive_whole_number(tmp_path, name, value):
    with pytest.raises(settings.SettingsError, match=f"FORMFLOW_{name}"):
        settings.load_settings({name: value, "INSTANCE_PATH": str(tmp_path)})


def test_limits_come_from_formflow_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMFLOW_TABLE_MAX_ROWS", "7")
    monkeypatch.setenv("FORMFLOW_UPLOAD_MAX_BYTES", "1234")
    loaded = settings.load_settings({"INSTANCE_PATH": str(tmp_path)})
    assert (loaded["TABLE_MAX_ROWS"], loaded["UPLOAD_MAX_BYTES"]) == (7, 1234)


@pytest.mark.parametrize("name", LIMIT_SETTINGS)
def test_every_limit_is_documented_with_the_security_notes(name):
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    security = deploy[deploy.index("## Security"):]
    assert f"`FORMFLOW_{name}`" in security
