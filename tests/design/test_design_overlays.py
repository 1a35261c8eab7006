"""Overlays: a site's changes to a shipped app, kept as operations beside its files,
checked against what a site may change, and reported after an upgrade."""

from __future__ import annotations

import json
import shutil

import pytest
import sqlalchemy as sa

from formflow.auth import create_token
from support import TEST_APPS
from support.design_support import apply, draft, publish


@pytest.fixture
def shipped(tmp_path):
    """A copy of the shop app the test can upgrade."""
    folder = tmp_path / "apps" / "shop"
    shutil.copytree(TEST_APPS / "valid" / "shop", folder)
    return folder


@pytest.fixture
def metadata_path(shipped):
    return [str(shipped)]


@pytest.fixture
def api(admin_api):
    admin_api.headers["Accept-Language"] = "en"
    return admin_api


def overlay_rows(runtime) -> int:
    with runtime.db.read() as conn:
        return conn.execute(sa.text("select count(*) from ff_design_overlays")).scalar()


def fields(documents: dict, entity: str) -> dict:
    return {f["name"]: f for f in documents[f"entities/{entity}.json"]["fields"]}


def test_a_change_of_a_shipped_app_is_kept_as_an_overlay(api, runtime):
    body = apply(api, [{"op": "set", "path": "entities/product/fields/sku/label",
                        "value": {"en": "Article number"}}], app="shop")
    assert [p for p in body["problems"] if p["level"] == "error"] == []
    assert overlay_rows(runtime) == 1
    documents = draft(api, "shop")["documents"]
    assert fields(documents, "product")["sku"]["label"] == {"en": "Article number"}
    overlays = api.get("design/apps/shop/overlays").get_json()
    assert overlays == {"items": [{
        "id": 1, "op": "set", "path": "entities/product/fields/sku/label",
        "value": {"en": "Article number"}, "was": None, "status": "applied", "message": ""}]}


@pytest.mark.parametrize("op, why", [
    ({"op": "add", "path": "entities/product/fields/colour", "value": {"type": "text"}},
     "prefix x_"),
    ({"op": "add", "path": "entities/product/fields/category/options/toys"}, "prefix x_"),
    ({"op": "add", "path": "processes/order_flow/states/hold", "value": {}}, "prefix x_"),
    ({"op": "set", "path": "entities/product/fields/sku/name", "value": "code"},
     "the name of a shipped element"),
    ({"op": "set", "path": "entities/product/fields/sku/type", "value": "integer"},
     "the type of a shipped element"),
    ({"op": "set", "path": "entities/order/fields/lines/fields/product/to",
      "value": "shop.order"}, "the to of a shipped element"),
    ({"op": "set", "path": "entities/product/fields/price/required", "value": False},
     "is required in the shipped app"),
    ({"op": "remove", "path": "entities/product/fields/category/options/garden"},
     "cannot be removed; hide it instead"),
    ({"op": "remove", "path": "entities/product"}, "change its parts"),
])
def test_what_a_site_may_not_change_is_422_saying_why(api, runtime, op, why):
    revision = draft(api, "shop")["revision"]
    body = apply(api, [op], app="shop", revision=revision, status=422)
    assert why in json.dumps(body)
    assert overlay_rows(runtime) == 0
    assert draft(api, "shop")["revision"] == revision


def test_removing_a_shipped_field_hides_it(api):
    apply(api, [{"op": "remove", "path": "entities/product/fields/stars"}], app="shop")
    items = api.get("design/apps/shop/overlays").get_json()["items"]
    assert [(i["op"], i["path"]) for i in items] == [("hide", "entities/product/fields/stars")]
    assert fields(draft(api, "shop")["documents"], "product")["stars"]["visible_if"] == "False"


def customise(api) -> None:
    """Add an x_ field, relabel, hide a field, add an option, change an approver."""
    apply(api, [
        {"op": "add", "path": "entities/product/fields/x_colour",
         "value": {"type": "text", "label": "Colour"}},
        {"op": "set", "path": "entities/product/fields/sku/label", "value": "Article"},
        {"op": "hide", "path": "entities/product/fields/manual"},
        {"op": "add", "path": "entities/product/fields/category/options/x_toys"},
        {"op": "set", "path": "processes/order_flow/states/review/assignees",
         "value": [{"role": "clerk"}]},
    ], app="shop")
    assert publish(api, "shop") == {"version": 1}


def test_a_published_overlay_is_served_and_takes_data(api, runtime):
    customise(api)
    created = api.post("shop/product", json={"name": "Mug", "price": "3.00",
                                             "x_colour": "blue", "category": "x_toys"})
    assert created.status_code == 201, created.get_json()
    record = api.get(f"shop/product/{created.get_json()['id']}").get_json()
    assert record["x_colour"] == "blue" and record["category"] == "x_toys"
    assert api.post("shop/product", json={"name": "Pot", "price": "1.00",
                                          "category": "toys"}).status_code == 422


def upgrade(shipped) -> None:
    """New shipped files: a new field, a changed label, a removed field the overlay
    touched."""
    path = shipped / "entities" / "product.json"
    product = json.loads(path.read_text())
    product["fields"] = [f for f in product["fields"] if f["name"] != "manual"]
    product["fields"].append({"name": "weight", "type": "decimal"})
    for field in product["fields"]:
        if field["name"] == "sku":
            field["label"] = "SKU code"
    path.write_text(json.dumps(product))


def test_an_upgrade_keeps_the_overlay_and_reports_conflicts_and_orphans(
        api, runtime, shipped, make_app, metadata_path, api_as, admin):
    customise(api)
    created = api.post("shop/product", json={"name": "Mug", "price": "3.00",
                                             "x_colour": "blue"}).get_json()
    upgrade(shipped)
    upgraded = make_app(metadata_path)
    new_runtime = upgraded.extensions["formflow"]
    product = new_runtime.model.apps["shop"].entities["product"]
    names = {field.name for field in product.fields}
    assert {"x_colour", "weight"} <= names and "manual" not in names
    client = upgraded.test_client()
    with new_runtime.db.write() as conn:
        _, token = create_token(conn, admin.id, "test")
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    record = client.get(f"/api/v1/shop/product/{created['id']}", headers=headers).get_json()
    assert record["x_colour"] == "blue"
    items = client.get("/api/v1/design/apps/shop/overlays", headers=headers).get_json()["items"]
    status = {(i["op"], i["path"]): i["status"] for i in items}
    assert status == {
        ("add", "entities/product/fields/x_colour"): "applied",
        ("set", "entities/product/fields/sku/label"): "conflict",
        ("hide", "entities/product/fields/manual"): "orphan",
        ("add", "entities/product/fields/category/options/x_toys"): "applied",
        ("set", "processes/order_flow/states/review/assignees"): "applied",
    }
    sku = next(i for i in items if i["path"].endswith("sku/label"))
    assert sku["was"] is None and sku["value"] == "Article"
    assert "site's value still applies" in sku["message"]
    accepted = client.post("/api/v1/design/apps/shop/overlays", headers=headers,
                           json={"action": "accept", "index": 1}).get_json()["items"]
    assert accepted[1]["status"] == "applied" and accepted[1]["was"] == "SKU code"
    dropped = client.post("/api/v1/design/apps/shop/overlays", headers=headers,
                          json={"action": "drop", "index": 2}).get_json()["items"]
    assert "orphan" not in {i["status"] for i in dropped}
    reset = client.post("/api/v1/design/apps/shop/overlays", headers=headers,
                        json={"action": "reset", "path": "entities/product/fields/sku"})
    assert len(reset.get_json()["items"]) == 3


def test_an_overlay_that_no_longer_checks_is_left_out_and_the_app_still_loads(
        api, shipped, make_app, metadata_path):
    apply(api, [{"op": "add", "path": "entities/product/fields/x_double",
                 "value": {"type": "integer", "compute": "stars * 2"}},
                {"op": "set", "path": "entities/product/fields/stars/label", "value": "Rating"}],
          app="shop")
    publish(api, "shop")
    path = shipped / "entities" / "product.json"
    product = json.loads(path.read_text())
    product["fields"] = [f for f in product["fields"] if f["name"] != "stars"]
    path.write_text(json.dumps(product))
    upgraded = make_app(metadata_path).extensions["formflow"]
    names = {field.name for field in upgraded.model.apps["shop"].entities["product"].fields}
    assert "x_double" not in names and "stars" not in names
    assert "shop" not in upgraded.overlays


def test_only_designers_see_or_change_an_overlay(api, api_as, make_user, runtime):
    clerk = api_as(make_user("clara", roles=["clerk"]))
    assert clerk.get("design/apps/shop/overlays").status_code == 403
    response = clerk.post("design/apps/shop/draft/ops", json={"ops": [
        {"op": "set", "path": "app/label", "value": "x"}]})
    assert response.status_code == 403
    assert clerk.post("design/apps/shop/overlays",
                      json={"action": "reset", "path": "app"}).status_code == 403
    assert overlay_rows(runtime) == 0
    assert api.get("design/apps/nothing/overlays").status_code == 404


def test_an_overlay_action_names_what_is_wrong(api, runtime):
    apply(api, [{"op": "set", "path": "app/label", "value": "Store"}], app="shop")
    bad = api.post("design/apps/shop/overlays", json={"action": "drop", "index": 5})
    assert bad.status_code == 404
    assert api.post("design/apps/shop/overlays", json={"action": "merge"}).status_code == 422
    assert overlay_rows(runtime) == 1
    dropped = api.post("design/apps/shop/overlays", json={"action": "drop", "index": 0})
    assert dropped.get_json() == {"items": []} and overlay_rows(runtime) == 0
