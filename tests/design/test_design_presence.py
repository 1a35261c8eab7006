"""Who else is editing: the draft's readers are marked present for two minutes; the API
draft lists the others as ``editors`` and the designer pages say who is also editing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from formflow.auth.users import create_user
from formflow.design import service as design_service
from formflow.design.service import DESIGNER_ROLE
from formflow.fields.columns import utcnow
from support import PASSWORD, TEST_APPS
from support.design_support import VEHICLE, apply, create_app


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def fleet(admin_api, runtime):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    with runtime.db.write() as conn:
        create_user(
            conn,
            "zhang",
            PASSWORD,
            display_name="张三",
            roles=[DESIGNER_ROLE],
            known_roles=runtime.model.roles,
        )
        create_user(
            conn,
            "dana",
            PASSWORD,
            display_name="Dana",
            roles=[DESIGNER_ROLE],
            known_roles=runtime.model.roles,
        )
    return admin_api


def test_the_draft_lists_the_others_editing_it_not_the_caller(fleet, as_user):
    as_user("zhang").get("/designer/fleet/vehicle")
    body = fleet.get("design/apps/fleet/draft").get_json()
    assert [(e["user"], e["name"]) for e in body["editors"]] == [("zhang", "张三")]
    assert {"app", "revision", "documents", "problems"} <= set(body)
    page = as_user("zhang").get("/designer/fleet/vehicle").get_data(as_text=True)
    assert 'data-editors="admin"' in page


def test_an_editor_who_left_two_minutes_ago_no_longer_counts(fleet, as_user, monkeypatch):
    as_user("zhang").get("/designer/fleet/vehicle")
    later = utcnow() + timedelta(minutes=2, seconds=5)
    monkeypatch.setattr(design_service, "utcnow", lambda: later)
    assert fleet.get("design/apps/fleet/draft").get_json()["editors"] == []


#: The admin read the draft too (building the app), so two others are editing.
@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh-CN", "Administrator, 张三 也在编辑"), ("en", "Administrator, 张三 are also editing")],
)
@pytest.mark.parametrize(
    "path",
    [
        "/designer/fleet/vehicle",
        "/designer/fleet/vehicle/list",
        "/designer/fleet/vehicle/permissions",
        "/designer/fleet/publish",
    ],
)
def test_the_designer_pages_say_who_else_is_editing(fleet, as_user, lang, words, path):
    as_user("zhang").get("/designer/fleet/publish")
    html = as_user("dana", lang).get(path).get_data(as_text=True)
    assert words in html
    assert 'hx-trigger="every 30s"' in html


def test_polling_keeps_the_user_present_and_answers_the_others(fleet, as_user):
    dana = as_user("dana")
    assert "张三" not in dana.get("/designer/fleet/editors").get_data(as_text=True)
    as_user("zhang").get("/designer/fleet/editors")
    both = dana.get("/designer/fleet/editors").get_data(as_text=True)
    assert "Administrator, 张三 are also editing" in both and 'id="ff-editors"' in both
    names = [e["user"] for e in fleet.get("design/apps/fleet/draft").get_json()["editors"]]
    assert names == ["dana", "zhang"]


def test_others_may_not_poll_and_an_unknown_app_is_404(fleet, as_user, make_user):
    make_user("eve")
    assert as_user("eve").get("/designer/fleet/editors").status_code == 403
    assert as_user("dana").get("/designer/nope/editors").status_code == 404


def test_the_openapi_document_describes_the_editors(fleet):
    document = fleet.get("openapi.json").get_json()
    get = document["paths"]["/api/v1/design/apps/{app}/draft"]["get"]
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["properties"]["editors"]["items"]["required"] == ["user", "name", "last_seen"]
