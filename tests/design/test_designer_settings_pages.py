"""The designer's list and permission tabs: each save is one operation on the draft."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft
from support.web_support import csrf


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def page(make_user, as_user, admin_api):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    make_user("dana", roles=[DESIGNER_ROLE])
    return lambda lang="en": as_user("dana", lang)


@pytest.mark.parametrize(("lang", "words"), [("en", ["Column", "Default order", "Form"]),
                                            ("zh-CN", ["列", "默认排序", "表单"])])
def test_the_list_tab_saves_columns_filters_search_and_sort(page, admin_api, lang, words):
    client = page(lang)
    html = client.get("/designer/fleet/vehicle/list").get_data(as_text=True)
    for word in words:
        assert word in html
    response = client.post("/designer/fleet/vehicle/list", data={
        "csrf_token": csrf(client), "revision": 2, "columns": ["_number", "plate"],
        "filters": ["seats"], "search": ["plate", "tel"], "sort": "plate",
        "descending": "on"})
    assert response.status_code == 302
    assert draft(admin_api)["documents"]["entities/vehicle.json"]["list"] == {
        "columns": ["_number", "plate"], "filters": ["seats"], "search": ["plate", "tel"],
        "sort": "-plate"}
    assert draft(admin_api)["revision"] == 3


@pytest.mark.parametrize(("lang", "words"), [("en", ["Create", "Their department's"]),
                                            ("zh-CN", ["新建", "本部门的"])])
def test_the_permission_matrix_saves_scopes_per_role(page, admin_api, lang, words):
    client = page(lang)
    html = client.get("/designer/fleet/vehicle/permissions").get_data(as_text=True)
    for word in words:
        assert word in html
    assert 'data-role="user"' in html
    response = client.post("/designer/fleet/vehicle/permissions", data={
        "csrf_token": csrf(client), "revision": 2, "role": ["user"],
        "user.create": "on", "user.read": "department", "user.update": "own"})
    assert response.status_code == 302
    assert draft(admin_api)["documents"]["entities/vehicle.json"]["permissions"] == [
        {"role": "user", "create": True, "read": "department", "update": "own"}]


def test_a_stale_save_changes_nothing(page, admin_api):
    client = page()
    response = client.post("/designer/fleet/vehicle/permissions", data={
        "csrf_token": csrf(client), "revision": 1, "role": ["user"], "user.read": "own"})
    assert response.status_code == 302
    assert draft(admin_api)["revision"] == 2
    html = client.get("/designer/fleet/vehicle/permissions").get_data(as_text=True)
    assert "Someone else changed this draft" in html


def test_others_may_not_open_the_tabs(make_user, as_user, page):
    make_user("pat")
    assert as_user("pat").get("/designer/fleet/vehicle/list").status_code == 403
    assert as_user("pat").get("/designer/fleet/vehicle/permissions").status_code == 403
