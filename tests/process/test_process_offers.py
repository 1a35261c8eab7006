"""What a record offers its reader: the records service's ``permitted`` answer (Edit
allowed, or why not) behind the record page's Edit button, ``GET .../permitted`` and the
edit page; fields a transition ``set`` fills are read-only in forms and refused on save."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from support.flow_fixtures import database_url, flow, metadata_path, template  # noqa: F401 (fixtures)
from support.helpers import problem
from support.process_helpers import LEAVE, path_of


@pytest.fixture
def staff(make_user):
    """emp reports to boss; bud is another employee; hr1 reads every leave; all may sign
    in."""
    return SimpleNamespace(boss=make_user("boss"), emp=make_user("emp", manager="boss"),
                           bud=make_user("bud"), hr1=make_user("hr1", roles=["hr_manager"]),
                           pat=make_user("pat"))


def leave(flow, staff, *moves, days=2):
    """A leave of emp moved by ``moves`` ((person, action, comment) each)."""
    record = flow.create(staff.emp, LEAVE, kind="annual", days=days, reason="Trip")
    for who, action, comment in moves:
        flow.act(getattr(staff, who), LEAVE, record["id"], action, comment=comment)
    return record["id"]


SUBMIT = ("emp", "submit", None)


@pytest.mark.parametrize(
    ("moves", "who", "days", "reason"),
    [
        ((SUBMIT,), "emp", 2, "edit_in_approval_withdraw"),
        # boss decided the step before: no approver of this one, nothing to withdraw
        ((SUBMIT, ("boss", "approve", None)), "boss", 5, "edit_in_approval"),
        ((SUBMIT, ("boss", "approve", None)), "emp", 2, "edit_finished"),
        ((SUBMIT, ("boss", "reject", "No")), "emp", 2, "edit_finished"),
        ((), "hr1", 2, "edit_not_permitted"),  # reads every leave, changes none
    ],
)
def test_permitted_says_why_a_record_cannot_be_edited(runtime, flow, staff, moves, who, days,
                                                      reason):
    record_id = leave(flow, staff, *moves, days=days)
    permitted = runtime.records.permitted(getattr(staff, who), LEAVE, record_id)
    assert (permitted.update, permitted.reason.key) == (False, reason)


@pytest.mark.parametrize(("moves", "who"), [((), "emp"), ((SUBMIT,), "boss")])
def test_the_creator_of_a_draft_and_the_current_approver_may_edit(runtime, flow, staff,
                                                                 moves, who):
    record_id = leave(flow, staff, *moves)
    permitted = runtime.records.permitted(getattr(staff, who), LEAVE, record_id)
    assert (permitted.update, permitted.reason) == (True, None)


@pytest.mark.parametrize(
    ("language", "reason"),
    [("en", "In approval — withdraw it to edit."), ("zh-CN", "审批中，撤回后可修改。")],
)
def test_the_api_answers_permitted_with_the_reason_in_the_callers_language(flow, staff, api,
                                                                           language, reason):
    record_id = leave(flow, staff, SUBMIT)
    answer = api.emp.get(f"{path_of(LEAVE)}/{record_id}/permitted",
                         headers={"Accept-Language": language})
    assert answer.status_code == 200
    assert answer.get_json() == {"update": False, "delete": False, "reason": reason}


def test_permitted_of_a_record_one_may_not_read_is_not_found(flow, staff, api):
    record_id = leave(flow, staff)
    problem(api.pat.get(f"{path_of(LEAVE)}/{record_id}/permitted"), 404)


def test_a_field_the_process_sets_is_refused_on_create_and_update(flow, staff, api):
    created = api.emp.post(path_of(LEAVE), json={"kind": "annual", "days": 1,
                                                 "approved_on": "2026-01-01"},
                           headers={"Accept-Language": "en"})
    assert problem(created, 422)["errors"] == {
        "approved_on": ["This field is filled in by the approval process."]}
    record_id = leave(flow, staff)
    changed = api.emp.patch(f"{path_of(LEAVE)}/{record_id}", json={"approved_on": "2026-01-01"},
                            headers={"Accept-Language": "zh-CN"})
    assert problem(changed, 422)["errors"] == {"approved_on": ["此字段由审批流程填写。"]}


def test_the_process_still_fills_the_field_it_sets(flow, staff):
    record_id = leave(flow, staff, SUBMIT, ("boss", "approve", None))
    assert flow.record(LEAVE, record_id)["approved_on"] is not None


def test_a_field_the_process_sets_is_read_only_in_the_form(runtime, flow, staff):
    record_id = leave(flow, staff)
    for preview in (runtime.records.preview(staff.emp, LEAVE, {}),
                    runtime.records.preview(staff.emp, LEAVE, {}, record_id)):
        assert preview.states["approved_on"].readonly
        assert not preview.states["reason"].readonly


# -- the pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "reason"),
    [("en", "In approval — withdraw it to edit."), ("zh-CN", "审批中，撤回后可修改。")],
)
def test_the_record_page_disables_edit_with_the_reason(flow, staff, as_user, lang, reason):
    record_id = leave(flow, staff, SUBMIT)
    html = as_user("emp", lang).get(f"/flow/leave/{record_id}").get_data(as_text=True)
    assert 'id="edit-record" disabled' in html
    assert f'<span id="edit-reason" class="small text-body-secondary">{reason}</span>' in html
    assert f"/flow/leave/{record_id}/edit" not in html


def test_the_record_page_links_edit_when_it_is_allowed(flow, staff, as_user):
    record_id = leave(flow, staff)
    html = as_user("emp").get(f"/flow/leave/{record_id}").get_data(as_text=True)
    assert f'id="edit-record" href="/flow/leave/{record_id}/edit"' in html
    assert "edit-reason" not in html


def test_the_edit_page_of_a_finished_record_leads_back_with_the_reason(flow, staff, as_user):
    record_id = leave(flow, staff, SUBMIT, ("boss", "approve", None))
    client = as_user("emp", "zh-CN")
    response = client.get(f"/flow/leave/{record_id}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/flow/leave/{record_id}")
    assert "已完成的记录不能修改。" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_the_form_shows_a_field_the_process_sets_as_read_only(flow, staff, as_user):
    html = as_user("emp").get("/flow/leave/new").get_data(as_text=True)
    assert 'id="st-approved_on" class="ff-state" data-for="approved_on" data-visible="true" ' \
        'data-required="false" data-readonly="true"' in html
