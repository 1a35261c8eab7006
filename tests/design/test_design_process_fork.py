"""Forking a shipped process: a site-owned copy its entity uses for new records, while
records already in the shipped process keep it."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from support import TEST_APPS
from support.design_support import apply, draft, publish
from support.web_support import csrf


@pytest.fixture
def metadata_path(tmp_path):
    folder = tmp_path / "apps" / "shop"
    shutil.copytree(TEST_APPS / "valid" / "shop", folder)
    return [str(folder)]


@pytest.fixture
def api(admin_api):
    admin_api.headers["Accept-Language"] = "en"
    return admin_api


def actions(api, record_id: int) -> set[str]:
    body = api.get(f"shop/order/{record_id}/actions").get_json()
    return {item["name"] for item in body["items"]}


def order(api) -> dict:
    product = api.post("shop/product", json={"name": "Mug", "price": "3.00"}).get_json()
    response = api.post("shop/order", json={"customer_name": "Ada",
                                            "lines": [{"product": product["id"]}]})
    assert response.status_code == 201, response.get_json()["errors"]
    return response.get_json()


def test_a_fork_takes_new_records_and_records_in_flight_keep_the_shipped_process(
        api, runtime):
    before = order(api)
    forked = api.post("design/apps/shop/processes/order_flow/fork", json={})
    assert forked.status_code == 201, forked.get_json()
    assert forked.get_json()["process"] == "x_order_flow"
    apply(api, [{"op": "add", "path": "processes/x_order_flow/transitions/x_skip@draft",
                 "value": {"to": "refused", "by": "creator"}}], app="shop")
    documents = draft(api, "shop")["documents"]
    assert documents["entities/order.json"]["process"] == "x_order_flow"
    assert documents["processes/x_order_flow.json"]["forked_from"] == "order_flow"
    publish(api, "shop")
    after = order(api)
    assert after["_process_version"] > before["_process_version"]
    assert "x_skip" in actions(api, after["id"])
    assert "x_skip" not in actions(api, before["id"])
    assert "submit" in actions(api, before["id"])
    refused = api.post(f"shop/order/{after['id']}/actions/x_skip", json={})
    assert refused.status_code == 200 and refused.get_json()["_state"] == "refused"
    withdrawn = api.get(f"shop/order/{before['id']}").get_json()
    assert withdrawn["_state"] == "draft"
    with runtime.db.read() as conn:
        logged = conn.execute(sa.text(
            "select action, target_id from ff_admin_log where action = 'process.fork'")).all()
    assert [tuple(r) for r in logged] == [("process.fork", "x_order_flow")]


@pytest.mark.parametrize(("process", "body", "status", "why"), [
    ("order_flow", {"name": "my_flow"}, 422, "starting with x_"),
    ("order_flow", {"name": "x_Bad"}, 422, "starting with x_"),
    ("nothing", {}, 404, "processes/nothing"),
    ("order_flow", {"colour": "red"}, 400, "name"),
])
def test_a_fork_names_what_is_wrong(api, process, body, status, why):
    response = api.post(f"design/apps/shop/processes/{process}/fork", json=body)
    assert response.status_code == status and why in str(response.get_json())
    assert api.get("design/apps/shop/overlays").get_json() == {"items": []}


def test_forking_twice_is_refused_and_others_may_not_fork(api, api_as, make_user):
    assert api.post("design/apps/shop/processes/order_flow/fork").status_code == 201
    again = api.post("design/apps/shop/processes/order_flow/fork", json={"name": "x_other"})
    assert again.status_code == 422 and "not the process of its entity" in str(
        again.get_json())
    clerk = api_as(make_user("clara", roles=["clerk"]))
    assert clerk.post("design/apps/shop/processes/order_flow/fork").status_code == 403


def test_the_overlays_page_forks_a_process(api, as_user, make_user):
    from formflow.design.service import DESIGNER_ROLE

    make_user("dana", roles=[DESIGNER_ROLE])
    page = as_user("dana")
    html = page.get("/designer/shop/overlays").get_data(as_text=True)
    assert 'name="process"' in html and "order_flow" in html
    response = page.post("/designer/shop/processes/fork", follow_redirects=True, data={
        "csrf_token": csrf(page), "process": "order_flow", "name": "x_orders"})
    assert "x_orders" in response.get_data(as_text=True)
    paths = [i["path"] for i in api.get("design/apps/shop/overlays").get_json()["items"]]
    assert paths == ["processes/x_orders", "entities/order/process"]
