"""The process figures through the REST API and the CLI: live cases of the flow app, who
may see them (admins, the process's managers, department heads for their department),
versions and periods, baselines imported from CSV, and comparisons."""

from __future__ import annotations

import pytest

from formflow.auth import create_department
from formflow.cli import main
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.helpers import problem
from support.process_helpers import LEAVE

FIGURES = "/api/v1/insights/flow/leave_flow"


def leave(flow, user, days=2):
    record = flow.create(user, LEAVE, kind="annual", days=days, reason="Trip")
    flow.act(user, LEAVE, record["id"], "submit")
    return record["id"]


@pytest.fixture
def cases(flow, staff):
    """Four leaves of emp: approved at once, rejected, sent back then approved, open."""
    approved = leave(flow, staff.emp)
    flow.act(staff.boss, LEAVE, approved, "approve")
    rejected = leave(flow, staff.emp)
    flow.act(staff.boss, LEAVE, rejected, "reject", comment="No")
    reworked = leave(flow, staff.emp)
    flow.act(staff.boss, LEAVE, reworked, "send_back", comment="Dates?")
    flow.act(staff.emp, LEAVE, reworked, "submit")
    flow.act(staff.boss, LEAVE, reworked, "approve")
    leave(flow, staff.emp)


def test_an_admin_sees_the_figures_of_every_case(admin_api, cases):
    response = admin_api.get(FIGURES)
    assert response.status_code == 200
    figures = response.get_json()
    assert figures["cases"] == {"started": 4, "completed": 3, "in_flight": 1}
    assert figures["rework_rate"] == 0.25
    assert figures["rejection_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["first_pass_yield"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["cycle_time_hours"]["p50"] is not None
    assert {s["name"] for s in figures["states"]} >= {"draft", "manager_review", "approved"}
    assert sum(v["count"] for v in figures["variants"]) == 4


def test_a_manager_role_of_the_process_sees_the_figures(api_as, staff, cases):
    assert api_as(staff.hr1).get(FIGURES).status_code == 200


def test_anyone_else_is_refused(api_as, staff, cases):
    problem(api_as(staff.emp).get(FIGURES), 403)


def test_a_department_head_sees_only_the_cases_of_their_department(
        runtime, make_user, flow, staff, api_as, cases):
    with runtime.db.write() as conn:
        create_department(conn, "OPS", "Operations", head="pat")
    opsy = make_user("opsy", department="OPS", manager="boss", password=None)
    leave(flow, opsy)
    figures = api_as(staff.pat).get(FIGURES).get_json()
    assert figures["cases"] == {"started": 1, "completed": 0, "in_flight": 1}


def test_a_version_or_a_period_selects_cases(admin_api, cases):
    assert admin_api.get(f"{FIGURES}?version=1").get_json()["cases"]["started"] == 4
    assert admin_api.get(f"{FIGURES}?version=2").get_json()["cases"]["started"] == 0
    assert admin_api.get(f"{FIGURES}?from=2000-01-01&to=2000-12-31").get_json()[
        "cases"]["started"] == 0


@pytest.mark.parametrize("query", ["version=0", "version=x", "from=2026-13-01", "to=tomorrow"])
def test_a_malformed_selection_is_a_clear_422(admin_api, query):
    body = problem(admin_api.get(f"{FIGURES}?{query}"), 422)
    assert set(body["errors"]) & {"version", "from", "to"}


def test_an_unknown_process_is_a_404(admin_api):
    problem(admin_api.get("/api/v1/insights/flow/nothing"), 404)


BASELINE = """case_id,activity,timestamp,resource
A,Drafted,2025-06-02T09:00:00Z,ann
A,Manager,2025-06-02T10:00:00Z,ann
A,Done,2025-06-03T10:00:00Z,bob
B,Drafted,2025-06-02T09:00:00Z,ann
B,Manager,2025-06-02T10:00:00Z,ann
B,Drafted,2025-06-04T10:00:00Z,bob
"""
MAPPING = "activity,state\nDrafted,draft\nManager,manager_review\nDone,approved\n"


def import_baseline(runner, tmp_path, text=BASELINE, mapping=MAPPING):
    log, names = tmp_path / "old.csv", tmp_path / "map.csv"
    log.write_text(text, encoding="utf-8")
    names.write_text(mapping, encoding="utf-8")
    return runner.invoke(main, ["insights", "import-baseline", str(log), "--process",
                               "flow.leave_flow", "--label", "v0 (before)", "--map", str(names)])


def test_a_baseline_imported_from_csv_is_compared_with_a_version(
        runner, tmp_path, admin_api, cases):
    result = import_baseline(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "6 events imported" in result.output
    response = admin_api.get(f"{FIGURES}/compare?a=baseline:v0 (before)&b=version:1")
    assert response.status_code == 200
    body = response.get_json()
    assert body["a"]["cases"] == {"started": 2, "completed": 1, "in_flight": 1}
    assert body["a"]["rework_rate"] == 0.5
    assert body["a"]["cycle_time_hours"]["p50"] == 25.0
    assert body["b"]["cases"]["started"] == 4
    assert body["difference"]["rework_rate"] == pytest.approx(0.25 - 0.5)
    assert body["enough_data"] is False


def test_a_baseline_with_an_unknown_activity_is_refused_naming_the_line(runner, tmp_path):
    result = import_baseline(runner, tmp_path, mapping="activity,state\nDrafted,draft\n"
                             "Manager,nowhere\n")
    assert result.exit_code == 1
    assert "line 3" in result.output and "nowhere" in result.output


def test_an_unknown_comparison_source_is_a_422(admin_api):
    body = problem(admin_api.get(f"{FIGURES}/compare?a=version:1&b=yesterday"), 422)
    assert "b" in body["errors"]


def test_a_missing_baseline_is_a_404(admin_api):
    problem(admin_api.get(f"{FIGURES}?baseline=nothing"), 404)
