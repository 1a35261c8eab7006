"""The process builder's page: the flow drawn from the draft, each ⊕ and panel form one
design operation on the draft's process, undo, a stale revision, and the table view."""

from __future__ import annotations

import pytest

from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft
from support.process_builder_support import PAGE, moves, post, process
from support.web_support import csrf


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


def test_a_new_process_starts_with_a_submit_to_its_end_and_the_entity_runs_it(page, admin_api):
    documents = draft(admin_api)["documents"]
    assert documents["entities/vehicle.json"]["process"] == "vehicle_approval"
    assert moves(process(admin_api)) == [("submit", "draft", "approved", None)]
    html = page.get(PAGE).get_data(as_text=True)
    assert 'data-edge="submit@draft&gt;approved"' in html and "ff-diagram-svg" in html


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Process builder", "Approval step", "Condition branch", "State diagram"]),
        ("zh-CN", ["流程设计", "审批节点", "条件分支", "状态图"]),
    ],
)
def test_the_builder_speaks_the_users_language(page, designer, lang, words):
    html = designer(lang).get(PAGE).get_data(as_text=True)
    for word in words:
        assert word in html


def test_plus_adds_an_approval_step_between_two_nodes(page, admin_api):
    html = post(page, admin_api, action="step", edge="submit@draft>approved")
    assert "Saved ✓" in html
    document = process(admin_api)
    assert [s["name"] for s in document["states"]] == ["draft", "step_1", "approved", "rejected"]
    assert document["states"][1]["assignees"] == [{"manager_of": "_created_by"}]
    assert moves(document) == [
        ("submit", "draft", "step_1", None),
        ("approve", "step_1", "approved", None),
        ("reject", "step_1", "rejected", None),
    ]
    assert draft(admin_api)["problems"] == []
    post(page, admin_api, action="step", edge="approve@step_1>approved")
    assert {
        ("approve", "step_1", "step_2", None),
        ("approve", "step_2", "approved", None),
        ("reject", "step_2", "rejected", None),
    } <= set(moves(process(admin_api)))
    assert ("approve", "step_1", "approved", None) not in moves(process(admin_api))


def test_plus_adds_a_condition_branch_tried_before_the_default(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    html = post(
        page, admin_api, action="branch", edge="approve@step_1>approved", when="seats == '9'"
    )
    assert 'data-branch="approve@step_1&gt;step_2"' in html
    document = process(admin_api)
    assert moves(document)[1:3] == [
        ("approve", "step_1", "step_2", "seats == '9'"),
        ("approve", "step_1", "approved", None),
    ]
    assert ("approve", "step_2", "approved", None) in moves(document)
    assert draft(admin_api)["problems"] == []


def test_plus_adds_a_cc_and_an_end(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    post(page, admin_api, action="cc", edge="approve@step_1>approved")
    assert process(admin_api)["states"][2]["cc"] == [{"field": "_created_by"}]
    post(page, admin_api, action="end", edge="approve@step_1>approved", end="")
    document = process(admin_api)
    assert document["states"][-1] == {
        "name": "end_1",
        "label": {"en": "End", "zh-CN": "结束"},
        "final": True,
    }
    assert ("approve", "step_1", "end_1", None) in moves(document)


def test_the_panel_sets_assignees_mode_fields_and_sla(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    step = {"action": "set", "node": "step_1"}
    post(
        page,
        admin_api,
        **step,
        part="assignees",
        kind_0="managers_of",
        value_0="_created_by",
        levels_0="2",
        until_0="",
        when_0="",
        kind_1="role",
        value_1="",
        levels_1="",
    )
    post(page, admin_api, **step, part="approval", mode="all", quorum="60%")
    post(page, admin_api, **step, part="label", **{"label_zh-CN": "经理审批", "label_en": ""})
    post(
        page,
        admin_api,
        **step,
        part="sla",
        due="24h",
        remind="20h",
        breach="action",
        breach_action="approve",
    )
    html = post(page, admin_api, **step, part="fields", editable=["tel"], required=["seats"])
    state = process(admin_api)["states"][1]
    assert state["assignees"] == [{"managers_of": "_created_by", "levels": 2}]
    assert state["approval"] == {"mode": "all", "action": "approve", "quorum": "60%"}
    assert state["label"] == {"zh-CN": "经理审批"}
    assert state["sla"] == {"due": "24h", "remind": "20h", "on_breach": {"action": "approve"}}
    assert state["editable"] == ["tel"]
    assert moves(process(admin_api))[1] == ("approve", "step_1", "approved", None)
    assert process(admin_api)["transitions"][1]["required"] == ["seats"]
    assert [p for p in draft(admin_api)["problems"] if p["level"] == "error"] == []
    assert 'data-node="step_1"' in html and "经理审批" in html


def test_a_guard_is_set_from_the_transition_panel(page, admin_api):
    post(
        page,
        admin_api,
        action="set",
        node="t:submit@draft>approved",
        part="guard",
        when="tel != ''",
        label_en="Send",
    )
    transition = process(admin_api)["transitions"][0]
    assert transition["when"] == "tel != ''" and transition["label"] == {"en": "Send"}


def test_undo_takes_the_last_step_back(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    html = post(page, admin_api, action="undo")
    assert moves(process(admin_api)) == [("submit", "draft", "approved", None)]
    assert "step_1" not in html
    post(page, admin_api, action="redo")
    assert len(process(admin_api)["states"]) == 4


def test_removing_a_step_joins_its_neighbours(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    post(page, admin_api, action="remove", node="step_1")
    assert moves(process(admin_api)) == [("submit", "draft", "approved", None)]


def test_a_stale_revision_asks_to_reload_and_changes_nothing(page, admin_api):
    revision = draft(admin_api)["revision"]
    post(page, admin_api, action="step", edge="submit@draft>approved")
    html = post(
        page, admin_api, status=412, revision=revision, action="cc", edge="submit@draft>step_1"
    )
    assert "Reload" in html
    assert "cc" not in process(admin_api)["states"][1]


def test_the_table_view_edits_parallel_branches(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    html = page.get(f"{PAGE}?view=table").get_data(as_text=True)
    assert 'data-transition="approve@step_1&gt;approved"' in html
    post(page, admin_api, action="add_state", name="legal", label_en="Legal")
    post(page, admin_api, action="add_transition", name="approve", **{"from": "legal"}, to="@join")
    post(
        page,
        admin_api,
        action="save_state",
        node="step_1",
        label_en="Review",
        parallel='{"join": "all", "branches": [{"name": "law", "steps": ["legal"]}]}',
    )
    post(
        page,
        admin_api,
        action="save_transition",
        key="approve@step_1>approved",
        **{"from": "step_1"},
        to="approved",
        when="",
    )
    document = process(admin_api)
    assert document["states"][1]["parallel"] == {
        "join": "all",
        "branches": [{"name": "law", "steps": ["legal"]}],
    }
    assert ("approve", "legal", "@join", None) in moves(document)
    html = post(
        page, admin_api, status=422, action="save_state", node="step_1", parallel="{not json"
    )
    assert "JSON" in html


def test_the_flow_shows_the_draft_problems_of_the_process(page, admin_api):
    post(
        page,
        admin_api,
        action="set",
        node="t:submit@draft>approved",
        part="guard",
        when="nosuchfield > 1",
    )
    html = page.get(PAGE).get_data(as_text=True)
    assert "data-ff-problems" in html and "nosuchfield" in html


def test_the_apps_page_and_the_entity_tabs_lead_to_the_process(page):
    assert PAGE in page.get("/designer/").get_data(as_text=True)
    tabs = page.get("/designer/fleet/vehicle").get_data(as_text=True)
    assert f'href="{PAGE}"' in tabs and 'data-tab="process"' in tabs


def test_an_entity_without_a_process_offers_to_make_one(designer, admin_api):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    html = designer().get("/designer/fleet/vehicle/list").get_data(as_text=True)
    assert 'data-tab="new-process"' in html


def test_a_shipped_process_is_drawn_and_customised_like_a_site_one(designer):
    html = designer().get("/designer/shop/processes/order_flow").get_data(as_text=True)
    assert "ff-diagram-svg" in html and "data-node=" in html
    assert "ff-add-button" in html and "ff-shipped-process" in html


def test_only_designers_may_open_or_change_the_builder(page, make_user, as_user, admin_api):
    make_user("eve")
    eve = as_user("eve")
    assert eve.get(PAGE).status_code == 403
    response = eve.post(
        f"{PAGE}/ops",
        data={
            "csrf_token": csrf(eve),
            "action": "step",
            "edge": "submit@draft>approved",
            "revision": 3,
        },
    )
    assert response.status_code == 403
    assert len(process(admin_api)["states"]) == 2


def test_a_condition_branch_is_removed_with_its_steps(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    post(page, admin_api, action="branch", edge="approve@step_1>approved", when="seats == '9'")
    post(page, admin_api, action="step", edge="approve@step_2>approved")
    post(page, admin_api, action="remove_branch", node="t:approve@step_1>step_2")
    document = process(admin_api)
    assert [s["name"] for s in document["states"]] == ["draft", "step_1", "approved", "rejected"]
    assert moves(document) == [
        ("submit", "draft", "step_1", None),
        ("approve", "step_1", "approved", None),
        ("reject", "step_1", "rejected", None),
    ]


def test_a_node_gone_meanwhile_asks_to_reload(page, admin_api):
    html = post(page, admin_api, status=422, action="step", edge="approve@nowhere>approved")
    assert "Reload the page and try again" in html


def test_a_step_is_renamed_everywhere_it_is_named(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    html = post(page, admin_api, action="set", node="step_1", part="name", name="finance")
    document = process(admin_api)
    assert [s["name"] for s in document["states"]][1] == "finance"
    assert moves(document) == [
        ("submit", "draft", "finance", None),
        ("approve", "finance", "approved", None),
        ("reject", "finance", "rejected", None),
    ]
    assert '<div class="ff-panel" data-node="finance">' in html
