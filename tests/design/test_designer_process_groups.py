"""The process builder's ⊕ around groups of branches — a step before a condition branch
group, a step where its branches meet — parallel branches edited in the flow, and a
transition's guard made with the condition builder."""

from __future__ import annotations

from support.design_support import apply, draft
from support.process_builder_support import PAGE, moves, post, process
from support.web_support import csrf


def errors(api) -> list:
    return [p for p in draft(api)["problems"] if p["level"] == "error"]


def branched(page, api) -> None:
    """draft → step_1; step_1 approves to step_2 when seats == '9', else to approved."""
    post(page, api, action="step", edge="submit@draft>approved")
    post(page, api, action="branch", edge="approve@step_1>approved", when="seats == '9'")


def test_plus_before_a_condition_group_adds_the_step_the_branches_start_from(page, admin_api):
    branched(page, admin_api)
    assert 'data-add-at="before"' in page.get(PAGE).get_data(as_text=True)
    post(page, admin_api, action="before", edge="approve@step_1>step_2")
    document = process(admin_api)
    assert [s["name"] for s in document["states"]][:4] == ["draft", "step_1", "step_3", "step_2"]
    assert set(moves(document)) == {
        ("submit", "draft", "step_1", None),
        ("approve", "step_1", "step_3", None),
        ("reject", "step_1", "rejected", None),
        ("approve", "step_3", "step_2", "seats == '9'"),
        ("approve", "step_3", "approved", None),
        ("reject", "step_3", "rejected", None),
        ("approve", "step_2", "approved", None),
        ("reject", "step_2", "rejected", None),
    }
    guarded = [m for m in moves(document) if m[1] == "step_3" and m[0] == "approve"]
    assert guarded[0][3] == "seats == '9'" and guarded[1][3] is None
    assert errors(admin_api) == []


def test_plus_before_branches_leading_to_the_same_state_is_refused_naming_it(
    page, admin_api, designer
):
    branched(page, admin_api)
    to = "processes/vehicle_approval/transitions/approve@step_1>step_2/to"
    apply(admin_api, [{"op": "set", "path": to, "value": "approved"}])
    before = process(admin_api)
    html = post(page, admin_api, status=422, action="before", edge="approve@step_1>approved")
    assert "Add a step before the branches: Two of these branches lead to “approved”" in html
    assert process(admin_api) == before
    zh = designer("zh-CN")
    response = zh.post(
        f"{PAGE}/ops",
        headers={"HX-Request": "true"},
        data={
            "csrf_token": csrf(zh),
            "revision": draft(admin_api)["revision"],
            "action": "before",
            "edge": "approve@step_1>approved",
        },
    )
    assert response.status_code == 422
    assert "其中两个分支都通向“approved”" in response.get_data(as_text=True)


def test_plus_after_the_branches_meet_adds_the_step_they_join_at(page, admin_api):
    branched(page, admin_api)
    html = page.get(PAGE).get_data(as_text=True)
    assert 'data-add-at="after"' in html
    post(page, admin_api, action="after", edge="approve@step_1>step_2")
    document = process(admin_api)
    approvals = {m for m in moves(document) if m[0] == "approve"}
    assert approvals == {
        ("approve", "step_1", "step_2", "seats == '9'"),
        ("approve", "step_1", "step_3", None),
        ("approve", "step_2", "step_3", None),
        ("approve", "step_3", "approved", None),
    }
    assert errors(admin_api) == []


def test_a_bad_group_op_is_422_naming_it(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    html = post(page, admin_api, status=422, action="after", edge="approve@step_1>approved")
    assert "Add a step where the branches meet" in html and "do not meet" in html
    html = post(page, admin_api, status=422, action="lane_step", node="step_1", branch="x")
    assert "Add a step to the branch" in html and "“step_1” is not in the process" in html
    assert len(process(admin_api)["states"]) == 4


def test_parallel_branches_are_added_edited_and_joined_in_the_flow(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    html = post(page, admin_api, action="parallel", edge="approve@step_1>approved")
    assert 'data-parallel="parallel_1"' in html and 'data-join="parallel_1"' in html
    assert '<div class="ff-panel" data-node="j:parallel_1">' in html
    document = process(admin_api)
    fork = next(s for s in document["states"] if s["name"] == "parallel_1")
    assert fork["parallel"]["join"] == "all"
    assert [(b["name"], b["steps"]) for b in fork["parallel"]["branches"]] == [
        ("branch_1", ["step_2"]),
        ("branch_2", ["step_3"]),
    ]
    assert {
        ("approve", "step_1", "parallel_1", None),
        ("join", "parallel_1", "approved", None),
        ("approve", "step_2", "@join", None),
        ("approve", "step_3", "@join", None),
    } <= set(moves(document))
    assert errors(admin_api) == []

    post(page, admin_api, action="add_lane", node="parallel_1")
    post(
        page,
        admin_api,
        action="lane_step",
        node="parallel_1",
        branch="branch_1",
        edge="approve@step_2>@join",
    )
    html = post(page, admin_api, action="lane_step", node="parallel_1", branch="branch_2")
    assert 'data-lane="branch_3"' in html
    document = process(admin_api)
    lanes = next(s for s in document["states"] if s["name"] == "parallel_1")["parallel"]
    assert [(b["name"], b["steps"]) for b in lanes["branches"]] == [
        ("branch_1", ["step_2", "step_5"]),
        ("branch_2", ["step_6", "step_3"]),
        ("branch_3", ["step_4"]),
    ]
    assert {
        ("approve", "step_2", "step_5", None),
        ("approve", "step_5", "@join", None),
        ("approve", "step_6", "step_3", None),
    } <= set(moves(document))
    assert errors(admin_api) == []

    post(page, admin_api, action="remove_lane", node="parallel_1", branch="branch_3")
    post(page, admin_api, action="remove", node="step_5")
    document = process(admin_api)
    lanes = next(s for s in document["states"] if s["name"] == "parallel_1")["parallel"]
    assert [b["steps"] for b in lanes["branches"]] == [["step_2"], ["step_6", "step_3"]]
    assert not {"step_4", "step_5"} & {s["name"] for s in document["states"]}
    assert ("approve", "step_2", "@join", None) in moves(document)
    assert errors(admin_api) == []

    post(page, admin_api, action="remove", node="parallel_1")
    document = process(admin_api)
    assert [s["name"] for s in document["states"]] == ["draft", "step_1", "approved", "rejected"]
    assert ("approve", "step_1", "approved", None) in moves(document)
    assert errors(admin_api) == []


def test_the_last_parallel_branch_stays(page, admin_api):
    post(page, admin_api, action="parallel", edge="submit@draft>approved")
    post(page, admin_api, action="remove_lane", node="parallel_1", branch="branch_1")
    html = post(
        page, admin_api, status=422, action="remove_lane", node="parallel_1", branch="branch_2"
    )
    assert "Remove the parallel branch" in html and "at least one branch" in html


def test_a_new_condition_branch_opens_its_guard_in_the_condition_builder(page, admin_api):
    post(page, admin_api, action="step", edge="submit@draft>approved")
    html = post(page, admin_api, action="branch", edge="approve@step_1>approved")
    assert 'data-cond="guard-approve@step_1.step_2"' in html
    assert 'name="part" value="guard"' in html and 'data-mode="visual"' in html


def test_a_guard_made_with_the_builder_compiles_to_the_expression(page, admin_api):
    branched(page, admin_api)
    post(
        page,
        admin_api,
        action="set",
        part="guard",
        node="t:approve@step_1>step_2",
        mode="visual",
        join="or",
        row_field=["seats", "tel"],
        row_op=["eq", "empty"],
        row_value=["9", ""],
    )
    guard = process(admin_api)["transitions"][1]
    assert guard["when"] == "seats == '9' or len(tel) == 0"
    assert errors(admin_api) == []
    html = page.get(f"{PAGE}?node=t:approve@step_1>step_2").get_data(as_text=True)
    assert html.count('name="row_field"') == 2


def test_a_guard_without_rows_is_refused_while_the_branch_has_siblings(page, admin_api):
    branched(page, admin_api)
    html = post(
        page,
        admin_api,
        status=422,
        action="set",
        part="guard",
        node="t:approve@step_1>step_2",
        mode="visual",
    )
    assert "Add at least one condition" in html
    assert process(admin_api)["transitions"][1]["when"] == "seats == '9'"


def test_a_step_of_the_guard_builder_keeps_the_process_form_inputs(page, admin_api):
    branched(page, admin_api)
    response = page.post(
        "/designer/fleet/vehicle/condition",
        data={
            "csrf_token": csrf(page),
            "cond_key": "guard-approve@step_1.step_2",
            "cond_save": f"{PAGE}/ops",
            "cond_target": "#process-builder",
            "mode": "visual",
            "step": "add",
            "action": "set",
            "part": "guard",
            "node": "t:approve@step_1>step_2",
            "view": "flow",
        },
    )
    html = response.get_data(as_text=True)
    assert 'name="part" value="guard"' in html
    assert 'name="node" value="t:approve@step_1&gt;step_2"' in html
    assert html.count('name="row_field"') == 1


def test_the_group_controls_speak_chinese(page, admin_api, designer):
    post(page, admin_api, action="parallel", edge="submit@draft>approved")
    html = designer("zh-CN").get(PAGE).get_data(as_text=True)
    for word in ("并行分支", "添加分支", "分支汇合", "所有分支完成后"):
        assert word in html


def test_a_parallel_branch_gets_a_title_and_a_builder_made_condition(page, admin_api):
    post(page, admin_api, action="parallel", edge="submit@draft>approved")
    html = page.get(f"{PAGE}?node=b:parallel_1/branch_2").get_data(as_text=True)
    assert 'data-cond="lane-parallel_1.branch_2"' in html and "Starts when" in html
    node = {"action": "set", "part": "guard", "node": "b:parallel_1/branch_2"}
    post(page, admin_api, **node, mode="visual", row_field="seats", row_op="eq", row_value="9")
    post(page, admin_api, **node, **{"label_en": "Finance", "label_zh-CN": "财务"})
    fork = next(s for s in process(admin_api)["states"] if s["name"] == "parallel_1")
    assert fork["parallel"]["branches"][1] == {
        "name": "branch_2",
        "label": {"en": "Finance", "zh-CN": "财务"},
        "steps": ["step_2"],
        "when": "seats == '9'",
    }
    assert errors(admin_api) == []


def test_the_join_node_sets_when_the_branches_join(page, admin_api):
    post(page, admin_api, action="parallel", edge="submit@draft>approved")
    html = page.get(f"{PAGE}?node=j:parallel_1").get_data(as_text=True)
    assert 'data-part="join"' in html
    join = {"action": "set", "part": "join", "node": "j:parallel_1"}
    html = post(page, admin_api, **join, join="first", first="1", on_reject="branch")
    assert "when 1 branch is done" in html
    parallel = process(admin_api)["states"][1]["parallel"]
    assert parallel["join"] == {"first": 1} and parallel["on_reject"] == "branch"
    assert errors(admin_api) == []
    html = post(page, admin_api, status=422, **join, join="first", first="5", on_reject="all")
    assert "Save: Give a number of branches from 1 to 2." in html


def test_the_parallel_state_has_a_panel_of_its_own(page, admin_api, designer):
    post(page, admin_api, action="parallel", edge="submit@draft>approved")
    html = page.get(f"{PAGE}?node=parallel_1").get_data(as_text=True)
    panel = html[html.index('<div class="ff-panel" data-node="parallel_1">') :]
    assert 'data-part="join"' in panel and 'data-part="label"' in panel
    assert "node=b:parallel_1/branch_1" in panel and "node=b:parallel_1/branch_2" in panel
    for step_part in ('data-part="assignees"', 'data-part="cc"', 'data-part="sla"', ">Approvers<"):
        assert step_part not in panel
    node = {"action": "set", "node": "parallel_1"}
    post(page, admin_api, **node, part="join", join="any", on_reject="branch")
    html = post(page, admin_api, **node, part="label", label_en="Checks", **{"label_zh-CN": "核查"})
    assert '<div class="ff-panel" data-node="parallel_1">' in html
    fork = process(admin_api)["states"][1]
    assert fork["label"] == {"en": "Checks", "zh-CN": "核查"}
    assert fork["parallel"]["join"] == "any" and fork["parallel"]["on_reject"] == "branch"
    html = post(page, admin_api, status=422, **node, part="cc", kind_0="role", value_0="boss")
    assert "runs parallel branches" in html and "cc" not in process(admin_api)["states"][1]
    html = designer("zh-CN").get(f"{PAGE}?node=parallel_1").get_data(as_text=True)
    assert "分支" in html and "审批人、抄送和时限在分支的节点上设置" in html
