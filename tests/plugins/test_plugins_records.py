"""The record hooks: validate, before and after save, after commit, before delete and
writable fields, each from a test plugin on the memo app."""

from __future__ import annotations

import logging

from support.helpers import database_state
from support.plugin_support import MEMOS

HEADER = '''
from formflow.errors import Forbidden
from formflow.plugins import hookimpl, message

MANIFEST = {"name": "probe", "version": "1"}
CALLS = []
'''


def memo(api, **values):
    return api.post(MEMOS, json={"title": "Plan", **values}, headers={"Accept-Language": "en"})


def test_hook_record_validate(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def record_validate(record, current):
    CALLS.append(current is None)
    errors = {}
    if (record.get("amount") or 0) > 100:
        errors["amount"] = [message({"en": "At most 100.", "zh-CN": "最多 100。"})]
    if record.get("title") == record.get("note"):
        errors[""] = [message("Title and note must differ.")]
    return errors or None
''')
    api = env.api("ann")
    refused = memo(api, amount=500, note="Plan")
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"amount": ["At most 100."],
                                            "": ["Title and note must differ."]}
    created = memo(api, amount=5)
    assert created.status_code == 201
    zh = api.patch(f"{MEMOS}/{created.get_json()['id']}", json={"amount": 101},
                   headers={"Accept-Language": "zh-CN"})
    assert zh.get_json()["errors"] == {"amount": ["最多 100。"]}
    assert env.calls == [True, True, False]


def test_hook_record_before_save(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def record_before_save(record, current, changed):
    CALLS.append(sorted(changed) if current is not None else "create")
    if "title" in changed:
        record["note"] = "about " + record["title"]
''')
    api = env.api("ann")
    created = memo(api).get_json()
    assert created["note"] == "about Plan"
    updated = api.patch(f"{MEMOS}/{created['id']}", json={"title": "Goal"}).get_json()
    assert updated["note"] == "about Goal"
    assert env.calls == ["create", ["title"]]


def test_hook_record_after_save(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def record_after_save(conn, user, entity, record, current):
    CALLS.append((entity.qualified_name, record["id"], record["_version"], record["_state"],
                  current is None, user.username, conn.in_transaction()))
    if record["title"] == "boom":
        raise RuntimeError("after save failed")
''')
    api = env.api("ann")
    created = memo(api).get_json()
    assert env.calls == [("memo.memo", created["id"], 1, "draft", True, "ann", True)]
    before = database_state(env.runtime)
    failed = memo(api, title="boom")
    assert failed.status_code == 500 and "probe" in failed.get_json()["detail"]
    changed = api.patch(f"{MEMOS}/{created['id']}", json={"title": "boom"},
                        headers={"Accept-Language": "en"})
    assert changed.status_code == 500 and "probe" in changed.get_json()["detail"]
    assert database_state(env.runtime) == before  # no row, audit entry or number kept


def test_hook_record_after_commit(plugin_env, caplog):
    env = plugin_env(HEADER + '''
@hookimpl
def record_after_commit(db, entity, record, current, action, runtime):
    with db.read() as conn:  # the change is visible to everyone: it has committed
        seen = runtime.internal_records.load(conn, entity.qualified_name, record["id"],
                                             include_deleted=True)
    CALLS.append((action, record["_version"], current and current["_version"],
                  seen["_version"]))
    if record.get("note") == "fail":
        raise RuntimeError("mail server down")

@hookimpl
def record_after_save(record):
    if record["title"] == "rollback":
        raise RuntimeError("refused")
''')
    api = env.api("ann")
    record_id = memo(api).get_json()["id"]
    api.patch(f"{MEMOS}/{record_id}", json={"amount": 3})
    api.delete(f"{MEMOS}/{record_id}")
    api.post(f"{MEMOS}/{record_id}/restore")
    assert env.calls == [("create", 1, None, 1), ("update", 2, 1, 2), ("delete", 3, 2, 3),
                         ("restore", 4, 3, 4)]
    env.calls.clear()
    assert memo(api, title="rollback").status_code == 500
    assert api.post(MEMOS, json={"amount": 1}).status_code == 422  # no title
    assert env.calls == []  # rolled back or refused: never called
    with caplog.at_level(logging.ERROR, logger="formflow"):
        kept = api.patch(f"{MEMOS}/{record_id}", json={"note": "fail"})
    assert kept.status_code == 200 and kept.get_json()["note"] == "fail"
    assert "mail server down" in caplog.text and "probe" in caplog.text


def test_record_after_commit_is_called_once_per_record_and_transaction(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def record_after_commit(record, current, action):
    CALLS.append((action, current["_state"], record["_state"], record["note"]))
''')
    reviewer = env.api("rita", roles=["reviewer"])
    api = env.api("ann")
    record_id = memo(api).get_json()["id"]
    api.post(f"{MEMOS}/{record_id}/actions/submit", json={})
    env.calls.clear()
    # a decision with values saves twice (the values, then the move): one call
    reviewer.post(f"{MEMOS}/{record_id}/actions/approve", json={"values": {"note": "ok"}})
    assert env.calls == [("update", "review", "approved", "ok")]


def test_hook_record_before_delete(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def record_before_delete(conn, user, entity, record):
    CALLS.append(record["id"])
    if (record.get("amount") or 0) > 10:
        raise Forbidden(message({"en": "Large memos are kept.", "zh-CN": "大额备忘不能删除。"}))
''')
    api = env.api("ann")
    small, large = memo(api, amount=1).get_json(), memo(api, amount=50).get_json()
    refused = api.delete(f"{MEMOS}/{large['id']}", headers={"Accept-Language": "en"})
    assert refused.status_code == 403 and refused.get_json()["detail"] == "Large memos are kept."
    assert api.get(f"{MEMOS}/{large['id']}").status_code == 200
    assert api.delete(f"{MEMOS}/{small['id']}").status_code == 204
    assert env.calls == [large["id"], small["id"]]


def test_hook_record_writable_fields(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def record_writable_fields(user, entity, record):
    CALLS.append(user.username)
    return {"note"} if (record.get("amount") or 0) > 50 else None
''')
    api = env.api("ann")
    locked, free = memo(api, amount=60).get_json(), memo(api, amount=1).get_json()
    refused = api.patch(f"{MEMOS}/{locked['id']}", json={"title": "New"})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["title"]
    assert api.patch(f"{MEMOS}/{locked['id']}", json={"note": "n"}).status_code == 200
    assert api.patch(f"{MEMOS}/{free['id']}", json={"title": "New"}).status_code == 200
    assert set(env.calls) == {"ann"}


def test_hook_record_read_scope(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def record_read_scope(user, entity, table):
    CALLS.append(entity.name)
    return table.c.note == user.username
''')
    ann = env.api("ann")
    shared, private = memo(ann, note="bob").get_json(), memo(ann, note="eve").get_json()
    bob = env.api("bob")
    assert bob.delete(f"{MEMOS}/{shared['id']}").status_code == 204  # delete: "own"
    refused = bob.delete(f"{MEMOS}/{private['id']}")
    assert refused.status_code == 403
    assert ann.get(f"{MEMOS}/{private['id']}").get_json()["_deleted_at"] is None
    assert set(env.calls) == {"memo"}


def test_hook_record_edit_refusal(plugin_env):
    env = plugin_env(HEADER + '''
@hookimpl
def record_writable_fields(record):
    return set() if (record.get("amount") or 0) > 50 else None

@hookimpl
def record_edit_refusal(user, record):
    CALLS.append(user.username)
    return message({"en": "Large memos are frozen.", "zh-CN": "大额备忘已冻结。"})
''')
    api = env.api("ann")
    locked, free = memo(api, amount=60).get_json(), memo(api, amount=1).get_json()
    answer = api.get(f"{MEMOS}/{locked['id']}/permitted", headers={"Accept-Language": "zh-CN"})
    assert answer.get_json() == {"update": False, "delete": True, "reason": "大额备忘已冻结。"}
    assert api.get(f"{MEMOS}/{free['id']}/permitted").get_json()["reason"] is None
    assert env.calls == ["ann"]  # asked only for the locked record


def test_record_hooks_run_only_for_apps_that_enable_the_plugin(plugin_env):
    from support import TEST_APPS

    env = plugin_env(HEADER + '''
@hookimpl
def record_before_save(entity):
    CALLS.append(entity.qualified_name)
''', apps=[TEST_APPS / "hooks", TEST_APPS / "plugins"])
    api = env.api("ann")
    memo(api)
    api.post("other/item", json={"name": "Tea"})
    assert env.calls == ["memo.memo"]


def test_a_manifest_with_every_app_runs_for_every_app(plugin_env):
    from support import TEST_APPS

    env = plugin_env(HEADER.replace('"version": "1"', '"version": "1", "apps": ["*"]') + '''
@hookimpl
def record_before_save(entity):
    CALLS.append(entity.qualified_name)
''', apps=[TEST_APPS / "hooks", TEST_APPS / "plugins"])
    api = env.api("ann")
    memo(api)
    api.post("other/item", json={"name": "Tea"})
    assert env.calls == ["memo.memo", "other.item"]
