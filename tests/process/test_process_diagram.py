"""The process diagram, a pure module: layered layout of the process graph from start,
arrows routed around the boxes, final states distinguished, the current state and the
path taken marked, every text escaped."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formflow.metadata.loader import build_process
from formflow.web.process.diagram import diagram, fit, layout, svg, text_width
from support.process_helpers import PROCESS_APPS


def process_of(app: str, name: str):
    path = PROCESS_APPS / app / "processes" / f"{name}.json"
    return build_process(app, json.loads(path.read_text()))


def make(states, transitions, start="a", **extra):
    """A process from short lists: states as names (``"z!"`` is final)."""
    return build_process(
        "t",
        {
            "name": "p",
            "entity": "e",
            "start": start,
            "states": [
                {"name": s.rstrip("!"), "final": s.endswith("!")} if isinstance(s, str) else s
                for s in states
            ],
            "transitions": transitions,
            **extra,
        },
    )


def step(name, source, target, **extra):
    return {"name": name, "from": source, "to": target, **extra}


@pytest.fixture
def leave():
    return process_of("flow", "leave_flow")


def overlap(a, b) -> bool:
    return (
        a.x < b.x + b.width
        and b.x < a.x + a.width
        and a.y < b.y + b.height
        and b.y < a.y + a.height
    )


# -- layout -------------------------------------------------------------------------


def test_states_are_layered_by_their_longest_distance_from_start(leave):
    assert layout(leave).layers == (
        ("draft",),
        ("manager_review",),
        ("hr_review",),
        ("approved", "rejected"),
    )


def test_layers_run_left_to_right_and_boxes_never_overlap(leave):
    drawing = layout(leave)
    boxes = drawing.boxes
    assert boxes["draft"].x < boxes["manager_review"].x < boxes["hr_review"].x
    assert boxes["hr_review"].x < boxes["approved"].x == boxes["rejected"].x
    names = list(boxes)
    assert not any(overlap(boxes[a], boxes[b]) for a in names for b in names if a < b)
    for box in boxes.values():
        assert box.x >= 0 and box.x + box.width <= drawing.width
        assert box.y >= 0 and box.y + box.height <= drawing.height


def test_arrows_leading_back_are_set_apart(leave):
    kinds = {(a.source, a.target): a.kind for a in layout(leave).arrows}
    assert kinds[("draft", "manager_review")] == "forward"
    assert kinds[("manager_review", "draft")] == "back"  # send back to @previous
    assert kinds[("hr_review", "manager_review")] == "back"


def test_previous_leads_back_to_every_state_that_leads_in():
    process = make(
        ["a", "b", "c", "d!"],
        [
            step("go", "a", "c"),
            step("go", "b", "c"),
            step("skip", "a", "b"),
            step("back", "c", "@previous"),
            step("end", "c", "d"),
        ],
    )
    back = {(a.source, a.target) for a in layout(process).arrows if a.kind == "back"}
    assert back == {("c", "a"), ("c", "b")}


def test_a_long_arrow_passes_a_waypoint_in_each_layer_it_crosses(leave):
    arrows = {(a.source, a.target): a for a in layout(leave).arrows}
    # manager_review (layer 1) -> approved (layer 3): one curve per layer crossed
    assert arrows[("manager_review", "approved")].path.count("C") == 2
    assert arrows[("manager_review", "hr_review")].path.count("C") == 1


def test_transitions_between_the_same_states_share_an_arrow():
    process = make(["a", "b!"], [step("yes", "a", "b"), step("ok", "a", "b")])
    (arrow,) = layout(process).arrows
    assert arrow.label == "Yes / Ok"


def test_a_state_no_transition_reaches_is_still_drawn():
    process = make(["a", "b!", "lost"], [step("go", "a", "b"), step("out", "lost", "b")])
    assert set(layout(process).boxes) == {"a", "b", "lost"}


def test_a_transition_to_itself_is_a_loop():
    process = make(["a", "b!"], [step("poke", "a", "a"), step("go", "a", "b")])
    kinds = {(a.source, a.target): a.kind for a in layout(process).arrows}
    assert kinds[("a", "a")] == "loop"


def test_a_move_the_definition_does_not_draw_is_an_extra_arrow(leave):
    moves = [
        ("start", None, "draft"),
        ("submit", "draft", "manager_review"),
        ("cancel", "manager_review", "cancelled"),
    ]
    drawing = layout(leave, moves=moves, names={"cancel": "Cancel it", "cancelled": "Gone"})
    assert drawing.boxes["cancelled"].final and drawing.boxes["cancelled"].label == "Gone"
    (extra,) = [a for a in drawing.arrows if a.extra]
    assert (extra.source, extra.target, extra.label) == ("manager_review", "cancelled", "Cancel it")


def test_the_same_process_always_draws_the_same(leave):
    moves = [("submit", "draft", "manager_review")]
    assert diagram(leave, current="manager_review", moves=moves) == diagram(
        leave, current="manager_review", moves=moves
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=14))
def test_any_graph_lays_out_without_overlapping_boxes(pairs):
    names = [f"s{i}" for i in range(7)]
    process = make(
        names, [step(f"t{i}", f"s{a}", f"s{b}") for i, (a, b) in enumerate(pairs)], start="s0"
    )
    drawing = layout(process)
    boxes = list(drawing.boxes.values())
    assert len(boxes) == 7
    assert not any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert all(b.x + b.width <= drawing.width and b.y + b.height <= drawing.height for b in boxes)


# -- text ---------------------------------------------------------------------------


def test_labels_follow_the_language_and_names_fill_in_for_missing_ones():
    process = make(
        [{"name": "a", "label": {"en": "Review", "zh-CN": "审核"}}, "done!"],
        [step("approve", "a", "done")],
    )
    drawing = layout(process, lang="zh-CN", names={"approve": "同意", "done": "完成"})
    assert drawing.boxes["a"].label == "审核" and drawing.boxes["done"].label == "完成"
    assert drawing.arrows[0].label == "同意"
    assert layout(process, lang="en").boxes["a"].label == "Review"


def test_wide_characters_take_more_room_and_long_labels_are_cut():
    assert text_width("审批", 10) > text_width("ab", 10)
    assert fit("a" * 80, 10, 60).endswith("…") and text_width(fit("a" * 80, 10, 60), 10) <= 60
    assert fit("short", 10, 100) == "short"


def test_boxes_grow_with_their_labels_up_to_a_limit():
    process = make(
        [{"name": "a", "label": "A"}, {"name": "b", "label": "B" * 200, "final": True}],
        [step("go", "a", "b")],
    )
    boxes = layout(process).boxes
    assert boxes["a"].width < boxes["b"].width <= 210


# -- drawing --------------------------------------------------------------------------


def test_the_current_state_is_highlighted_and_the_path_taken_marked(leave):
    moves = [
        ("start", None, "draft"),
        ("submit", "draft", "manager_review"),
        ("approve", "manager_review", "hr_review"),
    ]
    drawing = diagram(leave, current="hr_review", moves=moves, title="Leave")
    assert re.findall(r'data-state="([a-z_]+)" aria-current="step"', drawing) == ["hr_review"]
    visited = set(
        re.findall(r'class="ff-node[^"]*ff-node-visited[^"]*" data-state="([a-z_]+)"', drawing)
    )
    assert visited == {"draft", "manager_review", "hr_review"}
    travelled = set(
        re.findall(r'ff-arrow-visited" data-from="([a-z_]+)" data-to="([a-z_]+)"', drawing)
    )
    assert travelled == {("draft", "manager_review"), ("manager_review", "hr_review")}


def test_final_states_have_a_double_border(leave):
    drawing = diagram(leave)
    final = re.search(
        r'<g class="ff-node ff-node-final" data-state="approved">(.*?)</g>', drawing
    ).group(1)
    plain = re.search(r'<g class="ff-node" data-state="hr_review">(.*?)</g>', drawing).group(1)
    assert final.count("<rect") == 2 and plain.count("<rect") == 1


def test_the_drawing_is_an_accessible_svg(leave):
    drawing = diagram(leave, title="Leave, now in review", id_prefix="p7")
    assert drawing.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in drawing and 'aria-labelledby="p7-title"' in drawing
    assert '<title id="p7-title">Leave, now in review</title>' in drawing
    assert 'id="p7-arrow"' in drawing and "url(#p7-arrow)" in drawing


def test_every_text_is_escaped():
    hostile = "<script>alert(1)</script>\"'&"
    process = make([{"name": "a", "label": hostile}, "b!"], [step("go", "a", "b", label=hostile)])
    drawing = diagram(process, title=hostile, current="a")
    assert "<script>" not in drawing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in drawing
    escaped = svg(layout(process), id_prefix='"><x')
    assert '"><x' not in escaped and "&quot;&gt;&lt;x-title" in escaped
