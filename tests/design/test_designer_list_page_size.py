"""The list tab's page size: saved in the entity's ``list.page_size``, checked (a whole
number from 5 to 200), and the published list page shows that many records a page."""

from __future__ import annotations

import re

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft, publish
from support.web_support import csrf


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def page(make_user, as_user, admin_api):
    admin_api.headers["Accept-Language"] = "en"
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    make_user("dana", roles=[DESIGNER_ROLE])
    return lambda lang="en": as_user("dana", lang)


def save(client, page_size: str, revision: int = 2):
    return client.post(
        "/designer/fleet/vehicle/list",
        data={
            "csrf_token": csrf(client),
            "revision": revision,
            "columns": ["_number", "plate"],
            "page_size": page_size,
        },
        follow_redirects=True,
    )


@pytest.mark.parametrize(("lang", "label"), [("en", "Records per page"), ("zh-CN", "每页条数")])
def test_the_list_tab_saves_the_page_size(page, admin_api, lang, label):
    client = page(lang)
    assert label in client.get("/designer/fleet/vehicle/list").get_data(as_text=True)
    html = save(client, "50").get_data(as_text=True)
    assert draft(admin_api)["documents"]["entities/vehicle.json"]["list"] == {
        "columns": ["_number", "plate"],
        "page_size": 50,
    }
    assert 'id="list-page-size"' in html and 'value="50"' in html


@pytest.mark.parametrize("raw", ["abc", "4", "201", "2.5"])
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "The page size must be a whole number from 5 to 200."),
        ("zh-CN", "每页条数必须是 5 到 200 之间的整数。"),
    ],
)
def test_a_bad_page_size_is_refused_and_nothing_is_saved(page, admin_api, raw, lang, words):
    html = save(page(lang), raw).get_data(as_text=True)
    assert words in html
    assert draft(admin_api)["revision"] == 2


def test_an_empty_page_size_leaves_the_default(page, admin_api):
    save(page(), "")
    assert "page_size" not in draft(admin_api)["documents"]["entities/vehicle.json"]["list"]


def test_the_draft_names_a_page_size_out_of_range(page, admin_api):
    apply(admin_api, [{"op": "set", "path": "entities/vehicle/list", "value": {"page_size": 1000}}])
    paths = [p["path"] for p in draft(admin_api)["problems"]]
    assert any(path.startswith("entities/vehicle/list") for path in paths), paths


def test_the_published_list_page_shows_page_size_records(page, admin_api, as_user):
    save(page(), "5")
    publish(admin_api)
    for number in range(7):
        assert admin_api.post("fleet/vehicle", json={"plate": f"P{number}"}).status_code == 201
    client = as_user("dana")
    rows = re.findall(r">\s*P\d\s*<", client.get("/fleet/vehicle/").get_data(as_text=True))
    assert len(rows) == 5
    wider = client.get("/fleet/vehicle/?per_page=25").get_data(as_text=True)
    assert len(re.findall(r">\s*P\d\s*<", wider)) == 7
    assert admin_api.get("fleet/vehicle").get_json()["per_page"] == 25
