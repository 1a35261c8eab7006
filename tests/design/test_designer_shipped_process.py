"""The process builder on a shipped app: its changes become the app's overlay (another
approver, an SLA, new ``x_`` steps), what a site may not change comes back as a message
that points to forking, and the publish page lists the published overlays."""

from __future__ import annotations

import shutil

import pytest

from support import TEST_APPS
from support.design_support import draft
from support.web_support import csrf

PAGE = "/designer/shop/processes/order_flow"


@pytest.fixture
def metadata_path(tmp_path):
    folder = tmp_path / "apps" / "shop"
    shutil.copytree(TEST_APPS / "valid" / "shop", folder)
    return [str(folder)]


def post(client, api, status: int = 200, **form):
    response = client.post(
        f"{PAGE}/ops",
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf(client), "revision": draft(api, "shop")["revision"], **form},
    )
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def overlay(api) -> list[tuple[str, str]]:
    return [(i["op"], i["path"]) for i in api.get("design/apps/shop/overlays").get_json()["items"]]


def submitted_order(api) -> dict:
    product = api.post("shop/product", json={"name": "Mug", "price": "3.00"}).get_json()
    order = api.post(
        "shop/order", json={"customer_name": "Ada", "lines": [{"product": product["id"]}]}
    ).get_json()
    moved = api.post(f"shop/order/{order['id']}/actions/submit", json={})
    assert moved.status_code == 200, moved.get_json()
    return moved.get_json()


def test_the_builder_edits_a_shipped_process(designer):
    html = designer().get(f"{PAGE}?node=review").get_data(as_text=True)
    assert "can be read here but not changed" not in html
    assert 'data-part="assignees"' in html and "data-ff-fork" in html
    assert 'value="undo"' not in html  # the overlays page undoes a customisation


def test_another_approver_and_sla_published_reach_new_records(
    designer, admin_api, api_as, make_user
):
    page = designer()
    mike = api_as(make_user("mike"))
    post(
        page,
        admin_api,
        action="set",
        node="review",
        part="assignees",
        kind_0="user",
        value_0="mike",
    )
    post(page, admin_api, action="set", node="review", part="sla", due="3bd")
    assert overlay(admin_api) == [
        ("set", "processes/order_flow/states/review/assignees"),
        ("set", "processes/order_flow/states/review/sla"),
    ]
    shown = page.get("/designer/shop/publish").get_data(as_text=True)
    assert "it runs as shipped" in shown and "Not published yet" not in shown
    published = page.post(
        "/designer/shop/publish",
        follow_redirects=True,
        data={"csrf_token": csrf(page), "note": "Mike approves"},
    )
    html = published.get_data(as_text=True)
    assert "Published version 1." in html and 'data-version="1"' in html
    assert "2 changes to the shipped app" in html and "Mike approves" in html
    assert "Not published yet" not in html and "designer_restore" not in html

    order = submitted_order(admin_api)
    assert order["_state"] == "review"
    [task] = [t for t in mike.get("tasks").get_json()["items"] if t["record_id"] == order["id"]]
    assert task["assignee"] == "mike" and task["due_at"]
    accepted = mike.post(f"shop/order/{order['id']}/actions/accept", json={})
    assert accepted.status_code == 200 and accepted.get_json()["_state"] == "packing"


def test_the_publish_page_of_a_shipped_app_in_chinese(designer, admin_api):
    page = designer("zh-CN")
    post(page, admin_api, action="set", node="review", part="sla", due="3bd")
    page.post("/designer/shop/publish", data={"csrf_token": csrf(page), "note": ""})
    html = page.get("/designer/shop/publish").get_data(as_text=True)
    assert "对随系统提供的应用的 1 处修改" in html


@pytest.mark.parametrize(
    ("form", "lang", "said"),
    [
        ({"action": "remove", "node": "packing"}, "en", "Fork the process"),
        ({"action": "remove", "node": "packing"}, "zh-CN", "请复制（分叉）该流程"),
        (
            {"action": "set", "part": "name", "node": "review", "name": "checking"},
            "en",
            "cannot be removed or renamed",
        ),
        (
            {"action": "remove_transition", "view": "table", "key": "refuse@review>refused"},
            "en",
            "Fork the process",
        ),
    ],
)
def test_removing_or_renaming_a_shipped_step_is_refused_with_the_fork_offered(
    designer, admin_api, form, lang, said
):
    html = post(designer(lang), admin_api, 422, **form)
    assert said in html and "ff-op-errors" in html and "data-ff-fork" in html
    assert overlay(admin_api) == []


def test_what_the_builder_adds_to_a_shipped_process_is_named_x(designer, admin_api):
    page = designer()
    post(page, admin_api, action="step", edge="submit@draft>review")
    post(page, admin_api, action="add_state", view="table", name="audit", label_en="Audit")
    post(
        page,
        admin_api,
        action="add_transition",
        view="table",
        name="skip",
        **{"from": "review"},
        to="refused",
    )
    process = draft(admin_api, "shop")["documents"]["processes/order_flow.json"]
    states = [s["name"] for s in process["states"]]
    assert {"x_step_1", "x_audit"} <= set(states) and "step_1" not in states
    names = {(t["name"], str(t["from"]), t["to"]) for t in process["transitions"]}
    assert {
        ("approve", "x_step_1", "review"),
        ("reject", "x_step_1", "x_rejected"),
        ("submit", "draft", "x_step_1"),
        ("x_skip", "review", "refused"),
    } <= names
    assert ("set", "processes/order_flow/transitions/submit@draft>review/to") in overlay(admin_api)
    # the x_ step is the site's own: it goes again
    post(page, admin_api, action="remove", node="x_step_1")
    process = draft(admin_api, "shop")["documents"]["processes/order_flow.json"]
    assert "x_step_1" not in [s["name"] for s in process["states"]]


@pytest.mark.parametrize(
    ("op", "status"),
    [
        (
            {
                "op": "set",
                "path": "processes/order_flow/states/review/approver_rules",
                "value": {"requester": "skip"},
            },
            200,
        ),
        (
            {
                "op": "set",
                "path": "processes/order_flow/states/packing/cc",
                "value": [{"user": "admin"}],
            },
            200,
        ),
        (
            {
                "op": "set",
                "path": "processes/order_flow/states/review/label",
                "value": {"en": "Check"},
            },
            200,
        ),
        (
            {
                "op": "add",
                "path": "processes/order_flow/transitions/skip@review>refused",
                "value": {"to": "refused"},
            },
            422,
        ),
        (
            {
                "op": "add",
                "path": "processes/order_flow/transitions/x_skip@review>refused",
                "value": {"to": "refused"},
            },
            200,
        ),
        (
            {
                "op": "set",
                "path": "processes/order_flow/transitions/refuse@review>refused/name",
                "value": "decline",
            },
            422,
        ),
        ({"op": "remove", "path": "processes/order_flow/transitions/ship@packing"}, 422),
    ],
)
def test_what_a_site_may_change_in_a_shipped_process(admin_api, op, status):
    response = admin_api.post(
        "design/apps/shop/draft/ops",
        json={"ops": [op]},
        headers={"If-Match": str(draft(admin_api, "shop")["revision"])},
    )
    assert response.status_code == status, response.get_json()


def test_a_fork_takes_transitions_of_any_name(admin_api):
    assert admin_api.post("design/apps/shop/processes/order_flow/fork").status_code == 201
    op = {
        "op": "add",
        "path": "processes/x_order_flow/transitions/skip@review>refused",
        "value": {"to": "refused"},
    }
    response = admin_api.post(
        "design/apps/shop/draft/ops",
        json={"ops": [op]},
        headers={"If-Match": str(draft(admin_api, "shop")["revision"])},
    )
    assert response.status_code == 200, response.get_json()
