"""The shipped hr app end to end: leave approved by the manager (and HR for more than
three days) within the balance on the employee record, and deducted from it when
approved (never overdrawn, not even by approvals at once); overtime and attendance
corrections; onboarding and offboarding checklists whose steps complete only when their
items are filled in."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from formflow.plugins.manager import PluginLoadError
from formflow.settings import DEFAULTS
from support.app_fixtures import act, api, app, database_url, staff, template  # noqa: F401 (fixtures)
from support.app_helpers import EN, Act, created, messages, shipped_config
from support.process_helpers import run_together

LEAVE = "hr/leave_request"


@pytest.fixture
def dev(api):
    """dev's employee record (dev reports to dora), 5 days of annual leave left."""
    return created(
        api.hugo.post(
            "hr/employee",
            json={
                "name": "Dev Eloper",
                "user": "dev",
                "department": "RD",
                "position": "Engineer",
                "hire_date": "2020-03-01",
                "annual_leave_balance": "5",
            },
        )
    )


def days(n: int) -> str:
    """The date ``n`` days from today where the site is (``today()`` in an expression is
    the site's date, which is not the machine's in the evening UTC)."""
    today = datetime.now(ZoneInfo(DEFAULTS["TIMEZONE"])).date()
    return (today + timedelta(days=n)).isoformat()


def test_leave_goes_to_the_manager_then_hr_within_the_balance(api, act, dev):
    assert (
        api.dev.patch(f"hr/employee/{dev['id']}", json={"annual_leave_balance": "30"}).status_code
        == 403
    )  # only HR changes balances
    over = api.dev.post(
        LEAVE,
        json={
            "employee": dev["id"],
            "kind": "annual",
            "start_date": days(10),
            "end_date": days(16),
        },
        headers=EN,
    )
    assert over.status_code == 422 and "Not enough annual leave" in messages(over)
    more = api.hugo.patch(f"hr/employee/{dev['id']}", json={"annual_leave_balance": "10"})
    assert more.status_code == 200

    short = created(
        api.dev.post(
            LEAVE,
            json={
                "employee": dev["id"],
                "kind": "annual",
                "start_date": days(10),
                "end_date": days(11),
                "deputy": "rita",
            },
        )
    )
    assert (short["days"], short["balance"], short["employee_user"]) == ("2.0", "10.0", "dev")
    act(api.dev, LEAVE, short["id"], "submit")
    assert [t["state"] for t in api.dora.get("tasks").get_json()["items"]] == ["manager_review"]
    assert [t["record_id"] for t in api.rita.get("tasks?status=cc").get_json()["items"]] == [
        short["id"]
    ]  # the deputy is copied
    assert act(api.dora, LEAVE, short["id"], "approve").get_json()["_state"] == "approved"

    long = api.dev.post(
        LEAVE,
        json={
            "employee": dev["id"],
            "kind": "annual",
            "start_date": days(20),
            "end_date": days(23),
        },
    )
    assert "reason" in long.get_json()["errors"]  # more than three days need a reason
    long = created(
        api.dev.post(
            LEAVE,
            json={
                "employee": dev["id"],
                "kind": "annual",
                "start_date": days(20),
                "end_date": days(23),
                "reason": "Family visit",
            },
        )
    )
    act(api.dev, LEAVE, long["id"], "submit")
    assert act(api.dora, LEAVE, long["id"], "approve").get_json()["_state"] == "hr_review"
    act(api.dora, LEAVE, long["id"], "approve", status=409)  # the step has moved on
    assert act(api.hana, LEAVE, long["id"], "approve").get_json()["_state"] == "approved"

    # HR lowers the balance while a request waits: the approval is refused.
    waiting = created(
        api.dev.post(
            LEAVE,
            json={
                "employee": dev["id"],
                "kind": "annual",
                "start_date": days(40),
                "end_date": days(41),
            },
        )
    )
    act(api.dev, LEAVE, waiting["id"], "submit")
    api.hugo.patch(f"hr/employee/{dev['id']}", json={"annual_leave_balance": "1"})
    refused = act(api.dora, LEAVE, waiting["id"], "approve", status=422)
    assert "Dev Eloper has 1 days, this request needs 2" in messages(refused)
    assert api.dora.get(f"{LEAVE}/{waiting['id']}").get_json()["_state"] == "manager_review"


def annual(api, dev, start: int, end: int, **values) -> dict:
    """dev's request for annual leave from ``start`` to ``end`` days from now, submitted."""
    request = created(
        api.dev.post(
            LEAVE,
            json={
                "employee": dev["id"],
                "kind": "annual",
                "start_date": days(start),
                "end_date": days(end),
                **values,
            },
        )
    )
    Act()(api.dev, LEAVE, request["id"], "submit")
    return request


def balance(api, dev) -> str:
    return api.hugo.get(f"hr/employee/{dev['id']}").get_json()["annual_leave_balance"]


def test_approval_deducts_the_days_and_then_more_than_is_left_is_refused(api, act, dev):
    three = annual(api, dev, 10, 12)
    assert three["days"] == "3.0" and balance(api, dev) == "5.0"
    act(api.dora, LEAVE, three["id"], "approve")
    assert balance(api, dev) == "2.0"

    more = {"employee": dev["id"], "kind": "annual", "start_date": days(20),
            "end_date": days(22)}
    refused = api.dev.post(LEAVE, json=more, headers=EN)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["days"] == [
        "Not enough annual leave left: Dev Eloper has 2 days, this request needs 3."]
    refused = api.dev.post(LEAVE, json=more, headers={"Accept-Language": "zh-CN"})
    assert refused.get_json()["errors"]["days"] == [
        "年假余额不足：Dev Eloper 剩余 2 天，本次申请 3 天。"]
    assert balance(api, dev) == "2.0"


def test_rejected_withdrawn_and_uncounted_leave_deducts_nothing(api, act, dev):
    rejected = annual(api, dev, 10, 11)
    act(api.dora, LEAVE, rejected["id"], "reject", comment="Release week")
    withdrawn = annual(api, dev, 20, 21)
    act(api.dev, LEAVE, withdrawn["id"], "withdraw")
    act(api.dev, LEAVE, withdrawn["id"], "cancel")
    sick = created(
        api.dev.post(
            LEAVE,
            json={"employee": dev["id"], "kind": "personal", "start_date": days(30),
                  "end_date": days(31), "reason": "Moving house"},
        )
    )
    act(api.dev, LEAVE, sick["id"], "submit")
    act(api.dora, LEAVE, sick["id"], "approve")
    employee = api.hugo.get(f"hr/employee/{dev['id']}").get_json()
    assert (employee["annual_leave_balance"], employee["comp_leave_balance"]) == ("5.0", "0.0")


def test_approvals_at_once_never_overdraw_the_balance(api, act, dev, runtime, staff):
    first, second = annual(api, dev, 10, 12), annual(api, dev, 20, 22)  # 3 + 3 of 5 days

    results = run_together(
        2,
        lambda i: runtime.process.act(
            staff.dora, "hr.leave_request", (first, second)[i]["id"], "approve", {}
        ),
    )

    assert sorted(type(r).__name__ for r in results) == ["Vetoed", "dict"], results
    assert balance(api, dev) == "2.0"
    states = [api.dev.get(f"{LEAVE}/{r['id']}").get_json()["_state"] for r in (first, second)]
    assert sorted(states) == ["approved", "manager_review"]


def test_overtime_and_attendance_corrections(api, act, dev):
    paid = created(
        api.dev.post(
            "hr/overtime_request",
            json={
                "employee": dev["id"],
                "starts_at": "2024-05-06T11:00:00Z",
                "ends_at": "2024-05-06T14:30:00Z",
                "compensation": "pay",
                "reason": "Release",
            },
        )
    )
    assert paid["hours"] == "3.5"
    act(api.dev, "hr/overtime_request", paid["id"], "submit")
    assert (
        act(api.dora, "hr/overtime_request", paid["id"], "approve").get_json()["_state"]
        == "hr_review"
    )
    assert (
        act(api.hugo, "hr/overtime_request", paid["id"], "approve").get_json()["_state"]
        == "approved"
    )
    in_lieu = created(
        api.dev.post(
            "hr/overtime_request",
            json={
                "employee": dev["id"],
                "starts_at": "2024-05-07T11:00:00Z",
                "ends_at": "2024-05-07T13:00:00Z",
                "reason": "Release",
            },
        )
    )
    act(api.dev, "hr/overtime_request", in_lieu["id"], "submit")
    assert (
        act(api.dora, "hr/overtime_request", in_lieu["id"], "approve").get_json()["_state"]
        == "approved"
    )

    future = api.dev.post(
        "hr/attendance_correction",
        json={
            "employee": dev["id"],
            "work_date": days(3),
            "punch": "clock_in",
            "corrected_time": "08:55",
            "reason": "device",
        },
        headers=EN,
    )
    assert "past days" in messages(future)
    fix = created(
        api.dev.post(
            "hr/attendance_correction",
            json={
                "employee": dev["id"],
                "work_date": days(-1),
                "punch": "clock_in",
                "corrected_time": "08:55",
                "reason": "device",
            },
        )
    )
    act(api.dev, "hr/attendance_correction", fix["id"], "submit")
    act(api.dora, "hr/attendance_correction", fix["id"], "approve")
    assert (
        act(api.hugo, "hr/attendance_correction", fix["id"], "approve").get_json()["_state"]
        == "approved"
    )


def test_onboarding_steps_complete_only_with_their_checklist(api, act):
    hire = created(
        api.hugo.post(
            "hr/employee",
            json={
                "name": "New Hire",
                "department": "RD",
                "status": "onboarding",
                "hire_date": days(14),
            },
        )
    )
    path = "hr/onboarding"
    record = created(
        api.hugo.post(
            path,
            json={
                "employee": hire["id"],
                "start_date": days(14),
                "hiring_manager": "dora",
                "extra_tasks": [{"task": "Badge photo", "owner": "ada"}],
            },
        )
    )
    assert record["department"] == "RD"
    act(api.hugo, path, record["id"], "start")
    refused = act(api.hugo, path, record["id"], "complete", status=422)
    assert set(refused.get_json()["errors"]) == {
        "contract_signed_on",
        "documents_checked_on",
        "social_insurance",
    }
    act(
        api.hugo,
        path,
        record["id"],
        "complete",
        values={
            "contract_signed_on": days(0),
            "documents_checked_on": days(0),
            "social_insurance": "enrolled",
        },
    )
    act(api.hugo, path, record["id"], "complete", status=409)  # HR's branch is done
    assert api.hugo.get(f"{path}/{record['id']}").get_json()["_states"] == [
        "it_setup", "manager_welcome"]
    act(
        api.ivan,
        path,
        record["id"],
        "complete",
        values={"account_name": "newhire", "equipment": ["laptop", "badge"]},
    )
    welcomed = {"buddy": "dev", "first_week_plan": "Set up, read the docs"}
    refused = act(api.dora, path, record["id"], "complete", values=welcomed, status=422, lang="en")
    assert "Tick off every other task" in messages(refused)
    done = act(
        api.dora,
        path,
        record["id"],
        "complete",
        values={**welcomed, "extra_tasks": [{"task": "Badge photo", "owner": "ada", "done": True}]},
    ).get_json()
    assert done["_state"] == "completed" and done["completed_on"] == days(0)


def test_offboarding_runs_from_handover_to_the_leaving_certificate(api, act, dev):
    path = "hr/offboarding"
    record = created(
        api.hugo.post(
            path,
            json={
                "employee": dev["id"],
                "last_day": days(20),
                "reason": "resignation",
                "handover": [{"task": "On-call rota", "colleague": "dora"}],
            },
        )
    )
    act(api.hugo, path, record["id"], "start")
    refused = act(
        api.dora,
        path,
        record["id"],
        "complete",
        status=422,
        lang="en",
        values={"handover_confirmed_on": days(0)},
    )
    assert "Tick every handover item" in messages(refused)
    act(
        api.dora,
        path,
        record["id"],
        "complete",
        values={
            "handover_confirmed_on": days(0),
            "handover": [{"task": "On-call rota", "colleague": "dora", "done": True}],
        },
    )
    act(
        api.ivan,
        path,
        record["id"],
        "complete",
        values={"accounts_disabled_on": days(0), "equipment_returned": "NB-1"},
    )
    act(
        api.fay,
        path,
        record["id"],
        "complete",
        values={"settled_on": days(0), "final_pay": "12000"},
    )
    done = act(
        api.hana, path, record["id"], "complete", values={"certificate_issued_on": days(0)}
    ).get_json()
    assert done["_state"] == "completed"
    assert "final_pay" not in api.hugo.get(f"{path}/{record['id']}").get_json()  # finance, HR mgr


def test_the_leave_balance_settings_are_checked_at_start(make_app, tmp_path):
    config = shipped_config(tmp_path)
    with pytest.raises(PluginLoadError, match=(
        r"app hr: employee needs a decimal field 'holiday_balance' "
        r"\(see the leave_balance settings\)"
    )):
        make_app(config.pop("METADATA_PATH"), PLUGINS_PATH=config["PLUGINS_PATH"],
                 PLUGIN_LEAVE_BALANCE_BALANCES={"annual": "holiday_balance"})
