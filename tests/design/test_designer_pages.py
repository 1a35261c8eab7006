"""The designer's pages: the apps, the form designer (palette, canvas, property panel),
each change saved as a draft operation, a stale revision, who may use them."""

from __future__ import annotations

import pytest

from formflow.web.designer_model import propose_name
from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft
from support.web_support import csrf


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def fleet(admin_api):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    return admin_api


def post_op(page, revision, **form):
    return page.post("/designer/fleet/vehicle/ops", headers={"HX-Request": "true"},
                     data={"csrf_token": csrf(page), "revision": revision, **form})


@pytest.mark.parametrize(("lang", "words"), [("en", ["Designer", "New app", "Shipped"]),
                                            ("zh-CN", ["设计器", "新建应用", "随安装提供"])])
def test_the_apps_page_lists_site_and_shipped_apps(designer, fleet, lang, words):
    html = designer(lang).get("/designer/").get_data(as_text=True)
    for word in words:
        assert word in html
    assert 'data-app="fleet"' in html and 'data-app="shop"' in html
    assert "/designer/fleet/vehicle" in html


def test_a_site_app_is_created_from_the_page(designer, admin_api):
    page = designer()
    response = page.post("/designer/", data={"csrf_token": csrf(page), "name": "fleet",
                                             "label_zh-CN": "车队", "label_en": "Fleet"})
    assert response.status_code == 302
    assert draft(admin_api)["documents"]["app.json"]["label"] == {"en": "Fleet",
                                                                   "zh-CN": "车队"}


def test_a_bad_app_name_is_shown_beside_its_input_and_nothing_is_created(designer, admin_api):
    page = designer()
    response = page.post("/designer/", data={"csrf_token": csrf(page), "name": "Bad Name"})
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    names = [a["name"] for a in admin_api.get("design/apps").get_json()["items"]]
    assert "bad name" not in [n.lower() for n in names] and "Bad Name" not in names


def test_an_entity_is_added_from_the_apps_page(designer, admin_api):
    create_app(admin_api)
    page = designer()
    response = page.post("/designer/fleet/entities", data={
        "csrf_token": csrf(page), "label_en": "Truck", "label_zh-CN": "卡车"})
    assert response.headers["Location"].endswith("/designer/fleet/truck")
    assert "entities/truck.json" in draft(admin_api)["documents"]


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["Form designer", "Field types", "Properties", "Undo"]),
    ("zh-CN", ["表单设计", "字段类型", "属性", "撤销"]),
])
def test_the_form_designer_shows_palette_canvas_and_panel(designer, fleet, lang, words):
    html = designer(lang).get("/designer/fleet/vehicle?field=plate").get_data(as_text=True)
    for word in words:
        assert word in html
    assert 'data-type="select"' in html and 'data-type="text"' in html
    assert html.index('data-field="plate"') < html.index('data-field="tel"')
    assert 'data-prop="pattern"' in html and 'data-prop="required"' in html
    assert "vendor/sortablejs/Sortable.min.js" in html


def test_the_panel_of_a_select_offers_its_options(designer, fleet):
    apply(fleet, [{"op": "add", "path": "entities/vehicle/fields/kind", "value": {
        "type": "select", "options": [{"value": "van", "label": {"en": "Van"},
                                       "color": "blue"}]}}])
    html = designer().get("/designer/fleet/vehicle?field=kind").get_data(as_text=True)
    assert 'data-prop="options"' in html and "van | Van |  | blue" in html


def test_adding_a_field_from_the_palette_proposes_its_name_and_says_saved(designer, fleet):
    page = designer("zh-CN")
    response = post_op(page, 2, action="add", type="text", label="车牌颜色")
    assert response.status_code == 200
    assert "已保存 ✓" in response.get_data(as_text=True)
    fields = draft(fleet)["documents"]["entities/vehicle.json"]["fields"]
    assert fields[-1] == {"name": "f_1", "type": "text", "label": {"zh-CN": "车牌颜色"}}
    post_op(page, 3, action="add", type="text", label="Plate colour", after="plate")
    names = [f["name"] for f in draft(fleet)["documents"]["entities/vehicle.json"]["fields"]]
    assert names == ["plate", "plate_colour", "tel", "seats", "f_1"]


def test_the_up_and_down_buttons_and_a_drop_reorder_fields(designer, fleet):
    page = designer()
    post_op(page, 2, action="move", field="seats", step="up")
    post_op(page, 3, action="drop", field="plate", after="tel")
    names = [f["name"] for f in draft(fleet)["documents"]["entities/vehicle.json"]["fields"]]
    assert names == ["seats", "tel", "plate"]


def test_a_property_change_is_one_set_operation_and_undo_reverts_it(designer, fleet):
    page = designer()
    post_op(page, 2, action="set", field="tel", prop="label", **{"value_zh-CN": "电话",
                                                                   "value_en": "Phone"})
    post_op(page, 3, action="set", field="tel", prop="required", value="on")
    post_op(page, 4, action="set", field="tel", prop="write_roles", value="admin, user")
    tel = draft(fleet)["documents"]["entities/vehicle.json"]["fields"][1]
    assert tel == {"name": "tel", "type": "text", "label": {"zh-CN": "电话", "en": "Phone"},
                   "required": True, "write_roles": ["admin", "user"]}
    post_op(page, 5, action="undo")
    assert "write_roles" not in draft(fleet)["documents"]["entities/vehicle.json"]["fields"][1]


def test_a_stale_revision_asks_to_reload_and_changes_nothing(designer, fleet):
    response = post_op(designer("zh-CN"), 1, action="remove", field="tel")
    assert response.status_code == 412
    assert "别人" in response.get_data(as_text=True)
    assert draft(fleet)["revision"] == 2


def test_a_bad_value_is_listed_and_the_draft_problems_are_red(designer, fleet):
    response = post_op(designer(), 2, action="set", field="tel", prop="max_length",
                       value="many")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "ff-problems" in html and "max_length" in html


def test_a_change_of_a_shipped_app_in_the_designer_is_kept_as_a_customisation(
        designer, admin_api):
    page = designer()
    html = page.get("/designer/shop/product?field=stars").get_data(as_text=True)
    assert "survive upgrades" in html and "Hide field" in html
    response = page.post("/designer/shop/product/ops", data={
        "csrf_token": csrf(page), "revision": 0, "action": "remove", "field": "stars"})
    assert response.status_code == 302
    items = admin_api.get("design/apps/shop/overlays").get_json()["items"]
    assert [(i["op"], i["path"]) for i in items] == [("hide", "entities/product/fields/stars")]
    response = page.post("/designer/shop/product/ops", data={
        "csrf_token": csrf(page), "revision": 1, "action": "add", "type": "text",
        "label": "Colour"})
    assert response.status_code == 302
    assert draft(admin_api, "shop")["documents"]["entities/product.json"]["fields"][-1][
        "name"] == "x_colour"


@pytest.mark.parametrize("path", ["/designer/", "/designer/fleet/vehicle"])
def test_others_may_not_open_the_designer(make_user, as_user, fleet, path):
    make_user("pat")
    page = as_user("pat")
    assert page.get(path).status_code == 403
    response = page.post("/designer/fleet/vehicle/ops", data={
        "csrf_token": csrf(page), "revision": 2, "action": "remove", "field": "tel"})
    assert response.status_code == 403
    assert draft(fleet)["revision"] == 2


def test_without_scripts_a_change_returns_to_the_page_of_the_field(designer, fleet):
    page = designer()
    response = page.post("/designer/fleet/vehicle/ops", data={
        "csrf_token": csrf(page), "revision": 2, "action": "set", "field": "tel",
        "prop": "help", "value_en": "Call this number"})
    assert response.headers["Location"].endswith("/designer/fleet/vehicle?field=tel")
    assert draft(fleet)["documents"]["entities/vehicle.json"]["fields"][1]["help"] == {
        "en": "Call this number"}


def test_the_navigation_bar_links_the_designer_for_designers_only(designer, make_user,
                                                                  as_user):
    assert 'id="nav-designer"' in designer().get("/").get_data(as_text=True)
    make_user("pat")
    assert 'id="nav-designer"' not in as_user("pat").get("/").get_data(as_text=True)


def test_sections_are_added_given_columns_and_fields_placed_in_them(designer, fleet):
    page = designer()
    post_op(page, 2, action="section", label="Basics", value="2")
    post_op(page, 3, action="place", field="plate", value="basics")
    post_op(page, 4, action="section", label="More", value="1")
    post_op(page, 5, action="place", field="plate", value="more")
    post_op(page, 6, action="columns", section="more", value="3")
    form = draft(fleet)["documents"]["entities/vehicle.json"]["form"]
    assert form == {"sections": [
        {"name": "basics", "label": {"en": "Basics"}, "columns": 2, "fields": []},
        {"name": "more", "label": {"en": "More"}, "columns": 3, "fields": ["plate"]}]}
    html = page.get("/designer/fleet/vehicle?field=plate").get_data(as_text=True)
    assert 'data-section="more"' in html and '<option value="more" selected>' in html


def test_names_are_proposed_from_labels():
    assert propose_name("Plate number", set()) == "plate_number"
    assert propose_name("Staff files", {"staff_files"}) == "staff_files_2"
    assert propose_name("车牌", {"f_1"}) == "f_2"
    assert propose_name("部门", set(), "entity") == "entity_1"
    assert propose_name("2024 budget", set()) == "f_1"
