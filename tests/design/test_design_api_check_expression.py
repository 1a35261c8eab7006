"""The design API's live check of an expression against a draft's fields, and a draft
whose condition names an unknown field cannot be published."""

from __future__ import annotations

import pytest

from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, publish

URL = "design/apps/fleet/check-expression"


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def api(admin_api):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    return admin_api


def test_a_valid_expression_is_ok(api):
    response = api.post(URL, json={"expression": "seats != '' and plate", "entity": "vehicle"})
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "message": None, "column": None}


@pytest.mark.parametrize(
    ("expression", "lang", "message", "column"),
    [
        ("plat == 'x'", "en", "Unknown field plat; did you mean plate?", None),
        ("plat == 'x'", "zh-CN", "未知字段 plat，是否应为 plate？", None),
        ("plate == ", "zh-CN", "第 10 个字符处有语法错误。", 10),
    ],
)
def test_a_wrong_expression_is_named_in_the_callers_language(
    api, expression, lang, message, column
):
    response = api.post(
        URL,
        json={"expression": expression, "entity": "vehicle"},
        headers={"Accept-Language": lang},
    )
    assert response.get_json() == {"ok": False, "message": message, "column": column}


@pytest.mark.parametrize(
    "body",
    [
        {"expression": "x"},
        {"expression": "x", "entity": "vehicle", "extra": 1},
        {"expression": "x", "entity": "lorry"},
        {"expression": 5, "entity": "vehicle"},
        ["x"],
    ],
)
def test_a_bad_body_is_a_422(api, body):
    assert api.post(URL, json=body).status_code == 422


def test_only_designers_may_check(api, make_user, api_as):
    plain = api_as(make_user("eve"))
    assert plain.post(URL, json={"expression": "x", "entity": "vehicle"}).status_code == 403


def test_the_openapi_document_describes_the_check(api):
    document = api.get("openapi.json").get_json()
    assert "post" in document["paths"]["/api/v1/design/apps/{app}/check-expression"]


def test_a_visible_if_naming_an_unknown_field_blocks_publishing(api):
    path = "entities/vehicle/fields/tel/visible_if"
    apply(api, [{"op": "set", "path": path, "value": "seat_count > 2"}])
    body = publish(api, status=422)
    assert [p["path"] for p in body["problems"]] == [path]
    assert "seat_count" in body["problems"][0]["message"]
    assert api.get("design/apps/fleet/versions").get_json()["items"] == []
