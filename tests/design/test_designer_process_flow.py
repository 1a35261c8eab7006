"""The process builder's reading of a process document as a flow (conditional branches
meeting again, CC, parallel states, moves back) and the operations of its ⊕ menu."""

from __future__ import annotations

import json

from formflow.design.operations import apply_ops
from formflow.web.designer_process_model import Flow
from formflow.web.designer_process_ops import remove_step
from support import SHIPPED_APPS

LEAVE = {
    "name": "leave",
    "entity": "leave_request",
    "start": "draft",
    "states": [
        {"name": "draft", "editable": "*"},
        {"name": "manager_review", "assignees": [{"manager_of": "_created_by"}]},
        {"name": "hr_review", "assignees": [{"role": "hr"}], "cc": [{"field": "employee"}]},
        {"name": "approved", "final": True},
        {"name": "rejected", "final": True},
    ],
    "transitions": [
        {"name": "submit", "from": "draft", "to": "manager_review", "by": "creator"},
        {"name": "approve", "from": "manager_review", "to": "hr_review", "when": "days > 3"},
        {"name": "approve", "from": "manager_review", "to": "approved"},
        {"name": "approve", "from": "hr_review", "to": "approved"},
        {"name": "reject", "from": ["manager_review", "hr_review"], "to": "rejected"},
        {"name": "send_back", "from": ["manager_review", "hr_review"], "to": "@previous"},
    ],
}


def shape(items) -> list:
    """Items as (kind, state) with branches nested."""
    return [
        [shape(b.items) for b in item.branches]
        if item.kind == "condition"
        else (item.kind, item.state)
        for item in items
    ]


def test_conditional_branches_meet_again_where_every_branch_leads():
    assert shape(Flow(LEAVE).items()) == [
        ("start", "draft"),
        ("add", "draft"),
        ("step", "manager_review"),
        [
            [
                ("add", "manager_review"),
                ("cc", "hr_review"),
                ("step", "hr_review"),
                ("add", "hr_review"),
            ],
            [("add", "manager_review")],
        ],
        ("end", "approved"),
    ]


def test_a_parallel_state_is_a_node_and_leaves_by_join():
    path = SHIPPED_APPS / "oa" / "processes" / "contract_approval.json"
    flow = Flow(json.loads(path.read_text()))
    kinds = shape(flow.items())
    assert ("parallel", "review") in kinds
    assert flow.main_action("review") == "join"


def test_removing_the_only_step_of_a_branch_removes_the_branch():
    ops = remove_step("leave", LEAVE, "hr_review")
    after = apply_ops({"processes/leave.json": LEAVE}, ops)["processes/leave.json"]
    assert [(t["name"], t["from"], t["to"]) for t in after["transitions"]] == [
        ("submit", "draft", "manager_review"),
        ("approve", "manager_review", "approved"),
        ("reject", ["manager_review"], "rejected"),
        ("send_back", ["manager_review"], "@previous"),
    ]
    assert "hr_review" not in [s["name"] for s in after["states"]]


def test_a_parallel_states_branches_are_walked_to_the_join():
    path = SHIPPED_APPS / "oa" / "processes" / "contract_approval.json"
    flow = Flow(json.loads(path.read_text()))
    review = next(item for item in flow.items() if item.state == "review")
    lanes = [(lane.name, [(i.kind, i.state) for i in lane.items]) for lane in review.lanes]
    assert lanes == [
        ("legal", [("step", "legal_review"), ("add", "legal_review")]),
        ("finance", [("step", "finance_review"), ("add", "finance_review")]),
    ]
    assert review.lanes[0].items[1].edge.target == "@join"
