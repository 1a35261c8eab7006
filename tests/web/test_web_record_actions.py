"""The record page's buttons: Edit and Delete only where the records service permits
them, and plugin record actions (listed for who may run them, posted with the CSRF
token, their result or refusal flashed, never an error page)."""

from __future__ import annotations

import pytest

from formflow.i18n import Message
from formflow.records.service import Permitted
from support.plugin_support import HOOK_APPS, MEMOS, write_plugin
from support.web_support import csrf, sign_in

PROBE = '''
from formflow.plugins import RecordAction, hookimpl

MANIFEST = {"name": "probe", "version": "1"}


def stamp(conn, user, entity, record, params, runtime):
    runtime.internal_records.change_in(conn, user, entity, record, {"note": "stamped"})
    return {"message": {"en": "Stamped by " + user.username, "zh-CN": "已盖章"}}


def count(record):
    return {"count": 1}


def explode(conn, user, entity, record, runtime):
    runtime.internal_records.change_in(conn, user, entity, record, {"note": "half done"})
    raise RuntimeError("stamp pad dry")


@hookimpl
def register_record_actions():
    return [
        RecordAction("stamp", {"en": "Stamp", "zh-CN": "盖章"}, stamp, roles=["reviewer"],
                     confirm={"en": "Stamp it?", "zh-CN": "确定盖章？"}),
        RecordAction("count", {"en": "Count", "zh-CN": "计数"}, count, roles=["user"]),
        RecordAction("explode", "Explode", explode, roles=["reviewer"]),
    ]
'''


@pytest.fixture
def app(make_app, tmp_path):
    folder = write_plugin(tmp_path / "plugins", "probe", PROBE)
    return make_app([HOOK_APPS], PLUGINS_PATH=[str(folder)])


@pytest.fixture
def ann(make_user):
    return make_user("ann")


@pytest.fixture
def memo(runtime, ann):
    return runtime.records.create(ann, "memo.memo", {"title": "Plan"})


def browser_for(app, name):
    client = app.test_client()
    sign_in(client, name)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def rita(app, make_user):
    make_user("rita", roles=["reviewer"])
    return browser_for(app, "rita")


# -- Edit and Delete ------------------------------------------------------------------------


def test_edit_and_delete_show_on_a_record_the_user_may_change(app, memo):
    html = browser_for(app, "ann").get(f"/{MEMOS}/{memo['id']}").get_data(as_text=True)
    assert f'href="/{MEMOS}/{memo["id"]}/edit"' in html
    assert f'action="/{MEMOS}/{memo["id"]}/delete"' in html


def test_edit_and_delete_hide_outside_the_users_update_scope(app, make_user, memo):
    make_user("bob")  # may read every memo, but update and delete only his own
    html = browser_for(app, "bob").get(f"/{MEMOS}/{memo['id']}").get_data(as_text=True)
    assert "Plan" in html
    assert f'/{MEMOS}/{memo["id"]}/edit' not in html
    assert f'/{MEMOS}/{memo["id"]}/delete' not in html


def test_the_service_says_what_a_user_may_do_to_a_record(runtime, make_user, ann, memo):
    bob = make_user("bob")
    assert runtime.records.permitted(ann, "memo.memo", memo["id"]) == Permitted(True, True)
    assert runtime.records.permitted(bob, "memo.memo", memo["id"]) == Permitted(
        False, False, Message("edit_not_permitted"))


# -- plugin actions ---------------------------------------------------------------------------


def test_the_page_shows_the_plugin_actions_the_user_may_run(app, rita, memo):
    html = rita.get(f"/{MEMOS}/{memo['id']}").get_data(as_text=True)
    assert 'data-action="stamp"' in html and 'data-confirm="Stamp it?"' in html
    assert 'data-action="count"' in html and 'data-action="explode"' in html
    owner = browser_for(app, "ann").get(f"/{MEMOS}/{memo['id']}").get_data(as_text=True)
    assert 'data-action="count"' in owner and 'data-action="stamp"' not in owner


def test_running_an_action_flashes_its_message_and_reloads_the_record(rita, runtime, ann, memo):
    path = f"/{MEMOS}/{memo['id']}"
    response = rita.post(f"{path}/plugin-actions/stamp", data={"csrf_token": csrf(rita)})
    assert response.status_code == 302 and response.headers["Location"] == path
    page = rita.get(path).get_data(as_text=True)
    assert "Stamped by rita" in page and "stamped" in page
    assert runtime.records.get(ann, "memo.memo", memo["id"])["note"] == "stamped"


def test_an_action_without_a_message_flashes_that_it_is_done(rita, memo):
    path = f"/{MEMOS}/{memo['id']}"
    rita.post(f"{path}/plugin-actions/count", data={"csrf_token": csrf(rita)},
              headers={"Accept-Language": "zh-CN"})
    assert "已完成“计数”。" in rita.get(path, headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True)


def test_a_refused_action_shows_why_without_an_error_page(app, runtime, ann, memo):
    owner = browser_for(app, "ann")
    path = f"/{MEMOS}/{memo['id']}"
    response = owner.post(f"{path}/plugin-actions/stamp", data={"csrf_token": csrf(owner)})
    assert response.status_code == 302
    assert "stamp" in owner.get(path).get_data(as_text=True).split('id="flashes"')[1][:600]
    assert runtime.records.get(ann, "memo.memo", memo["id"])["note"] is None
    unknown = owner.post(f"{path}/plugin-actions/nothing", data={"csrf_token": csrf(owner)})
    assert unknown.status_code == 302
    assert "Not found." in owner.get(path).get_data(as_text=True)


def test_a_failing_action_keeps_nothing_and_names_the_plugin(rita, runtime, ann, memo):
    path = f"/{MEMOS}/{memo['id']}"
    response = rita.post(f"{path}/plugin-actions/explode", data={"csrf_token": csrf(rita)})
    assert response.status_code == 302
    flashes = rita.get(path).get_data(as_text=True).split('id="flashes"')[1][:600]
    assert "probe" in flashes and "alert-danger" in flashes
    record = runtime.records.get(ann, "memo.memo", memo["id"])
    assert record["note"] is None and record["_version"] == 1


def test_an_action_without_the_csrf_token_does_not_run(rita, runtime, ann, memo):
    response = rita.post(f"/{MEMOS}/{memo['id']}/plugin-actions/stamp")
    assert response.status_code == 400
    assert runtime.records.get(ann, "memo.memo", memo["id"])["note"] is None
