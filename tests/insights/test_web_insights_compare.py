"""The comparison page: cycle times as server-drawn box plots with their numbers in a
table, the per-step table, what changed between two process versions, and no verdict
below 30 cases a side."""

from __future__ import annotations

import pytest

from formflow.insights.version_diff import diff
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.process_helpers import LEAVE
from support.web_support import sign_in

COMPARE = "/insights/flow/leave_flow/compare?a=version:1&b=version:1"


@pytest.fixture
def finished(flow, staff):
    for _ in range(2):
        record = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
        flow.act(staff.emp, LEAVE, record["id"], "submit")
        flow.act(staff.boss, LEAVE, record["id"], "approve")


@pytest.fixture
def manager_client(client, make_user):
    make_user("hrm", roles=["hr_manager"])
    sign_in(client, "hrm")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize("lang, words", [("en", "How cycle times spread"),
                                         ("zh-CN", "办理时长分布")])
def test_cycle_times_are_drawn_as_box_plots_beside_their_numbers(
        manager_client, finished, lang, words):
    html = manager_client.get(COMPARE, headers={"Accept-Language": lang}).get_data(
        as_text=True)
    assert words in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="cycle-box-plot"' in html
    assert html.count('class="ff-box"') == 2 and "<title>" in html
    assert 'id="spread"' in html


def test_the_steps_of_both_sides_are_tabled(manager_client, finished):
    html = manager_client.get(COMPARE).get_data(as_text=True)
    assert 'id="compare-steps"' in html and 'data-state="manager_review"' in html


def test_two_versions_show_what_changed_and_no_verdict_below_30_cases(manager_client, finished):
    html = manager_client.get(COMPARE).get_data(as_text=True)
    assert "The two versions define the same process." in html
    assert 'data-verdict="better"' not in html and 'data-verdict="none"' in html


def test_a_period_has_no_version_changes_and_no_box_plot_without_cases(manager_client):
    html = manager_client.get("/insights/flow/leave_flow/compare?a=version:1&"
                              "b=period:2000-01-01..2000-01-31").get_data(as_text=True)
    assert 'id="h-changes"' not in html and 'id="cycle-box-plot"' not in html


def test_the_version_diff_names_added_removed_and_changed_parts():
    before = {"name": "p", "withdraw": True, "states": [
        {"name": "draft"}, {"name": "review", "assignees": [{"role": "a"}]},
        {"name": "legal"}, {"name": "done", "final": True}],
        "transitions": [{"name": "submit", "from": "draft", "to": "review"},
                        {"name": "approve", "from": "review", "to": "legal"}]}
    after = {"name": "p", "withdraw": False, "states": [
        {"name": "draft"}, {"name": "review", "assignees": [{"role": "b"}], "label": "R"},
        {"name": "done", "final": True}, {"name": "archived", "final": True}],
        "transitions": [{"name": "submit", "from": "draft", "to": "review"},
                        {"name": "approve", "from": "review", "to": "done"}]}
    assert diff(before, after) == [
        {"kind": "changed", "part": "process", "name": "p", "keys": ["withdraw"]},
        {"kind": "changed", "part": "state", "name": "review", "keys": ["assignees"]},
        {"kind": "added", "part": "state", "name": "archived", "keys": []},
        {"kind": "removed", "part": "state", "name": "legal", "keys": []},
        {"kind": "changed", "part": "transition", "name": "approve@review", "keys": ["to"]},
    ]
