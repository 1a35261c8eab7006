"""The process hooks: before and after a transition (a veto, a failure) and tasks
opened and closed, from a test plugin on the memo app (draft -> review by role
reviewer, any -> approved / rejected)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from formflow.fields.columns import utcnow
from formflow.process.tables import events, tasks
from support import TEST_APPS
from support.plugin_support import MEMOS

HEADER = '''
from formflow.errors import Conflict
from formflow.plugins import hookimpl, message

MANIFEST = {"name": "probe", "version": "1"}
CALLS = []
'''
EN = {"Accept-Language": "en"}


def submitted(env, **values):
    """A memo by ann in review, with two reviewers (rita, rob); returns its id."""
    env.user("rita", ["reviewer"])
    env.user("rob", ["reviewer"])
    api = env.api("ann")
    record_id = api.post(MEMOS, json={"title": "Plan", **values}).get_json()["id"]
    response = api.post(f"{MEMOS}/{record_id}/actions/submit", json={})
    assert response.status_code == 200, response.get_json()
    return record_id


def snapshot(env, record_id):
    """The record's state, tasks and events."""
    with env.runtime.db.read() as conn:
        record = env.runtime.internal_records.load(conn, "memo.memo", record_id)
        task_rows = conn.execute(sa.select(tasks.c.id, tasks.c.status).where(
            tasks.c.record_id == record_id).order_by(tasks.c.id)).all()
        event_rows = conn.execute(sa.select(events.c.action).where(
            events.c.record_id == record_id).order_by(events.c.id)).scalars().all()
    return record["_state"], record["_version"], [tuple(t) for t in task_rows], event_rows


def test_hook_process_before_transition(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def process_before_transition(user, entity, record, process, action, from_state, to_state,
                              comment):
    CALLS.append((user.username, process.name, action, from_state, to_state,
                  record["_state"], record.get("note"), comment))
    if action == "approve" and (record.get("amount") or 0) > 1000:
        return message({"en": f"{record['amount']} is over the limit of 1000.",
                        "zh-CN": f"{record['amount']} 超过上限 1000。"})
    return None
''')
    record_id = submitted(env, amount=5000)
    before = snapshot(env, record_id)
    rita = env.api("rita")
    vetoed = rita.post(f"{MEMOS}/{record_id}/actions/approve", json={"values": {"note": "ok"}},
                       headers=EN)
    assert vetoed.status_code == 422
    assert vetoed.get_json()["detail"] == "5000 is over the limit of 1000."
    zh = rita.post(f"{MEMOS}/{record_id}/actions/approve", json={},
                   headers={"Accept-Language": "zh-CN"})
    assert zh.get_json()["detail"] == "5000 超过上限 1000。"
    assert snapshot(env, record_id) == before  # nothing of the decision was kept
    assert env.calls[0] == ("ann", "memo_flow", "submit", "draft", "review", "draft", None, None)
    assert env.calls[1] == ("rita", "memo_flow", "approve", "review", "approved", "review", "ok",
                            None)
    assert rita.post(f"{MEMOS}/{record_id}/actions/reject", json={"comment": "no"}).status_code \
        == 200


def test_a_before_transition_hook_may_veto_by_raising(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def process_before_transition(action):
    if action == "withdraw":
        raise Conflict(message("The memo is being printed."))
''')
    record_id = submitted(env)
    refused = env.api("ann").post(f"{MEMOS}/{record_id}/actions/withdraw", json={}, headers=EN)
    assert refused.status_code == 409
    assert refused.get_json()["detail"] == "The memo is being printed."
    assert snapshot(env, record_id)[0] == "review"


def test_hook_process_after_transition(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def process_after_transition(conn, user, entity, record, action, from_state, to_state, comment,
                             event_id):
    from formflow.process.tables import tasks
    import sqlalchemy as sa
    opened = conn.execute(sa.select(sa.func.count()).select_from(tasks).where(
        tasks.c.record_id == record["id"], tasks.c.status == "open")).scalar()
    CALLS.append((action, from_state, to_state, record["_state"], comment, opened,
                  event_id is not None))
    if comment == "explode":
        raise RuntimeError("archive unreachable")
''')
    record_id = submitted(env)
    assert env.calls == [("submit", "draft", "review", "review", None, 2, True)]
    before = snapshot(env, record_id)
    failed = env.api("rita").post(f"{MEMOS}/{record_id}/actions/reject",
                                  json={"comment": "explode"}, headers=EN)
    assert failed.status_code == 500 and "probe" in failed.get_json()["detail"]
    assert snapshot(env, record_id) == before  # the whole action was rolled back
    env.api("rita").post(f"{MEMOS}/{record_id}/actions/reject", json={"comment": "no"})
    assert env.calls[-1] == ("reject", "review", "rejected", "rejected", "no", 0, True)


def test_hook_task_opened(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def task_opened(conn, entity, record, task):
    CALLS.append((entity.name, record["_state"], task["state"], task["assignee"],
                  task["origin"], task["opened_at"] is not None, sorted(task)))
''')
    submitted(env)
    assert [c[:5] for c in env.calls] == [("memo", "review", "review", "rita", "assigned"),
                                          ("memo", "review", "review", "rob", "assigned")]
    assert env.calls[0][6] == sorted([
        "id", "state", "visit", "assignee_id", "assignee", "position", "origin", "flagged",
        "opened_at", "due_at", "status", "decision", "comment", "closed_at"])


def test_a_transferred_task_opens_for_its_new_assignee(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def task_opened(task):
    CALLS.append(("opened", task["assignee"], task["origin"]))

@hookimpl
def task_closed(task):
    CALLS.append(("closed", task["assignee"], task["decision"]))
''')
    record_id = submitted(env)
    env.user("tom")
    env.calls.clear()
    env.api("rita").post(f"{MEMOS}/{record_id}/actions/transfer", json={"values": {"to": "tom"}})
    assert env.calls == [("closed", "rita", "transfer"), ("opened", "tom", "transfer")]


def test_hook_task_closed(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def task_closed(conn, entity, record, task):
    CALLS.append((task["assignee"], task["status"], task["decision"], task["comment"],
                  task["closed_at"] is not None))
''')
    record_id = submitted(env)
    env.api("rita").post(f"{MEMOS}/{record_id}/actions/approve", json={"comment": "fine"})
    assert sorted(env.calls) == [("rita", "done", "approve", "fine", True),
                                 ("rob", "cancelled", None, None, True)]
    env.calls.clear()
    other = submitted(env)
    env.api("ann").delete(f"{MEMOS}/{other}")
    assert sorted(env.calls) == [("rita", "cancelled", None, None, True),
                                 ("rob", "cancelled", None, None, True)]


def test_process_hooks_run_only_for_apps_that_enable_the_plugin(plugin_env):
    env = plugin_env(HEADER.replace('"probe"', '"other_probe"') + '''
@hookimpl
def process_before_transition(action):
    CALLS.append(action)
''')
    submitted(env)
    assert env.calls == []  # memo enables "probe", not this plugin


def test_an_sla_auto_action_a_plugin_vetoes_is_logged_as_a_breach(plugin_env):
    env = plugin_env(HEADER.replace('"version": "1"', '"version": "1", "apps": ["*"]') + '''
@hookimpl
def process_before_transition(user, action):
    CALLS.append((user.id, user.username, action))
    if user.id is None:
        return message("Tickets are never closed automatically.")
''', apps=[TEST_APPS / "sla"])
    rita, _ = env.user("rita"), env.user("ann", ["agent"])
    record = env.runtime.records.create(rita, "support.ticket",
                                        {"subject": "Jam", "kind": "action"})
    env.runtime.process.act(rita, "support.ticket", record["id"], "submit", {})
    report = env.runtime.sla.tick(now=utcnow() + timedelta(days=30))
    assert (report.breaches, report.auto_actions, report.failed) == (1, 0, 0)
    assert env.calls[-1] == (None, "@system", "approve")
    with env.runtime.db.read() as conn:
        last = conn.execute(sa.select(events).where(events.c.record_id == record["id"])
                            .order_by(events.c.id.desc())).first()
        state = env.runtime.internal_records.load(conn, "support.ticket", record["id"])["_state"]
    assert last.action == "breach" and "never closed automatically" in last.data["error"]
    assert state == "review"
