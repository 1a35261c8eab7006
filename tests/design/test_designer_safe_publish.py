"""Safe publishing from the designer's pages: renaming a published field keeps its values
(``renamed_from``, said in the plan), removing a published field hides it first and
dropping its column is a separate, confirmed step, type changes only between safe types,
the plan names at most three rows a change cannot convert, and the versions list says
who published what, when and why."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from formflow.design.type_changes import unsafe_type_changes
from support import TEST_APPS
from support.design_support import apply, draft, fleet, publish
from support.web_support import csrf


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def api(admin_api):
    admin_api.headers["Accept-Language"] = "en"
    fleet(admin_api)
    for value in ({"plate": "A1", "tel": "1"}, {"plate": "A2", "tel": "2"}, {"plate": "A3"}):
        assert admin_api.post("fleet/vehicle", json=value).status_code == 201
    return admin_api


@pytest.fixture
def designer(make_user, as_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    return lambda lang="en": as_user("dana", lang)


def post_op(page, api, **form):
    return page.post(
        "/designer/fleet/vehicle/ops",
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf(page), "revision": draft(api)["revision"], **form},
    )


def vehicle_field(api, name: str) -> dict:
    fields = draft(api)["documents"]["entities/vehicle.json"]["fields"]
    return next(f for f in fields if f["name"] == name)


@pytest.mark.parametrize(
    ("lang", "hint", "step"),
    [
        ("en", "renaming keeps its values", "renames tel → phone keeping 2 values"),
        ("zh-CN", "改名会保留已有的值", "将 tel 改名为 phone，保留 2 个值"),
    ],
)
def test_renaming_a_published_field_on_the_page_keeps_its_values(api, designer, lang, hint, step):
    page = designer(lang)
    html = page.get("/designer/fleet/vehicle?field=tel").get_data(as_text=True)
    assert hint in html
    name_input = html[html.index('id="p-name"') :].split(">")[0]
    assert "disabled" not in name_input
    response = post_op(page, api, action="set", field="tel", prop="name", value="phone")
    assert response.status_code == 200
    assert "Published as tel" in response.get_data(as_text=True) or lang != "en"
    assert vehicle_field(api, "phone")["renamed_from"] == "tel"
    assert step in page.get("/designer/fleet/publish").get_data(as_text=True)
    publish(api)
    assert sorted(r.get("phone") or "" for r in api.get("fleet/vehicle").get_json()["items"]) == [
        "",
        "1",
        "2",
    ]


def test_a_field_not_yet_published_is_renamed_without_renamed_from(api, designer):
    apply(api, [{"op": "add", "path": "entities/vehicle/fields/colour", "value": {"type": "text"}}])
    page = designer()
    assert "renaming keeps" not in page.get("/designer/fleet/vehicle?field=colour").get_data(
        as_text=True
    )
    post_op(page, api, action="set", field="colour", prop="name", value="paint")
    assert vehicle_field(api, "paint") == {"name": "paint", "type": "text"}


def test_removing_a_published_field_hides_it_first_then_drops_its_column(api, designer):
    page = designer()
    html = post_op(page, api, action="hide", field="tel").get_data(as_text=True)
    assert vehicle_field(api, "tel")["visible_if"] == "False"
    assert "Delete the column and its data" in html
    plan = api.get("design/apps/fleet/plan").get_json()
    assert plan == {"problems": [], "steps": []}
    publish(api)
    assert api.get("fleet/vehicle?plate=A1").get_json()["items"][0]["tel"] == "1"

    post_op(page, api, action="remove", field="tel")
    step = {"text": "drops column tel of vehicle, losing 2 values", "destructive": True, "rows": 2}
    assert api.get("design/apps/fleet/plan").get_json()["steps"] == [step]
    publish_page = page.get("/designer/fleet/publish").get_data(as_text=True)
    assert 'data-destructive="yes"' in publish_page and "losing 2 values" in publish_page
    assert publish(api, status=409)["steps"] == [step]


def test_the_panel_offers_hiding_for_published_fields_and_removing_for_new_ones(api, designer):
    apply(api, [{"op": "add", "path": "entities/vehicle/fields/colour", "value": {"type": "text"}}])
    page = designer("zh-CN")
    published = page.get("/designer/fleet/vehicle?field=tel").get_data(as_text=True)
    assert "移除字段（先隐藏，数据保留）" in published and 'value="hide"' in published
    new = page.get("/designer/fleet/vehicle?field=colour").get_data(as_text=True)
    assert 'value="hide"' not in new and 'value="remove"' in new


def test_the_plan_names_three_rows_that_cannot_convert_and_says_there_are_more(api):
    for number in range(4):
        api.post("fleet/vehicle", json={"plate": f"B{number}", "seats": f"x{number}"})
    ids = [
        r["id"] for r in api.get("fleet/vehicle?sort=id&seats__isnull=false").get_json()["items"]
    ]
    apply(api, [{"op": "set", "path": "entities/vehicle/fields/seats/type", "value": "integer"}])
    plan = api.get("design/apps/fleet/plan").get_json()
    examples = ", ".join(f"#{i} 'x{n}'" for n, i in enumerate(ids[:3]))
    assert plan["problems"] == [
        {
            "path": "entities/vehicle/fields/seats",
            "message": f"4 rows cannot become integer: {examples}, …",
        }
    ]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "The type of seats cannot change from text to boolean"),
        ("zh-CN", "字段 seats 的类型不能从 text 改为 boolean"),
    ],
)
def test_a_type_change_between_unsafe_types_is_refused(api, designer, lang, words):
    apply(api, [{"op": "set", "path": "entities/vehicle/fields/seats/type", "value": "boolean"}])
    plan = api.get("design/apps/fleet/plan", headers={"Accept-Language": lang}).get_json()
    assert plan["problems"][0]["path"] == "entities/vehicle/fields/seats"
    assert words in plan["problems"][0]["message"]
    assert "integer" in plan["problems"][0]["message"]
    refused = publish(api, status=422)
    assert refused["problems"][0]["path"] == "entities/vehicle/fields/seats"
    assert words in designer(lang).get("/designer/fleet/publish").get_data(as_text=True)


def test_a_link_keeps_its_type_even_when_renamed():
    published = {"entities/a.json": {"fields": [{"name": "x", "type": "link"}]}}
    moved = {"entities/a.json": {"fields": [{"name": "y", "type": "text", "renamed_from": "x"}]}}
    problem = unsafe_type_changes(published, moved)[0]
    assert problem["path"] == "entities/a/fields/y"
    assert problem["message"].render("en").startswith("The type of y (link) cannot change")


def test_the_versions_list_shows_author_time_note_and_changes_and_restores(api, designer):
    apply(api, [{"op": "set", "path": "entities/vehicle/fields/tel/name", "value": "phone"}])
    publish(api, note="phone, not tel")
    page = designer()
    html = page.get("/designer/fleet/publish").get_data(as_text=True)
    version = html[html.index('data-version="2"') :]
    assert "phone, not tel" in version and "admin" in version
    assert "renames field tel → phone" in version
    assert "<time" in version
    response = page.post(
        "/designer/fleet/versions/1/restore",
        data={"csrf_token": csrf(page), "revision": draft(api)["revision"]},
        follow_redirects=True,
    )
    assert "The draft is now version 1" in response.get_data(as_text=True)
    assert vehicle_field(api, "tel") == {"name": "tel", "type": "text"}


def test_the_versions_list_says_the_changes_in_the_pages_language(api, designer):
    apply(api, [{"op": "set", "path": "entities/vehicle/fields/tel/name", "value": "phone"}])
    publish(api)
    html = designer("zh-CN").get("/designer/fleet/publish").get_data(as_text=True)
    assert "实体 vehicle：字段 tel 改名为 phone" in html


@pytest.mark.parametrize(
    ("line", "zh"),
    [
        ("adds entity car", "新增实体 car"),
        ("removes process p", "删除流程 p"),
        ("entity vehicle: adds field colour", "实体 vehicle：新增字段 colour"),
        (
            "entity vehicle: changes field plate (label, required)",
            "实体 vehicle：修改字段 plate (label, required)",
        ),
        ("entity vehicle: reorders fields", "实体 vehicle：调整字段顺序"),
        ("app: changes menu", "应用：修改 menu"),
        ("process p: removes transition go@a", "流程 p：删除流转 go@a"),
        ("something new", "something new"),
    ],
)
def test_each_kind_of_change_reads_in_chinese(app, line, zh):
    from formflow.web.designer_changes import change_text

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert change_text(line) == zh
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = line.replace("reorders fields", "reorders the field list")
        assert change_text(line) == english
