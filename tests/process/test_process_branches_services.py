"""Parallel branches seen from around the engine: the record API's ``_states``, the
history, task lists, the SLA timers of each branch's steps, and the diagram."""

from __future__ import annotations

from datetime import timedelta

from formflow.fields.columns import utcnow
from support.branch_fixtures import (  # noqa: F401 (fixtures)
    DEAL,
    database_url,
    flow,
    metadata_path,
    staff,
    submitted,
    template,
)


def test_the_record_api_lists_every_active_step(flow, staff, api_as):
    deal = submitted(flow, staff)
    api = api_as(staff.ann)

    record = api.get(f"/api/v1/fork/deal/{deal}").get_json()
    assert record["_state"] == "review"
    assert record["_states"] == ["legal_review", "finance_review", "ops_review"]
    items = api.get("/api/v1/fork/deal").get_json()["items"]
    assert items[0]["_states"] == ["legal_review", "finance_review", "ops_review"]

    acted = api_as(staff.otto).post(f"/api/v1/fork/deal/{deal}/actions/approve", json={})
    assert acted.status_code == 200
    assert acted.get_json()["_states"] == ["legal_review", "finance_review"]
    draft = api.post("/api/v1/fork/deal", json={"subject": "Other"}).get_json()
    assert draft["_states"] == ["draft"]
    echoed = api.patch(f"/api/v1/fork/deal/{draft['id']}", json={**draft, "subject": "New"})
    assert echoed.status_code == 200, echoed.get_json()
    assert echoed.get_json()["_states"] == ["draft"]


def test_actions_offer_each_assignee_their_own_branch_steps(flow, staff, api_as):
    deal = submitted(flow, staff)

    legal = api_as(staff.lena).get(f"/api/v1/fork/deal/{deal}/actions").get_json()["items"]
    finance = api_as(staff.fay).get(f"/api/v1/fork/deal/{deal}/actions").get_json()["items"]
    assert {a["name"] for a in legal if a["kind"] == "transition"} == {"approve", "reject"}
    assert [a["fields"] for a in legal if a["name"] == "approve"] == [["legal_note"]]
    assert {a["name"] for a in finance if a["kind"] == "transition"} == {
        "approve", "reject", "send_back"}


def test_a_stale_step_in_the_body_is_a_conflict(flow, staff, api_as):
    deal = submitted(flow, staff)
    flow.act(staff.otto, DEAL, deal, "approve")

    response = api_as(staff.lena).post(f"/api/v1/fork/deal/{deal}/actions/approve",
                                       json={"state": "ops_review"})
    assert response.status_code == 409
    assert flow.holders(DEAL, deal).count("lena") == 1


def test_history_names_the_branch_of_each_event(runtime, flow, staff):
    deal = submitted(flow, staff)
    flow.act(staff.otto, DEAL, deal, "approve", comment="Ready")

    events = [e for e in runtime.process.history(staff.ann, DEAL, deal) if e["kind"] == "event"]
    assert [(e["action"], e["from"], e["to"], e["branch"]) for e in events][-4:] == [
        ("fork", "review", "legal_review", "legal"),
        ("fork", "review", "finance_review", "finance"),
        ("fork", "review", "ops_review", "ops"),
        ("approve", "ops_review", "review", "ops"),
    ]


def test_every_branch_assignee_is_notified_and_sees_the_task_in_their_inbox(
    runtime, flow, staff
):
    deal = submitted(flow, staff)

    for person, step in ((staff.lena, "legal_review"), (staff.fay, "finance_review"),
                         (staff.otto, "ops_review")):
        tasks = runtime.process.tasks(person)
        assert [(t["record_id"], t["state"]) for t in tasks] == [(deal, step)]
    for person in (staff.lena, staff.fay, staff.otto):
        assert [n.kind for n in flow.notifications(person)] == ["task"]
    progress = runtime.process.progress(staff.ann, DEAL, deal)
    assert sorted(t["assignee"] for t in progress["tasks"]) == [
        "fay", "fred", "lena", "leo", "otto"]


def test_a_branch_step_past_its_sla_is_decided_by_the_system(runtime, flow, staff):
    deal = submitted(flow, staff)

    report = runtime.sla.tick(now=utcnow() + timedelta(hours=2))

    assert report.auto_actions == 1
    assert flow.state(DEAL, deal) == "review"
    assert ("approve", "finance_review", "review") in flow.moves(DEAL, deal)
    assert {t.state for t in flow.tasks(DEAL, deal) if t.status == "open"} == {
        "legal_review", "ops_review"}
    assert runtime.sla.tick(now=utcnow() + timedelta(hours=2)).breaches == 0


def test_the_record_page_shows_every_active_step_and_who_it_waits_for(flow, staff, as_user):
    deal = submitted(flow, staff)
    flow.act(staff.otto, DEAL, deal, "approve")
    staff_client = as_user("ann")

    html = staff_client.get(f"/fork/deal/{deal}").get_data(as_text=True)

    assert html.count('aria-current="step"') == 3  # the parallel state and two steps
    assert "started the parallel step “Operations review”" in html
    assert 'data-from="review" data-to="ops_review"' in html
    assert 'data-from="ops_review" data-to="review"' in html
    steps = html.split('class="text-body-secondary ff-pending-step">')[1:]
    assert sorted(step.split(":")[0] for step in steps) == [
        "Finance review", "Finance review", "Legal review", "Legal review"]


def test_the_chain_ahead_of_a_submit_lists_each_branch_that_would_start(runtime, flow, staff):
    deal = flow.create(staff.ann, DEAL, subject="Small", amount="200")["id"]

    chain = runtime.process.chain(staff.ann, DEAL, deal, "submit")

    assert [(s.state, s.people) for s in chain] == [
        ("review", ()), ("legal_review", ("lena", "leo")), ("ops_review", ("otto",)),
        ("signing", ("dora",)), ("done", ())]


def test_an_admin_hands_a_branch_task_to_someone_else(runtime, flow, staff, admin):
    deal = submitted(flow, staff)
    [task] = [t for t in flow.tasks(DEAL, deal) if t.username == "otto"]

    runtime.process.reassign(admin, task.id, {"user": "pat"})

    assert {(t.state, t.username) for t in flow.tasks(DEAL, deal) if t.status == "open"} >= {
        ("ops_review", "pat")}
    flow.act(staff.pat, DEAL, deal, "approve")
    assert "ops_review" not in runtime.process.progress(staff.ann, DEAL, deal)["states"]


def test_a_deactivated_branch_assignee_hands_the_task_on(runtime, flow, staff, admin):
    deal = submitted(flow, staff)

    with runtime.db.write() as conn:
        runtime.process.user_deactivated(conn, admin, staff.otto.id)

    ops = [(t.username, t.status) for t in flow.tasks(DEAL, deal) if t.state == "ops_review"]
    assert ("otto", "cancelled") in ops and any(s == "open" for _, s in ops)


def test_the_live_view_counts_waits_per_branch_step_and_lists_the_case(
    runtime, flow, staff, admin
):
    deal = submitted(flow, staff)

    live = runtime.monitor.live(admin, "fork", "deal_flow")

    assert live["in_flight"] == {"review": 1}
    assert {state: w["tasks"] for state, w in live["waiting"].items()} == {
        "legal_review": 2, "finance_review": 2, "ops_review": 1}
    assert [row["record_id"] for row in live["oldest"]] == [deal]
