"""The process pages: the inbox tabs and the navigation counts, the notifications page,
and on a record page the action buttons, the action dialogs (posting through the page,
with CSRF, refusals and input errors shown in the dialog), the state diagram and the
event timeline."""

from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from types import SimpleNamespace

import pytest

from formflow.auth import create_user
from formflow.fields.columns import utcnow
from formflow.process.tables import notifications, tasks
from support.flow_fixtures import database_url, flow, metadata_path, template  # noqa: F401 (fixtures)
from support.process_helpers import (
    LEAVE,
    PROCESS_APPS,
)
from support.web_support import HTMX, csrf, html_of, sign_in

RECORDS = "/flow/leave"


@pytest.fixture
def staff(make_user):
    """emp reports to boss; bud is emp's backup (copied); hr1 is an HR manager (reads
    every leave); pat has nothing to do with any of it.  All may sign in."""
    boss = make_user("boss")
    return SimpleNamespace(
        boss=boss,
        emp=make_user("emp", manager="boss"),
        bud=make_user("bud"),
        hr1=make_user("hr1", roles=["hr_manager"]),
        pat=make_user("pat"),
    )


def leave(flow, staff, *, days=2, submit=True, reason="Trip") -> int:
    record = flow.create(staff.emp, LEAVE, kind="annual", days=days, reason=reason, backup="bud")
    if submit:
        flow.act(staff.emp, LEAVE, record["id"], "submit")
    return record["id"]


def act(client, record_id: int, name: str, htmx: bool = True, **form):
    data = {"csrf_token": csrf(client), **form}
    return client.post(
        f"{RECORDS}/{record_id}/actions/{name}", data=data, headers=HTMX if htmx else {}
    )


# -- the inbox ------------------------------------------------------------------------


def test_the_to_do_tab_lists_open_tasks_linking_to_the_record(flow, staff, as_user):
    leave_id = leave(flow, staff)
    html = html_of(as_user("boss").get("/inbox"))
    assert f'href="{RECORDS}/{leave_id}"' in html
    assert 'data-tab="todo"' in html and "Manager review" in html
    assert "<time" in html and "Overdue" not in html  # due in 24 h


def test_an_overdue_task_is_marked(flow, staff, runtime, as_user):
    leave_id = leave(flow, staff)
    with runtime.db.write() as conn:
        conn.execute(
            tasks.update()
            .where(tasks.c.record_id == leave_id)
            .values(due_at=utcnow() - timedelta(hours=1))
        )
    html = html_of(as_user("boss").get("/inbox"))
    assert "ff-overdue" in html and "Overdue" in html


def test_the_done_tab_lists_decided_tasks_with_their_outcome(flow, staff, as_user):
    leave_id = leave(flow, staff)
    flow.act(staff.boss, LEAVE, leave_id, "approve")
    boss = as_user("boss")
    assert f'href="{RECORDS}/{leave_id}"' not in html_of(boss.get("/inbox"))
    html = html_of(boss.get("/inbox?tab=done"))
    assert f'href="{RECORDS}/{leave_id}"' in html and "Approve" in html


def test_the_copied_to_me_tab_lists_copies(flow, staff, as_user):
    leave_id = leave(flow, staff)
    html = html_of(as_user("bud").get("/inbox?tab=cc"))
    assert f'href="{RECORDS}/{leave_id}"' in html
    assert f'href="{RECORDS}/{leave_id}"' not in html_of(as_user("bud").get("/inbox"))


def test_started_by_me_lists_my_records_running_and_finished_with_their_result(
    flow, staff, as_user
):
    running, draft, done = leave(flow, staff), leave(flow, staff, submit=False), leave(flow, staff)
    flow.act(staff.boss, LEAVE, done, "approve")
    html = html_of(as_user("emp").get("/inbox?tab=mine"))
    assert f'href="{RECORDS}/{running}"' in html and f'href="{RECORDS}/{draft}"' in html
    assert f'href="{RECORDS}/{done}"' in html
    assert "Manager review" in html and "Draft" in html
    assert re.search(r'class="badge[^"]*ff-result">Approved<', html)
    assert html.count("In progress") == 2


def test_each_tab_says_when_it_is_empty(staff, as_user):
    pat = as_user("pat")
    for tab, text in (
        ("todo", "Nothing waits for you."),
        ("done", "not decided anything"),
        ("cc", "Nothing has been copied"),
        ("mine", "None of your records"),
    ):
        assert text in html_of(pat.get(f"/inbox?tab={tab}"))


def test_a_tab_asked_by_htmx_is_a_fragment(flow, staff, as_user):
    leave(flow, staff)
    response = as_user("boss").get("/inbox?tab=done", headers=HTMX)
    html = html_of(response)
    assert "<html" not in html and 'id="inbox-body"' in html and 'data-tab="done"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_the_inbox_speaks_chinese(flow, staff, as_user):
    leave(flow, staff)
    html = html_of(as_user("boss", lang="zh-CN").get("/inbox"))
    assert "待处理" in html and "抄送我的" in html and "我发起的" in html and "期限" in html


# -- counts in the navigation bar -------------------------------------------------------


def test_the_navigation_shows_open_tasks_and_unread_notifications(flow, staff, as_user):
    leave(flow, staff)
    leave(flow, staff)
    html = html_of(as_user("boss").get("/"))
    assert re.search(r'id="nav-tasks">2<', html)
    assert re.search(r'id="nav-unread">2<', html)
    assert 'id="nav-tasks"' not in html_of(as_user("pat").get("/"))


def test_the_counts_are_queried_once_per_page(flow, staff, runtime, as_user, monkeypatch):
    leave(flow, staff)
    calls = []
    for service, name in (
        (runtime.process, "open_task_count"),
        (runtime.notifications, "unread_count"),
    ):
        original = getattr(service, name)
        monkeypatch.setattr(
            service,
            name,
            lambda user, original=original, name=name: calls.append(name) or original(user),
        )
    boss = as_user("boss")
    calls.clear()
    boss.get("/inbox")  # the page and its "to do" tab both show the count
    assert sorted(calls) == ["open_task_count", "unread_count"]
    calls.clear()
    boss.get("/inbox")  # nothing kept from the request before
    assert len(calls) == 2


def test_the_home_page_shows_my_tasks(flow, staff, as_user):
    leave_id = leave(flow, staff)
    html = html_of(as_user("boss").get("/"))
    assert "My tasks" in html and f'href="{RECORDS}/{leave_id}"' in html


# -- notifications --------------------------------------------------------------------


def test_the_notifications_page_lists_them_linking_to_the_record(flow, staff, as_user):
    leave_id = leave(flow, staff)
    html = html_of(as_user("boss").get("/notifications"))
    assert "awaits your decision" in html and f'href="{RECORDS}/{leave_id}"' in html
    assert "ff-unread" in html
    assert "等待您处理" in html_of(as_user("boss", lang="zh-CN").get("/notifications"))


def test_the_notifications_page_shows_a_page_at_a_time(flow, staff, as_user, monkeypatch):
    monkeypatch.setattr("formflow.web.account.notifications.SHOWN", 2)
    for _ in range(3):
        leave(flow, staff)
    boss = as_user("boss")
    first = html_of(boss.get("/notifications"))
    assert first.count('class="list-group-item') == 2 and 'rel="next"' in first
    second = html_of(boss.get("/notifications?page=2"))
    assert second.count('class="list-group-item') == 1
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_marking_one_read_answers_the_list_and_the_counts(flow, staff, runtime, as_user):
    leave(flow, staff)
    leave(flow, staff)
    first, second = flow.notifications(staff.boss)
    boss = as_user("boss")
    response = boss.post(
        f"/notifications/{first.id}/read", data={"csrf_token": csrf(boss)}, headers=HTMX
    )
    html = html_of(response)
    assert response.status_code == 200 and 'id="notifications-body"' in html
    assert 'ff-nav-process" hx-swap-oob="true"' in html
    assert re.search(r'id="nav-unread">1<', html)
    read = {n.id: n.read_at for n in flow.notifications(staff.boss)}
    assert read[first.id] is not None and read[second.id] is None


def test_mark_all_read_without_htmx_redirects_to_the_list(flow, staff, as_user):
    leave(flow, staff)
    leave(flow, staff)
    boss = as_user("boss")
    response = boss.post("/notifications/read", data={"csrf_token": csrf(boss), "unread": "1"})
    assert response.status_code == 302 and response.location.endswith("/notifications?unread=1")
    assert all(n.read_at is not None for n in flow.notifications(staff.boss))
    html = html_of(boss.get("/notifications?unread=1"))
    assert "No unread notifications." in html and 'id="nav-unread"' not in html


def test_nobody_marks_someone_elses_notification(flow, staff, as_user):
    leave(flow, staff)
    (mine,) = flow.notifications(staff.boss)
    pat = as_user("pat")
    response = pat.post(f"/notifications/{mine.id}/read", data={"csrf_token": csrf(pat)})
    assert response.status_code == 404
    assert flow.notifications(staff.boss)[0].read_at is None


def test_marking_read_needs_the_csrf_token(flow, staff, as_user):
    leave(flow, staff)
    (mine,) = flow.notifications(staff.boss)
    assert as_user("boss").post(f"/notifications/{mine.id}/read").status_code == 400
    assert flow.notifications(staff.boss)[0].read_at is None


# -- action buttons -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "submit", "expected"),
    [
        ("emp", False, ["submit", "cancel", "comment"]),
        ("emp", True, ["withdraw", "remind", "cancel", "comment"]),
        ("boss", True, ["approve", "reject", "send_back", "transfer", "add_approver", "comment"]),
        ("hr1", True, ["comment"]),
    ],
)
def test_the_record_page_offers_exactly_the_actions_of_the_user(
    flow, staff, as_user, who, submit, expected
):
    leave_id = leave(flow, staff, submit=submit)
    html = html_of(as_user(who).get(f"{RECORDS}/{leave_id}"))
    shown = re.findall(
        r'<a class="btn [^"]*" href="[^"]*" hx-get="[^"]*" hx-target="#action-dialog"'
        r' hx-swap="innerHTML" data-action="([a-z_]+)"',
        html,
    )
    assert sorted(shown) == sorted(expected)


def test_the_page_shows_the_current_step_and_who_it_waits_for(flow, staff, as_user):
    leave_id = leave(flow, staff)
    html = html_of(as_user("emp").get(f"{RECORDS}/{leave_id}"))
    assert 'id="process-state" data-state="manager_review">Manager review<' in html
    assert "Waiting for" in html and ">boss<" in html


# -- the action dialog ----------------------------------------------------------------


def test_the_dialog_has_a_comment_box_and_the_fields_of_the_step(flow, staff, as_user):
    leave_id = leave(flow, staff)
    boss = as_user("boss")
    response = boss.get(f"{RECORDS}/{leave_id}/actions/reject", headers=HTMX)
    html = html_of(response)
    assert response.status_code == 200 and "<html" not in html
    assert f'hx-post="/flow/leave/{leave_id}/actions/reject"' in html
    assert 'name="comment"' in html and "required" in html.split('name="comment"')[1][:200]
    assert 'name="reason"' in html  # manager_review lets its approvers edit the reason
    assert 'name="state" value="manager_review"' in html and 'name="csrf_token"' in html
    approve = html_of(boss.get(f"{RECORDS}/{leave_id}/actions/approve", headers=HTMX))
    assert "(optional)" in approve


def test_submit_asks_for_its_required_field(flow, staff, as_user):
    leave_id = leave(flow, staff, submit=False, reason=None)
    html = html_of(as_user("emp").get(f"{RECORDS}/{leave_id}/actions/submit", headers=HTMX))
    assert 'name="reason"' in html and 'id="w-reason"' in html and "is-required" in html
    assert 'name="days"' not in html  # editable "*": the edit form is the place for the rest


def test_transfer_and_add_approver_ask_for_people(flow, staff, as_user):
    leave_id = leave(flow, staff)
    boss = as_user("boss")
    transfer = html_of(boss.get(f"{RECORDS}/{leave_id}/actions/transfer", headers=HTMX))
    assert 'name="to"' in transfer and f"{RECORDS}/{leave_id}/actions/transfer/pick" in transfer
    added = html_of(boss.get(f"{RECORDS}/{leave_id}/actions/add_approver", headers=HTMX))
    assert 'name="users-0"' in added
    assert all(f'value="{mode}"' in added for mode in ("before", "after", "parallel"))
    row = html_of(boss.get(f"{RECORDS}/{leave_id}/actions/add_approver/row?index=1"))
    assert 'name="users-1"' in row and "index=2" in row and 'hx-swap-oob="true"' in row


def test_the_people_picker_offers_users(flow, staff, as_user):
    leave_id = leave(flow, staff)
    html = html_of(
        as_user("boss").get(f"{RECORDS}/{leave_id}/actions/transfer/pick?_q_to=pa&listbox=opt-to")
    )
    assert 'data-value="pat"' in html and 'data-value="boss"' not in html


def test_without_htmx_the_dialog_is_a_page_of_its_own(flow, staff, as_user):
    leave_id = leave(flow, staff)
    html = html_of(as_user("boss").get(f"{RECORDS}/{leave_id}/actions/approve"))
    assert "<html" in html and 'id="action-form"' in html and "hx-post" not in html
    assert "Back to the record" in html


def test_an_action_not_offered_says_so_in_the_dialog(flow, staff, as_user):
    leave_id = leave(flow, staff)
    response = as_user("hr1").get(f"{RECORDS}/{leave_id}/actions/approve", headers=HTMX)
    assert response.status_code == 403
    assert "not available to you now" in html_of(response) and 'name="comment"' not in html_of(
        response
    )


# -- acting through the page ----------------------------------------------------------


def test_approving_moves_the_record_and_re_renders_the_page_parts(flow, staff, as_user):
    leave_id = leave(flow, staff)
    response = act(
        as_user("boss"),
        leave_id,
        "approve",
        comment="Enjoy",
        state="manager_review",
        reason="Trip to Xi'an",
    )
    html = html_of(response)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#process"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert 'id="process-state" data-state="approved"' in html
    assert '<div id="record-body" hx-swap-oob="true">' in html and "Enjoy" in html
    assert '<div id="flashes" hx-swap-oob="true">' in html and "Approved." in html
    assert 'id="nav-tasks"' not in html  # the task is done: no count left
    assert flow.state(LEAVE, leave_id) == "approved"
    assert flow.record(LEAVE, leave_id)["reason"] == "Trip to Xi'an"
    assert flow.events(LEAVE, leave_id)[-1].comment == "Enjoy"


def test_without_htmx_an_action_redirects_to_the_record(flow, staff, as_user):
    leave_id = leave(flow, staff)
    boss = as_user("boss")
    response = act(boss, leave_id, "approve", htmx=False, state="manager_review")
    assert response.status_code == 302 and response.location.endswith(f"{RECORDS}/{leave_id}")
    assert "Approved." in html_of(boss.get(response.location))


def test_an_action_without_the_csrf_token_is_refused(flow, staff, as_user):
    leave_id = leave(flow, staff)
    boss = as_user("boss")
    response = boss.post(
        f"{RECORDS}/{leave_id}/actions/approve", data={"state": "manager_review"}, headers=HTMX
    )
    assert response.status_code == 400 and "The form has expired" in html_of(response)
    response = boss.post(
        f"{RECORDS}/{leave_id}/actions/approve",
        data={"state": "manager_review", "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert flow.state(LEAVE, leave_id) == "manager_review"


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "already been handled by someone else"), ("zh-CN", "此步骤已由他人处理")],
)
def test_a_step_that_moved_meanwhile_is_a_409_in_the_dialog(flow, staff, as_user, lang, text):
    leave_id = leave(flow, staff)
    boss = as_user("boss", lang=lang)
    flow.act(staff.emp, LEAVE, leave_id, "withdraw")  # while the boss had the dialog open
    response = act(boss, leave_id, "approve", state="manager_review")
    html = html_of(response)
    assert response.status_code == 409 and text in html
    assert 'data-status="409"' in html and 'id="action-submit"' not in html
    assert flow.state(LEAVE, leave_id) == "draft"


@pytest.mark.parametrize(
    ("lang", "text"), [("en", "This field is required."), ("zh-CN", "此项为必填项。")]
)
def test_a_missing_required_comment_is_a_422_beside_the_comment(flow, staff, as_user, lang, text):
    leave_id = leave(flow, staff)
    response = act(
        as_user("boss", lang=lang), leave_id, "reject", comment="  ", state="manager_review"
    )
    html = html_of(response)
    assert response.status_code == 422
    feedback = re.search(r'id="fb-comment"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert text in feedback and 'aria-invalid="true"' in html
    assert flow.state(LEAVE, leave_id) == "manager_review"


def test_a_refused_action_is_a_403_in_the_dialog(flow, staff, as_user):
    leave_id = leave(flow, staff)
    response = act(as_user("hr1"), leave_id, "approve", state="manager_review")
    assert response.status_code == 403 and "cannot take the action" in html_of(response)
    assert flow.state(LEAVE, leave_id) == "manager_review"


def test_a_record_one_may_not_read_is_a_404(flow, staff, as_user):
    leave_id = leave(flow, staff)
    assert act(as_user("pat"), leave_id, "approve").status_code == 404
    assert as_user("pat").get(f"{RECORDS}/{leave_id}/actions/approve").status_code == 404


def test_a_submit_missing_its_required_field_shows_the_field_error(flow, staff, as_user):
    leave_id = leave(flow, staff, submit=False, reason=None)
    emp = as_user("emp")
    response = act(emp, leave_id, "submit", state="draft", reason="")
    assert response.status_code == 422
    assert re.search(r'id="fb-reason"[^>]*><span>This field is required.', html_of(response))
    response = act(emp, leave_id, "submit", state="draft", reason="Family")
    assert response.status_code == 200 and flow.state(LEAVE, leave_id) == "manager_review"


def test_transfer_through_the_page_hands_the_task_on(flow, staff, as_user):
    leave_id = leave(flow, staff)
    boss = as_user("boss")
    missing = act(boss, leave_id, "transfer", state="manager_review")
    assert missing.status_code == 422 and re.search(r'id="fb-to"[^>]*><span>', html_of(missing))
    response = act(boss, leave_id, "transfer", to="pat", comment="Away", state="manager_review")
    assert response.status_code == 200
    assert flow.holders(LEAVE, leave_id) == ["pat"]
    assert "handed the task to pat" in html_of(response)


def test_add_approver_through_the_page_names_people_and_their_place(flow, staff, as_user):
    leave_id = leave(flow, staff)
    response = act(
        as_user("boss"),
        leave_id,
        "add_approver",
        **{"users-0": "pat", "users-1": "bud", "mode": "after"},
        state="manager_review",
    )
    assert response.status_code == 200
    waiting = [t.username for t in flow.tasks(LEAVE, leave_id) if t.status == "waiting"]
    assert sorted(waiting) == ["bud", "pat"]
    assert "after me" in html_of(response)


def test_the_creator_withdraws_and_comments_through_the_page(flow, staff, as_user):
    leave_id = leave(flow, staff)
    emp = as_user("emp")
    assert act(emp, leave_id, "comment", comment="", state="manager_review").status_code == 422
    assert (
        act(emp, leave_id, "comment", comment="Urgent, please", state="manager_review").status_code
        == 200
    )
    response = act(emp, leave_id, "withdraw", state="manager_review")
    assert response.status_code == 200 and flow.state(LEAVE, leave_id) == "draft"
    html = html_of(response)
    assert "Urgent, please" in html and "commented" in html


# -- the diagram ------------------------------------------------------------------------


def diagram_of(html: str) -> str:
    return re.search(r'<svg [^>]*class="ff-diagram-svg".*?</svg>', html, re.S).group(0)


def test_the_diagram_shows_every_state_and_highlights_the_current_one(flow, staff, as_user):
    leave_id = leave(flow, staff)
    svg = diagram_of(html_of(as_user("emp").get(f"{RECORDS}/{leave_id}")))
    states = re.findall(r'<g class="ff-node[^"]*" data-state="([a-z_]+)"', svg)
    assert sorted(states) == sorted(
        ["draft", "manager_review", "hr_review", "approved", "rejected"]
    )
    (current,) = re.findall(
        r'<g class="[^"]*ff-node-current[^"]*" data-state="([a-z_]+)"'
        r' aria-current="step"',
        svg,
    )
    assert current == "manager_review"
    assert re.search(r'class="[^"]*ff-node-visited[^"]*" data-state="draft"', svg)
    assert re.search(
        r'class="ff-arrow [^"]*ff-arrow-visited" data-from="draft" '
        r'data-to="manager_review"',
        svg,
    )
    assert 'class="ff-node ff-node-final" data-state="approved"' in svg


def test_the_diagram_speaks_the_page_language(flow, staff, as_user):
    leave_id = leave(flow, staff)
    svg = diagram_of(html_of(as_user("emp", lang="zh-CN").get(f"{RECORDS}/{leave_id}")))
    assert ">提交<" in svg and ">草稿<" in svg and "当前环节" in svg


HOSTILE = "<script>alert('x')</script>&"


@pytest.fixture
def hostile_app(make_app, tmp_path):
    """The flow app with a state and a transition labelled with markup."""
    folder = tmp_path / "apps"
    shutil.copytree(PROCESS_APPS / "flow", folder / "flow")
    path = folder / "flow" / "processes" / "leave_flow.json"
    document = json.loads(path.read_text())
    document["states"][1]["label"] = {"en": HOSTILE, "zh-CN": HOSTILE}
    document["transitions"][0]["label"] = HOSTILE
    path.write_text(json.dumps(document))
    return make_app([folder])


def test_the_diagram_escapes_labels(hostile_app):
    runtime = hostile_app.extensions["formflow"]
    with runtime.db.write() as conn:
        create_user(conn, "boss", "tulip-sesame-42", known_roles=runtime.model.roles)
        emp = create_user(
            conn, "emp", "tulip-sesame-42", manager="boss", known_roles=runtime.model.roles
        )
    record = runtime.records.create(emp, LEAVE, {"kind": "annual", "days": 1, "reason": "x"})
    runtime.process.act(emp, LEAVE, record["id"], "submit", {})
    client = hostile_app.test_client()
    sign_in(client, "emp")
    html = html_of(client.get(f"{RECORDS}/{record['id']}"))
    assert "<script>alert" not in html
    svg = diagram_of(html)
    assert svg.count("&lt;script&gt;alert('x')&lt;/script&gt;&amp;") >= 2  # a state, an arrow


# -- the timeline ---------------------------------------------------------------------


def test_the_timeline_shows_actors_moves_comments_and_time_in_each_state(
    flow, staff, runtime, as_user
):
    record = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
    flow.backdate_events(LEAVE, record["id"], 2 * 3600 + 5 * 60 + 10)  # in draft since then
    flow.act(staff.emp, LEAVE, record["id"], "submit", comment="Before the holidays")
    html = html_of(as_user("emp").get(f"{RECORDS}/{record['id']}"))
    body = html.split('id="history-title"')[1]
    assert "emp</strong>" in body and "chose “Submit”" in body
    assert "after 2 h 5 min in Draft" in body and "Before the holidays" in body
    assert "started the process" in body
    chinese = html_of(as_user("emp", lang="zh-CN").get(f"{RECORDS}/{record['id']}"))
    assert "在“草稿”停留 2 小时 5 分钟" in chinese
    assert "各环节用时" in chinese


def test_the_timeline_escapes_comments(flow, staff, as_user):
    leave_id = leave(flow, staff)
    flow.act(staff.boss, LEAVE, leave_id, "comment", comment="<b>bold</b>")
    html = html_of(as_user("emp").get(f"{RECORDS}/{leave_id}"))
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_unread_counts_follow_new_notifications(flow, staff, runtime, as_user):
    leave(flow, staff)
    with runtime.db.write() as conn:
        conn.execute(notifications.update().values(read_at=utcnow()))
    html = html_of(as_user("boss").get("/"))
    assert 'id="nav-unread"' not in html and re.search(r'id="nav-tasks">1<', html)
    leave(flow, staff)
    assert re.search(r'id="nav-unread">1<', html_of(as_user("boss").get("/")))
