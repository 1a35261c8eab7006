"""Automations (智能助手): each trigger (create, update with a field filter, entering a
state, a schedule) and each action (create with line items, update a linked record,
notify, webhook); conditions; a failing action refusing its trigger with nothing
written; loops refused by ``formflow check`` and deep chains by the depth guard; the run
log and its admin page."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from formflow.automations import runner
from formflow.automations.log import automation_runs
from formflow.automations.triggers import Event, Triggers
from formflow.errors import ValidationFailed
from formflow.fields.columns import utcnow
from formflow.metadata.loader import collect_problems, load
from formflow.process.tables import notifications
from support import ROOT

APPS = ROOT / "tests" / "metadata" / "automations"
TICKET, NOTE, ACCOUNT = "desk.ticket", "desk.note", "desk.account"


@pytest.fixture
def metadata_path():
    return [str(APPS)]


@pytest.fixture
def people(make_user):
    return {"ann": make_user("ann"), "rex": make_user("rex", roles=["reviewer"])}


def create(runtime, user, entity, **values):
    return runtime.records.create(user, entity, values)


def rows(runtime, entity):
    tables = runtime.schema[entity]
    with runtime.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(tables.main).order_by(tables.main.c.id))]


def runs(runtime, automation=None):
    query = sa.select(automation_runs.c.automation, automation_runs.c.trigger,
                      automation_runs.c.record_id, automation_runs.c.status,
                      automation_runs.c.error).order_by(automation_runs.c.id)
    if automation:
        query = query.where(automation_runs.c.automation == automation)
    with runtime.db.read() as conn:
        return conn.execute(query).all()


def notified(runtime):
    with runtime.db.read() as conn:
        return conn.execute(sa.select(notifications.c.user_id, notifications.c.record_id).where(
            notifications.c.kind == "automation").order_by(notifications.c.id)).all()


# -- triggers, conditions, actions ----------------------------------------------------------


def test_a_created_record_runs_the_create_automation_when_its_condition_holds(runtime, people):
    create(runtime, people["ann"], TICKET, title="Printer jams")
    assert rows(runtime, NOTE) == []  # low priority: the condition does not hold
    urgent = create(runtime, people["ann"], TICKET, title="Server down", priority="high")
    [note] = rows(runtime, NOTE)
    assert (note["text"], note["ticket"], note["_created_by"]) == (
        "urgent: Server down", urgent["id"], people["ann"].id)
    assert [(r.automation, r.trigger, r.record_id, r.status) for r in runs(runtime)] == [
        ("desk.count_notes", "create", note["id"], "done"),  # set off by the new note
        ("desk.log_urgent", "create", urgent["id"], "done"),
    ]
    # ...which updated the ticket through the note's link.
    assert runtime.records.get(people["ann"], TICKET, urgent["id"])["notes"] == 1


def test_an_update_runs_only_when_a_watched_field_changed_and_the_condition_holds(
        runtime, people):
    rex = people["rex"]
    account = create(runtime, rex, ACCOUNT, name="Acme")
    ticket = create(runtime, rex, TICKET, title="Broken chair", account=account["id"])
    path = (rex, TICKET, ticket["id"])
    runtime.records.update(*path, {"title": "Broken chair, room 4"})  # status unchanged
    assert runtime.records.get(rex, ACCOUNT, account["id"])["closed"] is None
    runtime.records.update(*path, {"status": "closed"})
    after = runtime.records.get(rex, ACCOUNT, account["id"])
    assert (after["closed"], after["last_note"]) == (1, "closed: Broken chair, room 4")
    runtime.records.update(*path, {"title": "Chair"})  # closed already: status unchanged
    assert runtime.records.get(rex, ACCOUNT, account["id"])["closed"] == 1
    runtime.records.update(*path, {"status": "open"})  # changed, but the condition fails
    assert runtime.records.get(rex, ACCOUNT, account["id"])["closed"] == 1
    assert [r.status for r in runs(runtime, "desk.count_closed")] == ["done"]


def test_entering_a_state_creates_line_items_and_notifies(runtime, people):
    ann, rex = people["ann"], people["rex"]
    ticket = create(runtime, ann, TICKET, title="New laptop", owner="ann", lines=[
        {"item": "Laptop", "qty": 1}, {"item": "Bag", "qty": 0}, {"item": "Mouse", "qty": 2}])
    runtime.process.act(ann, TICKET, ticket["id"], "submit", {})
    assert rows(runtime, NOTE) == []
    runtime.process.act(rex, TICKET, ticket["id"], "approve", {})
    note = runtime.records.get(rex, NOTE, rows(runtime, NOTE)[0]["id"])
    assert note["text"] == "approved" and note["ticket"] == ticket["id"]
    assert [(i["item"], i["qty"]) for i in note["items"]] == [("Laptop", 1), ("Mouse", 2)]
    assert notified(runtime) == [(ann.id, ticket["id"])]
    assert ("desk.file_approved", "enter", ticket["id"], "done", None) in runs(runtime)


def test_a_schedule_acts_on_the_records_its_condition_picks(runtime, people):
    ann, rex = people["ann"], people["rex"]
    open_one = create(runtime, ann, TICKET, title="Open", owner="ann")
    closed = create(runtime, ann, TICKET, title="Closed", owner="rex", status="closed")
    report = runtime.jobs.run_due(utcnow())
    assert "automations.desk__daily_open" in report.run and report.handled == 1
    assert notified(runtime) == [(ann.id, open_one["id"])]
    assert [(r.trigger, r.record_id, r.status) for r in runs(runtime, "desk.daily_open")] == [
        ("schedule", open_one["id"], "done")]
    assert closed["id"] not in {r.record_id for r in runs(runtime)}
    # Not due again until a day has passed.
    assert "automations.desk__daily_open" not in runtime.jobs.run_due(utcnow()).run
    later = runtime.jobs.run_due(utcnow() + timedelta(days=1, minutes=1))
    assert "automations.desk__daily_open" in later.run
    assert rex.id not in {user for user, _ in notified(runtime)}


# -- failures -----------------------------------------------------------------------------------


def test_a_failing_action_refuses_the_trigger_and_writes_nothing(runtime, people):
    ann = people["ann"]
    with pytest.raises(ValidationFailed) as refused:
        create(runtime, ann, TICKET, priority="high",
               title="The air conditioning in the server room is broken")
    text = refused.value.errors[""][0].render("en")
    assert "Log urgent tickets" in text and "Note" in text and "Text" in text
    assert "智能助手“记录紧急工单”执行失败" in refused.value.errors[""][0].render("zh-CN")
    assert rows(runtime, TICKET) == [] and rows(runtime, NOTE) == []
    [run] = runs(runtime)
    assert (run.automation, run.trigger, run.record_id, run.status) == (
        "desk.log_urgent", "create", None if run.record_id is None else run.record_id, "failed")
    assert "Text" in run.error["en"] and "智能助手" in run.error["zh-CN"]


def test_a_failing_update_of_a_linked_record_refuses_the_change(runtime, people):
    rex = people["rex"]
    account = create(runtime, rex, ACCOUNT, name="Acme", closed=2)  # at its maximum
    ticket = create(runtime, rex, TICKET, title="Desk", account=account["id"])
    with pytest.raises(ValidationFailed) as refused:
        runtime.records.update(rex, TICKET, ticket["id"], {"status": "closed"})
    assert "Closed" in refused.value.errors[""][0].render("en")
    assert runtime.records.get(rex, TICKET, ticket["id"])["status"] == "open"
    assert runtime.records.get(rex, ACCOUNT, account["id"])["last_note"] is None
    assert [r.status for r in runs(runtime, "desk.count_closed")] == ["failed"]


def test_the_depth_guard_stops_chains_deeper_than_allowed(runtime, people, monkeypatch):
    monkeypatch.setattr(runner, "MAX_DEPTH", 1)  # the note's own automation is level 2
    with pytest.raises(ValidationFailed) as refused:
        create(runtime, people["ann"], TICKET, title="Fire", priority="high")
    assert "more than 1 levels deep" in refused.value.errors[""][0].render("en")
    assert rows(runtime, TICKET) == [] and rows(runtime, NOTE) == []
    assert {(r.automation, r.status) for r in runs(runtime)} == {
        ("desk.count_notes", "failed"), ("desk.log_urgent", "failed")}


# -- webhooks ----------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    answer = 204
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), json.loads(body)))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooked_app(make_app, tmp_path, receiver):
    """The desk app with its webhook pointed at the local receiver, which is allowed."""
    folder = tmp_path / "apps"
    shutil.copytree(APPS, folder)
    app_json = folder / "desk" / "app.json"
    document = json.loads(app_json.read_text(encoding="utf-8"))
    hook = next(a for a in document["automations"] if a["name"] == "tell_erp")
    hook["actions"][0]["webhook"] = f"http://127.0.0.1:{receiver.server_port}/hooks/tickets"
    app_json.write_text(json.dumps(document), encoding="utf-8")
    return make_app([folder], AUTOMATIONS_WEBHOOK_ALLOW="127.0.0.1",
                    AUTOMATIONS_WEBHOOK_SECRET="s3cret")


def test_a_webhook_is_called_after_the_commit_and_logged(hooked_app, make_user):
    runtime = hooked_app.extensions["formflow"]
    ann = make_user("ann")
    ticket = create(runtime, ann, TICKET, title="Slow wifi")
    assert _Receiver.received == []
    runtime.records.update(ann, TICKET, ticket["id"], {"priority": "high"})
    [(headers, body)] = _Receiver.received
    assert headers["X-Formflow-Automation"] == "desk.tell_erp"
    assert headers["X-Formflow-Signature"].startswith("sha256=")
    assert (body["trigger"], body["record_id"], body["actor"]) == ("update", ticket["id"], "ann")
    assert body["record"]["priority"] == "high"
    [run] = runs(runtime, "desk.tell_erp")
    assert run.status == "done" and headers["X-Formflow-Run"] == str(
        runs_ids(runtime, "desk.tell_erp")[0])


def runs_ids(runtime, automation):
    with runtime.db.read() as conn:
        return conn.execute(sa.select(automation_runs.c.id).where(
            automation_runs.c.automation == automation)).scalars().all()


def test_a_failed_webhook_keeps_the_change_and_logs_the_answer(hooked_app, make_user):
    runtime = hooked_app.extensions["formflow"]
    _Receiver.answer = 500
    try:
        ann = make_user("ann")
        ticket = create(runtime, ann, TICKET, title="Slow wifi")
        runtime.records.update(ann, TICKET, ticket["id"], {"priority": "high"})
    finally:
        _Receiver.answer = 204
    assert runtime.records.get(ann, TICKET, ticket["id"])["priority"] == "high"
    [run] = runs(runtime, "desk.tell_erp")
    assert run.status == "failed" and "HTTP 500" in run.error["en"]


def test_a_webhook_to_an_address_not_allowed_is_refused_and_logged(runtime, people):
    """erp.example.com is no allowed host; the stand-in resolver says it is internal."""
    from formflow import outbound

    ann = people["ann"]
    ticket = create(runtime, ann, TICKET, title="Slow wifi")
    original = outbound.lookup
    outbound.lookup = lambda host, port: ["10.0.0.5"]
    try:
        runtime.records.update(ann, TICKET, ticket["id"], {"priority": "high"})
    finally:
        outbound.lookup = original
    [run] = runs(runtime, "desk.tell_erp")
    assert run.status == "failed" and "not a public address" in run.error["en"]


# -- the check ---------------------------------------------------------------------------------


def _app_folder(tmp_path, automations):
    folder = tmp_path / "apps"
    shutil.copytree(APPS, folder)
    app_json = folder / "desk" / "app.json"
    document = json.loads(app_json.read_text(encoding="utf-8"))
    document["automations"] = automations
    app_json.write_text(json.dumps(document), encoding="utf-8")
    return folder


def test_check_refuses_automations_that_trigger_each_other_in_a_loop(tmp_path):
    folder = _app_folder(tmp_path, [
        {"name": "a", "entity": "ticket", "on": "create",
         "actions": [{"create": "note", "values": {"text": "'x'"}}]},
        {"name": "b", "entity": "note", "on": "save",
         "actions": [{"create": "ticket", "values": {"title": "'again'"}}]},
        {"name": "c", "entity": "account", "on": "update", "fields": ["closed"],
         "actions": [{"notify": [{"role": "reviewer"}]}]},
    ])
    problems = [str(p) for p in collect_problems([folder])]
    assert problems == [
        "desk/app.json: automations/0: automations can trigger each other in a loop: "
        "desk.a -> desk.b -> desk.a",
        "desk/app.json: automations/1: automations can trigger each other in a loop: "
        "desk.b -> desk.a -> desk.b",
    ]


def test_check_refuses_an_update_that_sets_off_itself(tmp_path):
    folder = _app_folder(tmp_path, [
        {"name": "again", "entity": "note", "on": "update",
         "actions": [{"update": "ticket", "values": {"notes": "1"}}]},
        {"name": "back", "entity": "ticket", "on": "update", "fields": ["notes"],
         "actions": [{"create": "note", "values": {"text": "'x'"}}]},
        {"name": "quiet", "entity": "ticket", "on": "update", "fields": ["title"],
         "actions": [{"create": "note", "values": {"text": "'y'"}}]},
    ])
    problems = [str(p) for p in collect_problems([folder])]
    assert len(problems) == 0  # an update of a note never creates one: no loop yet
    folder = _app_folder(tmp_path / "2", [
        {"name": "again", "entity": "note", "on": "save",
         "actions": [{"update": "ticket", "values": {"notes": "1"}}]},
        {"name": "back", "entity": "ticket", "on": "update", "fields": ["notes"],
         "actions": [{"create": "note", "values": {"text": "'x'"}}]},
        {"name": "quiet", "entity": "ticket", "on": "update", "fields": ["title"],
         "actions": [{"create": "note", "values": {"text": "'y'"}}]},
    ])
    problems = [p.message for p in collect_problems([folder])]
    assert problems == [
        "automations can trigger each other in a loop: desk.again -> desk.back -> desk.again",
        "automations can trigger each other in a loop: desk.back -> desk.again -> desk.back",
    ]


def test_check_reports_what_an_automation_names_wrongly(tmp_path):
    folder = _app_folder(tmp_path, [
        {"name": "bad", "entity": "tickets", "on": "create",
         "actions": [{"notify": [{"role": "nobody"}]}]},
        {"name": "worse", "entity": "ticket", "on": "enter", "state": "aproved",
         "when": "priorty == 'high'",
         "actions": [
             {"create": "note", "values": {"txt": "title", "ticket": "id",
                                          "items": {"rows": "line", "values": {"item": "x"}}}},
             {"update": "title", "values": {"name": "'x'"}},
             {"create": "note", "update": "account", "values": {"text": "'x'"}},
             {"create": "note", "values": {"text": "1 + 1", "ticket": "account"}}]},
        {"name": "odd", "entity": "ticket", "on": "create", "fields": ["title"], "every": "1d",
         "actions": [{"notify": [{"field": "title"}]}]},
        {"name": "vague", "entity": "ticket", "on": "enter",
         "actions": [{"notify": [{"role": "reviewer"}]}]},
    ])
    problems = [f"{p.path}: {p.message}" for p in collect_problems([folder])]
    assert problems == [
        "automations/0/entity: unknown entity 'desk.tickets'",
        "automations/1/actions/0/values/items/rows: 'line' is not a table field of 'ticket'"
        " (did you mean 'lines'?)",
        "automations/1/actions/0/values/txt: 'note' has no field 'txt' (did you mean 'text'?)",
        "automations/1/actions/1/update: 'title' is not a link field of 'ticket'",
        "automations/1/actions/2: an action needs exactly one of create, update, notify, webhook",
        "automations/1/actions/3/values/text: 'text' holds a text; 1 + 1 is a number",
        "automations/1/actions/3/values/ticket: 'ticket' links to 'desk.ticket'; 'account' is"
        " a record of 'desk.account'",
        "automations/1/state: unknown state 'aproved' (did you mean 'approved'?)",
        "automations/1/when: 'ticket' has no field 'priorty' (did you mean 'priority'?)",
        "automations/2/actions/0/notify/0/field: 'title' is not a user field",
        "automations/2/every: 'every' applies to automations on schedule",
        "automations/2/fields: 'fields' applies to automations on update or save",
        "automations/3: an automation on enter needs 'state': the states it watches",
    ]


# -- the admin page ---------------------------------------------------------------------------


def test_the_admin_page_lists_automations_and_failed_runs_only_for_admins(
        runtime, people, as_user, make_user):
    make_user("boss", roles=["admin"])
    with pytest.raises(ValidationFailed):
        create(runtime, people["ann"], TICKET, priority="high",
               title="The air conditioning in the server room is broken")
    create(runtime, people["ann"], TICKET, title="Fine")
    english = as_user("boss").get("/admin/automations")
    assert english.status_code == 200
    html = english.get_data(as_text=True)
    assert "Log urgent tickets" in html and "desk.daily_open" in html
    assert 'data-status="failed"' in html and "could not run" in html
    chinese = as_user("boss", lang="zh-CN").get("/admin/automations?status=failed").get_data(
        as_text=True)
    assert "智能助手" in chinese and "执行失败" in chinese
    assert as_user("ann").get("/admin/automations").status_code == 403
    assert as_user("rex").get("/admin/automations").status_code == 403


def test_a_record_created_into_its_process_enters_the_start_state(tmp_path):
    folder = _app_folder(tmp_path, [
        {"name": "started", "entity": "ticket", "on": "enter", "state": ["draft", "approved"],
         "actions": [{"notify": [{"field": "owner"}]}]}])
    model = load([folder])
    triggers, ticket = Triggers(model), model.entity(TICKET)
    created = Event("create", ticket, {"_state": "draft"})
    assert [a.name for a in triggers.matching(created)] == ["started"]
    assert triggers.matching(Event("enter", ticket, {}, state="review")) == []
    assert [a.name for a in triggers.matching(Event("enter", ticket, {}, state="approved"))] == [
        "started"]
