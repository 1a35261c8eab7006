"""The overlays page of a shipped app (``/designer/<app>/overlays``): each change with
the shipped value it was made against and its status; accept, re-apply, drop, reset to
shipped (each in the admin log); tighter rules only; hiding a shipped option."""

from __future__ import annotations

import json
import shutil

import pytest
import sqlalchemy as sa

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS
from support.design_support import apply, draft, publish
from support.web_support import csrf

SKU_LABEL = "entities/product/fields/sku/label"


@pytest.fixture
def metadata_path(tmp_path):
    """The shop app, its sku field once named code."""
    folder = tmp_path / "apps" / "shop"
    shutil.copytree(TEST_APPS / "valid" / "shop", folder)
    path = folder / "entities" / "product.json"
    product = json.loads(path.read_text())
    next(f for f in product["fields"] if f["name"] == "sku")["renamed_from"] = "code"
    path.write_text(json.dumps(product))
    return [str(folder)]


@pytest.fixture
def api(admin_api):
    admin_api.headers["Accept-Language"] = "en"
    return admin_api


@pytest.fixture
def page(make_user, as_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    return as_user("dana")


@pytest.fixture
def upgraded(api):
    """An overlay as an upgrade leaves it: applied, conflict, orphan and invalid."""
    items = [
        {"op": {"op": "set", "path": "app/label", "value": "Store"}, "was": {"value": "Shop"}},
        {"op": {"op": "set", "path": SKU_LABEL, "value": "Article"},
         "was": {"value": "Old SKU"}},
        {"op": {"op": "hide", "path": "entities/product/fields/gone"},
         "was": {"value": {"name": "gone", "type": "text"}}},
        {"op": {"op": "add", "path": "entities/product/fields/category/options/kitchen"},
         "was": {}},
    ]
    response = api.put("design/apps/shop/overlays", json={"items": items})
    assert response.status_code == 200, response.get_json()
    return {i["path"]: i for i in response.get_json()["items"]}


def statuses(api) -> dict:
    items = api.get("design/apps/shop/overlays").get_json()["items"]
    return {i["path"]: i["status"] for i in items}


def log(runtime) -> list[tuple]:
    with runtime.db.read() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "select actor, action, target_name from ff_admin_log "
            "where action like 'overlay.%' order by id"))]


def post(page, url, **form):
    return page.post(url, data={"csrf_token": csrf(page), **form}, follow_redirects=True)


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["Customisations of shop", "Conflict", "Orphan", "Invalid", "Applied",
            "Old SKU", "Accept", "Re-apply", "Reset to shipped"]),
    ("zh-CN", ["shop 的定制", "冲突", "目标已不存在", "无效", "已生效", "接受", "重新应用"])])
def test_the_page_lists_each_change_with_its_status(upgraded, as_user, page, lang, words):
    html = as_user("dana", lang).get("/designer/shop/overlays").get_data(as_text=True)
    assert all(word in html for word in words), [w for w in words if w not in html]
    assert 'data-status="conflict"' in html and "text-bg-warning" in html
    assert html.count('data-action="accept"') == 2  # only the conflicts are accepted


def test_a_property_the_shipped_app_no_longer_sets_is_a_conflict_not_an_orphan(api,
                                                                             upgraded):
    assert statuses(api) == {"app/label": "conflict", SKU_LABEL: "conflict",
                             "entities/product/fields/gone": "orphan",
                             "entities/product/fields/category/options/kitchen": "invalid"}


def test_the_designer_links_the_page_of_a_shipped_app(page):
    html = page.get("/designer/").get_data(as_text=True)
    assert "/designer/shop/overlays" in html


def test_accept_keeps_the_site_value_against_the_new_shipped_one(api, upgraded, page,
                                                                  runtime):
    sku = upgraded[SKU_LABEL]
    html = post(page, f"/designer/shop/overlays/{sku['id']}/accept").get_data(as_text=True)
    assert "The shipped value is accepted" in html
    after = {i["path"]: i for i in api.get("design/apps/shop/overlays").get_json()["items"]}
    assert after[SKU_LABEL]["status"] == "applied" and after[SKU_LABEL]["value"] == "Article"
    assert log(runtime) == [("dana", "overlay.accept", "shop")]


def test_drop_forgets_a_change(api, upgraded, page, runtime):
    orphan = upgraded["entities/product/fields/gone"]
    post(page, f"/designer/shop/overlays/{orphan['id']}/drop")
    assert "entities/product/fields/gone" not in statuses(api)
    assert log(runtime) == [("dana", "overlay.drop", "shop")]


def test_reapply_says_why_a_change_still_cannot_apply(api, upgraded, page, runtime):
    invalid = upgraded["entities/product/fields/category/options/kitchen"]
    html = post(page, f"/designer/shop/overlays/{invalid['id']}/reapply").get_data(
        as_text=True)
    assert "prefix x_" in html
    assert statuses(api)["entities/product/fields/category/options/kitchen"] == "invalid"
    assert log(runtime) == []


def test_reapply_follows_a_shipped_field_renamed_since(api, page, runtime):
    api.put("design/apps/shop/overlays", json={"items": [
        {"op": {"op": "set", "path": "entities/product/fields/code/help", "value": "Ours"},
         "was": {}}]})
    item = api.get("design/apps/shop/overlays").get_json()["items"][0]
    assert item["status"] == "orphan"
    post(page, f"/designer/shop/overlays/{item['id']}/reapply")
    items = api.get("design/apps/shop/overlays").get_json()["items"]
    assert [(i["path"], i["status"]) for i in items] == [
        ("entities/product/fields/sku/help", "applied")]
    assert log(runtime) == [("dana", "overlay.reapply", "shop")]


def test_reapply_rebases_a_change_that_applies(api, upgraded, page):
    sku = upgraded[SKU_LABEL]
    post(page, f"/designer/shop/overlays/{sku['id']}/reapply")
    assert statuses(api)[SKU_LABEL] == "applied"


def test_reset_drops_every_change_under_an_element(api, upgraded, page, runtime):
    post(page, "/designer/shop/overlays/reset", path="entities/product")
    assert statuses(api) == {"app/label": "conflict"}
    assert log(runtime) == [("dana", "overlay.reset", "shop")]


def test_the_rest_equivalents(api, upgraded, runtime):
    sku, orphan = upgraded[SKU_LABEL]["id"], upgraded["entities/product/fields/gone"]["id"]
    assert api.post(f"design/apps/shop/overlays/{sku}/accept").status_code == 200
    assert api.post(f"design/apps/shop/overlays/{sku}/reapply").status_code == 200
    assert api.delete(f"design/apps/shop/overlays/{orphan}").status_code == 200
    assert api.delete(f"design/apps/shop/overlays/{orphan}").status_code == 404
    reset = api.post("design/apps/shop/overlays/reset", json={"path": "app"})
    assert [i["path"] for i in reset.get_json()["items"]] == [
        SKU_LABEL, "entities/product/fields/category/options/kitchen"]
    assert api.post("design/apps/shop/overlays/reset", json={"path": ""}).status_code == 422
    assert [a for _, a, _ in log(runtime)] == ["overlay.accept", "overlay.reapply",
                                                "overlay.drop", "overlay.reset"]


def test_others_may_not_open_the_page_or_act(upgraded, make_user, as_user, api_as, runtime):
    make_user("pat")
    other = as_user("pat")
    assert other.get("/designer/shop/overlays").status_code == 403
    sku = upgraded[SKU_LABEL]["id"]
    assert other.post(f"/designer/shop/overlays/{sku}/drop",
                      data={"csrf_token": csrf(other)}).status_code == 403
    assert log(runtime) == []


@pytest.mark.parametrize(("prop", "value", "ok"), [
    ("min_length", 5, True), ("min_length", 1, False),
    ("max_length", 10, True), ("max_length", 30, False), ("max_length", None, False),
    ("pattern", "^[A-Z]+$", False), ("unique", False, False),
    ("required", True, True), ("min", 1, True),
])
def test_a_site_may_tighten_a_shipped_rule_but_not_loosen_it(api, prop, value, ok):
    field = "price" if prop == "min" else "sku"
    path = f"entities/product/fields/{field}/{prop}"
    body = apply(api, [{"op": "set", "path": path, "value": value}], app="shop",
                 status=200 if ok else 422)
    if not ok:
        assert "shipped" in str(body) and "entities/product/fields/sku" in str(body)


def test_a_looser_rule_is_refused_in_chinese_too(api):
    api.headers["Accept-Language"] = "zh-CN"
    body = apply(api, [{"op": "set", "path": "entities/product/fields/sku/max_length",
                        "value": 99}], app="shop", status=422)
    assert "只能调低" in str(body)


def test_a_whole_field_set_may_not_drop_a_shipped_rule(api):
    field = draft(api, "shop")["documents"]["entities/product.json"]["fields"][1]
    loose = {k: v for k, v in field.items() if k != "min_length"}
    apply(api, [{"op": "set", "path": "entities/product/fields/sku", "value": loose}],
          app="shop", status=422)


def test_a_hidden_shipped_option_leaves_forms_but_still_shows(api, page, make_user,
                                                              as_user):
    made = api.post("shop/product", json={"name": "Rake", "price": "9.00",
                                          "category": "garden"})
    assert made.status_code == 201
    revision = draft(api, "shop")["revision"]
    response = page.post("/designer/shop/product/ops", headers={"HX-Request": "true"}, data={
        "csrf_token": csrf(page), "revision": revision, "action": "options",
        "field": "category", "value": "kitchen\noffice\nx_toys | Toys"})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    ops = {(i["op"], i["path"]) for i in api.get("design/apps/shop/overlays").get_json()["items"]}
    assert ops == {("hide", "entities/product/fields/category/options/garden"),
                   ("add", "entities/product/fields/category/options/x_toys")}
    publish(api, "shop")
    make_user("sam", roles=["shop_manager"])
    manager = as_user("sam")
    form = manager.get("/shop/product/new").get_data(as_text=True)
    assert 'value="x_toys"' in form and 'value="garden"' not in form
    record_id = made.get_json()["id"]
    edit = manager.get(f"/shop/product/{record_id}/edit").get_data(as_text=True)
    assert 'value="garden" selected' in edit
    assert "garden" in manager.get(f"/shop/product/{record_id}").get_data(as_text=True)
    listing = manager.get("/shop/product/").get_data(as_text=True)
    assert '<option value="garden"' not in listing
