"""The approver's inbox: each to-do row shows the requester, the record's key fields,
its amount, how long it has waited and its deadline; the list filters and searches;
tasks are decided from it with one click or approved several at once (each through the
process service, refusals reported per row); the page costs the same statements however
many tasks wait; and an action's dialog shows the approval chain ahead."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from formflow.auth.users import set_profile
from support.flow_fixtures import database_url, flow, metadata_path, template  # noqa: F401 (fixtures)
from support.helpers import counting_queries
from support.process_helpers import CLAIM, LEAVE, open_task_id
from support.web_support import HTMX, csrf, html_of

TRIP = "flow.trip"


@pytest.fixture
def staff(runtime, make_user):
    """emp (display name Emma) reports to boss; fin1, fin2 are finance.  All sign in."""
    boss = make_user("boss")
    emp = make_user("emp", manager="boss")
    with runtime.db.write() as conn:
        set_profile(conn, emp.id, display_name="Emma Wu", email=None, language=None)
    return SimpleNamespace(boss=boss, emp=emp, fin1=make_user("fin1", roles=["finance"]),
                           fin2=make_user("fin2", roles=["finance"]), pat=make_user("pat"))


def leave(flow, staff, days: int = 2) -> int:
    record = flow.create(staff.emp, LEAVE, kind="annual", days=days, reason="Trip")
    flow.act(staff.emp, LEAVE, record["id"], "submit")
    return record["id"]


def trip(flow, staff, destination: str = "Hangzhou", budget: str = "1234.50") -> int:
    record = flow.create(staff.emp, TRIP, destination=destination, traveller="emp", budget=budget)
    flow.act(staff.emp, TRIP, record["id"], "submit")
    return record["id"]


def test_a_row_shows_requester_key_fields_amount_waiting_and_due(flow, staff, as_user):
    trip_id = trip(flow, staff)
    leave(flow, staff)

    html = html_of(as_user("boss").get("/inbox"))

    row = html[html.index(f'id="task-{open_task_id(flow, TRIP, trip_id, "boss")}"'):]
    row = row[:row.index("</li>")]
    assert "Requested by Emma Wu" in row
    assert re.search(r"Destination:</dt><dd[^>]*>Hangzhou<", row)
    assert re.search(r"Traveller:</dt><dd[^>]*>Emma Wu<", row)
    assert "1,234.50" in row and 'class="fw-semibold ff-amount"' in row
    assert "Waiting under a minute" in row
    assert 'data-action="approve"' in row and 'data-action="reject"' in row


def test_the_inbox_rows_speak_chinese(flow, staff, as_user):
    trip(flow, staff)

    html = html_of(as_user("boss", lang="zh-CN").get("/inbox"))

    assert "发起人：Emma Wu" in html and "等待" in html and "批量同意" in html


def test_approving_from_the_inbox_decides_through_the_process(flow, staff, as_user):
    leave_id = leave(flow, staff)
    boss = as_user("boss")

    response = boss.post(f"/inbox/tasks/{open_task_id(flow, LEAVE, leave_id, 'boss')}/decide",
                         data={"csrf_token": csrf(boss), "action": "approve",
                               "comment": "Enjoy"}, headers=HTMX)

    assert response.status_code == 200
    assert "Done." in html_of(response) and f'/flow/leave/{leave_id}"' not in html_of(response)
    assert flow.state(LEAVE, leave_id) == "approved"
    assert flow.events(LEAVE, leave_id)[-1].comment == "Enjoy"


def test_a_decision_needing_a_comment_is_refused_in_its_row(flow, staff, as_user):
    leave_id = leave(flow, staff)
    task_id = open_task_id(flow, LEAVE, leave_id, "boss")
    boss = as_user("boss", lang="zh-CN")

    response = boss.post(f"/inbox/tasks/{task_id}/decide",
                         data={"csrf_token": csrf(boss), "action": "reject"}, headers=HTMX)

    assert response.status_code == 422
    assert re.search(r'ff-row-error" role="alert">[^<]*必填', html_of(response))
    assert flow.state(LEAVE, leave_id) == "manager_review"


def test_nobody_decides_a_task_of_someone_else_from_the_inbox(flow, staff, as_user):
    leave_id = leave(flow, staff)
    pat = as_user("pat")

    response = pat.post(f"/inbox/tasks/{open_task_id(flow, LEAVE, leave_id, 'boss')}/decide",
                        data={"csrf_token": csrf(pat), "action": "approve"}, headers=HTMX)

    assert response.status_code == 404
    assert flow.state(LEAVE, leave_id) == "manager_review"


def test_batch_approval_decides_each_and_reports_the_refused_rows(flow, staff, as_user):
    first, second, gone = leave(flow, staff), leave(flow, staff), leave(flow, staff)
    ids = [open_task_id(flow, LEAVE, record_id, "boss") for record_id in (first, second, gone)]
    flow.act(staff.emp, LEAVE, gone, "withdraw")  # the step moved meanwhile
    boss = as_user("boss")

    response = boss.post("/inbox/approve", data={"csrf_token": csrf(boss), "task": ids,
                                                 "comment": "OK"}, headers=HTMX)

    html = html_of(response)
    assert response.status_code == 200
    assert "Approved 2 of 3." in html and "ff-row-error" not in html  # the row has left
    assert [flow.state(LEAVE, r) for r in (first, second, gone)] == [
        "approved", "approved", "draft"]


def test_batch_approval_is_offered_only_where_the_step_needs_no_input(flow, staff, as_user):
    claim = flow.create(staff.emp, CLAIM, amount="20", purpose="Taxi")
    flow.act(staff.emp, CLAIM, claim["id"], "submit")
    leave_id = leave(flow, staff)
    boss_html = html_of(as_user("boss").get("/inbox"))
    fin_html = html_of(as_user("fin1").get("/inbox"))

    assert f'value="{open_task_id(flow, LEAVE, leave_id, "boss")}" form="inbox-batch"' in boss_html
    assert 'form="inbox-batch"' in fin_html  # a countersign vote is a plain approve


def test_the_to_do_list_filters_by_process_and_step_and_searches(flow, staff, as_user):
    trip_id, leave_id = trip(flow, staff, destination="Lhasa"), leave(flow, staff)
    boss = as_user("boss")
    trip_url, leave_url = f'/flow/trip/{trip_id}"', f'/flow/leave/{leave_id}"'

    by_process = html_of(boss.get("/inbox?process=flow.trip_flow"))
    by_state = html_of(boss.get("/inbox?state=manager_review&app=flow"))
    searched = html_of(boss.get("/inbox?q=lhasa"))
    nothing = html_of(boss.get("/inbox?q=nowhere"))

    assert trip_url in by_process and leave_url not in by_process
    assert trip_url in by_state and leave_url in by_state
    assert trip_url in searched and leave_url not in searched
    assert "No task matches these filters." in nothing
    assert '<option value="flow.trip_flow"' in by_process


def test_the_to_do_tab_costs_the_same_statements_for_two_or_eight_tasks(
    runtime, flow, staff, as_user
):
    boss = as_user("boss")
    counts = []
    for _ in range(2):
        for _ in range(2 if not counts else 3):
            leave(flow, staff)
            trip(flow, staff)
        boss.get("/inbox")  # warm caches (metadata, registry)
        with counting_queries(runtime.db.engine) as statements:
            assert boss.get("/inbox").status_code == 200
        counts.append(len([s for s in statements if s != "BEGIN"]))

    assert counts[0] == counts[1]


def test_the_submit_dialog_shows_the_approval_chain_with_its_people(flow, staff, as_user):
    record = flow.create(staff.emp, LEAVE, kind="annual", days=5, reason="Trip")

    html = html_of(as_user("emp").get(f"/flow/leave/{record['id']}/actions/submit",
                                      headers=HTMX))

    chain = html[html.index('id="chain-title"'):html.index("</section>")]
    assert re.findall(r'class="badge ff-step[^"]*">([^<]+)<', chain) == [
        "Manager review", "Hr review", "Approved"]
    assert 'ff-chain-people">boss<' in chain


def test_the_chain_leaves_out_the_requester_and_names_the_stand_in(
    runtime, flow, staff, admin, as_user
):
    record = flow.create(staff.boss, TRIP, destination="Xiamen", traveller="emp")

    steps = runtime.process.chain(staff.boss, TRIP, record["id"], "submit")

    assert [(s.state, s.people, s.flagged) for s in steps[:1]] == [
        ("manager_review", ("Administrator",), True)]


def test_each_tab_shows_a_page_at_a_time(flow, staff, as_user, monkeypatch):
    monkeypatch.setattr("formflow.web.process.inbox.PER_PAGE", 2)
    ids = [leave(flow, staff) for _ in range(3)]
    boss = as_user("boss")
    first = html_of(boss.get("/inbox"))
    assert first.count('class="list-group-item') == 2 and 'rel="next"' in first
    second = html_of(boss.get("/inbox?page=2"))
    assert second.count('class="list-group-item') == 1
    assert 'rel="prev"' in second and 'rel="next"' not in second
    for record_id in ids:
        flow.act(staff.boss, LEAVE, record_id, "approve")
    done = html_of(boss.get("/inbox?tab=done&page=2"))
    assert done.count("<tr class=") == 1 and 'rel="prev"' in done
    assert html_of(boss.get("/inbox?page=999")).count('class="list-group-item') == 0

