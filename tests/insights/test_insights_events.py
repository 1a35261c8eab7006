"""A process's event log for process mining: CSV and XES with case, activity, timestamp,
resource, role, lifecycle and process version, streamed, scoped like the figures, and
linked from the insights page."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from formflow.auth import create_department
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.helpers import problem
from support.process_helpers import LEAVE
from support.web_support import sign_in

EVENTS = "/api/v1/insights/flow/leave_flow/events"
XES = "{http://www.xes-standard.org/}"


@pytest.fixture
def approved(flow, staff):
    record = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
    flow.act(staff.emp, LEAVE, record["id"], "submit")
    flow.act(staff.boss, LEAVE, record["id"], "approve")
    return record["id"]


def test_the_csv_has_the_process_mining_columns(admin_api, approved):
    response = admin_api.get(f"{EVENTS}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["case_id", "activity", "timestamp", "resource", "role",
                             "lifecycle", "process_version"]
    assert [(r["activity"], r["resource"], r["role"], r["lifecycle"]) for r in rows] == [
        ("start", "emp", "requester", "start"),
        ("submit", "emp", "requester", "complete"),
        ("approve", "boss", "user", "complete"),
    ]
    assert {r["process_version"] for r in rows} == {"1"}
    assert rows[0]["timestamp"].endswith("Z")


def test_the_xes_log_has_one_trace_per_case(admin_api, flow, staff, approved):
    flow.create(staff.emp, LEAVE, kind="sick", days=1, reason="Flu")
    response = admin_api.get(f"{EVENTS}.xes")
    assert response.status_code == 200
    log = ET.fromstring(response.get_data())  # noqa: S314 (our own output)
    traces = log.findall(f"{XES}trace")
    assert len(traces) == 2
    first = traces[0].findall(f"{XES}event")
    keys = {e.get("key"): e.get("value") for e in first[2]}
    assert keys["concept:name"] == "approve" and keys["org:resource"] == "boss"
    assert keys["lifecycle:transition"] == "complete" and keys["process_version"] == "1"


def test_a_department_head_gets_only_their_departments_cases(
        runtime, api_as, make_user, flow, staff, approved):
    with runtime.db.write() as conn:
        create_department(conn, "OPS", "Operations", head="pat")
    opsy = make_user("opsy", department="OPS", manager="boss", password=None)
    flow.create(opsy, LEAVE, kind="annual", days=2, reason="Trip")
    rows = list(csv.DictReader(io.StringIO(
        api_as(staff.pat).get(f"{EVENTS}.csv").get_data(as_text=True))))
    assert {r["resource"] for r in rows} == {"opsy"}


def test_anyone_else_is_refused(api_as, staff, approved):
    problem(api_as(staff.emp).get(f"{EVENTS}.xes"), 403)


def test_the_insights_page_links_both_formats(client, make_user, approved):
    make_user("hrm", roles=["hr_manager"])
    sign_in(client, "hrm")
    html = client.get("/insights/flow/leave_flow").get_data(as_text=True)
    assert f'href="{EVENTS}.csv"' in html and f'href="{EVENTS}.xes"' in html
    assert client.get(f"{EVENTS}.csv").status_code == 200  # the session is enough
