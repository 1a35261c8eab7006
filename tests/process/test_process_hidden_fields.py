"""A state's ``hidden`` fields (隐藏): while a pay raise sits in manager_review, its
approver (the creator's manager, who holds the open task) does not get ``salary`` or
``remark`` from the record, a list, an export or the history, and may not filter or sort
on them; the creator and an admin still see them, and the approver sees them again once
the record has moved on.  In a sequential approval the same holds for a later approver
while their task waits for their turn."""

from __future__ import annotations

import functools
import json
import shutil
from types import SimpleNamespace

import pytest

from support import TEST_APPS
from support.helpers import problem
from support.process_helpers import Clients, Flow

PAY_APPS = TEST_APPS / "stepfields"
RAISE = "pay.raise"
PATH = "pay/raise"
HIDDEN = {"salary", "remark"}


@pytest.fixture
def metadata_path():
    return [str(PAY_APPS)]


@pytest.fixture
def staff(make_user):
    make_user = functools.partial(make_user, password=None)
    boss = make_user("boss")
    return SimpleNamespace(
        boss=boss, emp=make_user("emp", manager="boss"), hr1=make_user("hr1", roles=["hr_manager"])
    )


@pytest.fixture
def api(api_as, staff, admin):
    clients = Clients(api_as, staff)
    clients.admin = api_as(admin)
    return clients


@pytest.fixture
def flow(runtime):
    return Flow(runtime)


def submitted(flow, staff, subject="Raise", salary=9000, remark="secret") -> int:
    record = flow.create(staff.emp, RAISE, subject=subject, salary=salary, remark=remark, note="n")
    flow.act(staff.emp, RAISE, record["id"], "submit")
    return record["id"]


@pytest.mark.parametrize("who", ["emp", "admin"])
def test_the_approver_does_not_get_hidden_fields_the_creator_and_an_admin_do(flow, staff, api, who):
    raise_id = submitted(flow, staff)

    record = api.boss.get(f"{PATH}/{raise_id}").get_json()
    theirs = getattr(api, who).get(f"{PATH}/{raise_id}").get_json()

    assert record["subject"] == "Raise" and record["note"] == "n"
    assert not HIDDEN & set(record)
    assert (theirs["salary"], theirs["remark"]) == (9000, "secret")


def test_a_list_hides_the_fields_per_row(flow, staff, api):
    in_review = submitted(flow, staff)
    draft = flow.create(staff.emp, RAISE, subject="Later", salary=7000, remark="draft")["id"]
    flow.create(staff.boss, RAISE, subject="Own", salary=5000)

    items = {item["id"]: item for item in api.boss.get(PATH).get_json()["items"]}

    assert not HIDDEN & set(items[in_review])
    assert draft not in items  # not the boss's to read at all
    assert [item["salary"] for item in items.values() if item["id"] != in_review] == [5000]


@pytest.mark.parametrize(
    "query",
    ["salary=9000", "salary__gt=1", "remark__contains=sec", "sort=-salary", "sort=subject,remark"],
)
def test_the_approver_may_not_filter_or_sort_on_a_hidden_field(flow, staff, api, query):
    raise_id = submitted(flow, staff)

    body = problem(api.boss.get(f"{PATH}?{query}"), 422)

    name = "salary" if "salary" in query else "remark"
    assert list(body["errors"]) == [name]
    assert f"'{name}'" in body["detail"] and "隐藏" in body["detail"]  # the site's language
    mine = api.emp.get(f"{PATH}?{query}").get_json()["items"]  # the creator may
    assert [i["id"] for i in mine] == [raise_id]


def test_search_does_not_match_a_hidden_field_for_the_approver(flow, staff, api):
    raise_id = submitted(flow, staff, remark="needle")

    assert api.boss.get(f"{PATH}?q=needle").get_json()["items"] == []
    assert [i["id"] for i in api.emp.get(f"{PATH}?q=needle").get_json()["items"]] == [raise_id]


def test_the_history_hides_the_fields_from_the_approver(flow, staff, api):
    raise_id = submitted(flow, staff)

    entries = api.boss.get(f"{PATH}/{raise_id}/history").get_json()["items"]
    creator = api.emp.get(f"{PATH}/{raise_id}/history").get_json()["items"]

    changed = set().union(*(e.get("changes") or {} for e in entries))
    assert "subject" in changed and not HIDDEN & changed
    assert set().union(*(e.get("changes") or {} for e in creator)) >= HIDDEN


def test_an_export_hides_the_fields_from_the_approver(runtime, flow, staff):
    submitted(flow, staff, remark="needle")

    export = runtime.exporter.export(staff.boss, RAISE, {}, "csv", codes=True)
    text = b"".join(export.chunks).decode("utf-8-sig")

    assert "Raise" in text and "needle" not in text and "9000" not in text


def test_the_fields_show_again_once_the_record_moved_on(flow, staff, api):
    raise_id = submitted(flow, staff)
    assert "salary" not in api.boss.get(f"{PATH}/{raise_id}").get_json()

    moved = api.boss.post(f"{PATH}/{raise_id}/actions/approve", json={})
    assert moved.status_code == 200, moved.get_json()

    record = api.boss.get(f"{PATH}/{raise_id}").get_json()
    assert (record["salary"], record["remark"]) == (9000, "secret")
    assert api.boss.get(f"{PATH}?salary=9000").status_code == 200


def test_an_edit_by_the_approver_answers_without_the_hidden_fields(flow, staff, api):
    raise_id = submitted(flow, staff)

    response = api.boss.patch(f"{PATH}/{raise_id}", json={"note": "ok"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["note"] == "ok" and not HIDDEN & set(response.get_json())
    assert flow.record(RAISE, raise_id)["salary"] == 9000


def test_hook_record_hidden_fields(runtime, flow, staff):
    raise_id = submitted(flow, staff)
    entity = runtime.model.entity(RAISE)

    with runtime.db.read() as conn:
        hidden = runtime.records.scopes.hidden_fields(conn, staff.boss, entity, [raise_id])
        everywhere = runtime.records.scopes.hidden_fields(conn, staff.boss, entity)
        creator = runtime.records.scopes.hidden_fields(conn, staff.emp, entity)

    assert hidden == everywhere == {raise_id: frozenset(HIDDEN)}
    assert creator == {}


def test_a_list_sum_leaves_a_hidden_field_out_for_the_approver(runtime, flow, staff):
    submitted(flow, staff)
    flow.create(staff.boss, RAISE, subject="Own", salary=5000)

    boss = runtime.records.list(staff.boss, RAISE, {}, sums=["salary"])
    emp = runtime.records.list(staff.emp, RAISE, {}, sums=["salary"])

    assert "salary" not in boss.sums
    assert emp.sums["salary"] in (9000, "9000")


def test_hook_record_hidden_anywhere(runtime, flow, staff):
    submitted(flow, staff)
    flow.create(staff.boss, RAISE, subject="Own", salary=5000)
    entity = runtime.model.entity(RAISE)

    with runtime.db.read() as conn:
        boss = runtime.records.scopes.hidden_anywhere(conn, staff.boss, entity)
        emp = runtime.records.scopes.hidden_anywhere(conn, staff.emp, entity)

    assert (boss, emp) == (frozenset(HIDDEN), frozenset())


class TestASequentialApproval:
    """manager_review approved in turn (依次): the creator's manager, then an HR manager,
    whose task waits for their turn meanwhile."""

    @pytest.fixture
    def metadata_path(self, tmp_path):
        folder = shutil.copytree(PAY_APPS / "pay", tmp_path / "pay")
        path = folder / "processes" / "raise_flow.json"
        process = json.loads(path.read_text(encoding="utf-8"))
        review = next(s for s in process["states"] if s["name"] == "manager_review")
        review["assignees"].append({"role": "hr_manager"})
        review["approval"] = {"mode": "sequential", "action": "approve"}
        path.write_text(json.dumps(process), encoding="utf-8")
        return [str(tmp_path)]

    def test_a_waiting_approver_does_not_get_the_hidden_fields_until_the_record_moved_on(
        self, flow, staff, api
    ):
        raise_id = submitted(flow, staff)
        assert flow.holders(RAISE, raise_id, "waiting") == ["hr1"]

        def seen_by_hr1() -> tuple[dict, dict]:
            rows = api.hr1.get(PATH).get_json()["items"]
            row = next(item for item in rows if item["id"] == raise_id)
            return api.hr1.get(f"{PATH}/{raise_id}").get_json(), row

        for seen in seen_by_hr1():  # waiting for their turn
            assert seen["subject"] == "Raise" and not HIDDEN & set(seen)

        moved = api.boss.post(f"{PATH}/{raise_id}/actions/approve", json={})
        assert moved.status_code == 200, moved.get_json()
        assert flow.holders(RAISE, raise_id) == ["hr1"]
        for seen in seen_by_hr1():  # their turn
            assert not HIDDEN & set(seen)
        # The manager approved, but the record still sits in the state.
        assert not HIDDEN & set(api.boss.get(f"{PATH}/{raise_id}").get_json())

        moved = api.hr1.post(f"{PATH}/{raise_id}/actions/approve", json={})
        assert moved.status_code == 200, moved.get_json()
        assert flow.state(RAISE, raise_id) == "hr_review"
        for seen in seen_by_hr1():
            assert (seen["salary"], seen["remark"]) == (9000, "secret")
