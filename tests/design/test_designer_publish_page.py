"""Publishing from the designer: the plan in words, confirming steps that lose data,
the versions and restoring one."""

from __future__ import annotations

import pytest

from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft, fleet
from support.web_support import csrf


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.mark.parametrize(("lang", "words"), [("en", ["What publishing will do", "Publish"]),
                                            ("zh-CN", ["发布后会做什么", "发布"])])
def test_the_publish_page_shows_the_plan_in_words(designer, admin_api, lang, words):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    html = designer(lang).get("/designer/fleet/publish").get_data(as_text=True)
    for word in words:
        assert word in html
    assert 'data-destructive="no"' in html and "vehicle" in html


def test_publishing_from_the_page_makes_a_version_the_app_then_serves(designer, admin_api):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    page = designer()
    response = page.post("/designer/fleet/publish", data={"csrf_token": csrf(page),
                                                          "note": "first"})
    assert response.status_code == 302
    assert [v["version"] for v in admin_api.get("design/apps/fleet/versions")
            .get_json()["items"]] == [1]
    assert page.get("/fleet/vehicle/").status_code == 200
    html = page.get("/designer/fleet/publish").get_data(as_text=True)
    assert 'data-version="1"' in html and "first" in html


def test_a_destructive_step_needs_the_confirmation(designer, admin_api):
    fleet(admin_api)
    apply(admin_api, [{"op": "remove", "path": "entities/vehicle/fields/seats"}])
    page = designer()
    assert 'data-destructive="yes"' in page.get("/designer/fleet/publish").get_data(
        as_text=True)
    response = page.post("/designer/fleet/publish", data={"csrf_token": csrf(page)})
    assert response.status_code == 409 and "ff-refused" in response.get_data(as_text=True)
    assert len(admin_api.get("design/apps/fleet/versions").get_json()["items"]) == 1
    response = page.post("/designer/fleet/publish", data={
        "csrf_token": csrf(page), "confirm_destructive": "on"})
    assert response.status_code == 302
    assert len(admin_api.get("design/apps/fleet/versions").get_json()["items"]) == 2


def test_restoring_a_version_makes_it_the_draft(designer, admin_api):
    fleet(admin_api)
    apply(admin_api, [{"op": "remove", "path": "entities/vehicle/fields/seats"}])
    page = designer()
    revision = draft(admin_api)["revision"]
    response = page.post("/designer/fleet/versions/1/restore", data={
        "csrf_token": csrf(page), "revision": revision})
    assert response.status_code == 302
    names = [f["name"] for f in draft(admin_api)["documents"]["entities/vehicle.json"]["fields"]]
    assert "seats" in names


def test_others_may_not_publish(make_user, as_user, admin_api):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    make_user("pat")
    page = as_user("pat")
    assert page.get("/designer/fleet/publish").status_code == 403
    assert page.post("/designer/fleet/publish", data={"csrf_token": csrf(page)}
                     ).status_code == 403
    assert admin_api.get("design/apps/fleet/versions").get_json()["items"] == []
