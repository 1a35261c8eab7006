"""Tools of an approval step: taking back an approver one added (减签) before they
decide, approving with changes to the step's editable fields in one action, and copies
(抄送) sent only when a condition holds."""

from __future__ import annotations

import pytest

from formflow.errors import Forbidden, ValidationFailed
from support.rules_support import CLAIM, flow, metadata_path, org, submitted  # noqa: F401


def added(flow, org, route: str, mode: str) -> int:
    claim_id = submitted(flow, org.emp, route, budget_code="B-7")
    flow.act(org.fin1, CLAIM, claim_id, "add_approver", values={"users": ["pat"], "mode": mode})
    return claim_id


def test_an_approver_added_after_me_can_be_taken_back(runtime, flow, org):
    claim_id = added(flow, org, "review", "after")

    [offer] = [a for a in runtime.process.actions(org.fin1, CLAIM, claim_id)
               if a["name"] == "remove_approver"]
    assert offer["choices"] == ["pat"]
    flow.act(org.fin1, CLAIM, claim_id, "remove_approver", values={"users": ["pat"]},
             comment="Not needed")

    [pat] = [t for t in flow.tasks(CLAIM, claim_id) if t.username == "pat"]
    assert (pat.status, pat.decision) == ("cancelled", "removed")
    event = flow.events(CLAIM, claim_id)[-1]
    assert (event.action, event.actor, event.data) == ("remove_approver", "fin1",
                                                       {"users": ["pat"]})
    flow.act(org.fin1, CLAIM, claim_id, "approve")
    assert flow.state(CLAIM, claim_id) == "approved"


def test_taking_back_the_last_awaited_approver_passes_the_step(flow, org):
    claim_id = added(flow, org, "panel", "parallel")
    flow.act(org.fin1, CLAIM, claim_id, "approve")
    flow.act(org.fin2, CLAIM, claim_id, "approve")
    assert flow.holders(CLAIM, claim_id) == ["pat"]

    flow.act(org.fin1, CLAIM, claim_id, "remove_approver", values={"users": ["pat"]})

    assert flow.state(CLAIM, claim_id) == "approved"


def test_taking_back_an_approver_added_before_me_gives_the_step_back(flow, org):
    claim_id = added(flow, org, "review", "before")
    assert flow.holders(CLAIM, claim_id) == ["pat"]

    flow.act(org.fin1, CLAIM, claim_id, "remove_approver", values={"users": ["pat"]})

    assert set(flow.holders(CLAIM, claim_id)) == {"fin1", "fin2"}


def test_only_the_one_who_added_may_take_back_and_only_before_a_decision(runtime, flow, org):
    claim_id = added(flow, org, "panel", "parallel")

    with pytest.raises(Forbidden):
        flow.act(org.fin2, CLAIM, claim_id, "remove_approver", values={"users": ["pat"]})
    with pytest.raises(ValidationFailed) as refused:
        flow.act(org.fin1, CLAIM, claim_id, "remove_approver", values={"users": ["fin2"]})
    assert refused.value.errors["users"][0].key == "not_removable"
    flow.act(org.pat, CLAIM, claim_id, "approve")
    with pytest.raises(Forbidden):
        flow.act(org.fin1, CLAIM, claim_id, "remove_approver", values={"users": ["pat"]})
    assert [e.action for e in flow.events(CLAIM, claim_id)].count("remove_approver") == 0


def test_the_action_dialog_lists_whom_one_may_take_back(flow, org, as_user):
    from support.web_support import csrf

    claim_id = added(flow, org, "review", "after")
    client = as_user("fin1", "zh-CN")
    url = f"/approvals/claim/{claim_id}/actions/remove_approver"

    page = client.get(url).get_data(as_text=True)
    assert "要减签的审批人" in page and 'value="pat"' in page
    done = client.post(url, data={"csrf_token": csrf(client), "users": "pat"})
    assert done.status_code in (200, 302, 303)
    assert "pat" not in flow.holders(CLAIM, claim_id)


def test_approving_with_changes_saves_them_in_the_same_action(api_as, flow, org):
    claim_id = submitted(flow, org.emp, "review", amount="20")
    api = api_as(org.fin1)

    done = api.post(f"approvals/claim/{claim_id}/actions/approve",
                    json={"values": {"budget_code": "B-9", "note": "Coded by finance"}})

    assert done.status_code == 200, done.get_json()
    record = flow.record(CLAIM, claim_id)
    assert (record["_state"], record["budget_code"], record["note"]) == (
        "approved", "B-9", "Coded by finance")


def test_changes_the_step_may_not_make_are_refused_and_nothing_is_written(api_as, flow, org):
    claim_id = submitted(flow, org.emp, "review", amount="20")
    api = api_as(org.fin1)

    refused = api.post(f"approvals/claim/{claim_id}/actions/approve",
                       json={"values": {"budget_code": "B-9", "amount": "1"}})

    assert refused.status_code == 422 and "amount" in refused.get_json()["errors"]
    record = flow.record(CLAIM, claim_id)
    assert (record["_state"], record["budget_code"], str(record["amount"])) == (
        "review", None, "20.00")


def test_the_approve_dialog_offers_the_editable_fields(flow, org, as_user):
    claim_id = submitted(flow, org.emp, "review", amount="20")

    page = as_user("fin1").get(f"/approvals/claim/{claim_id}/actions/approve")

    html = page.get_data(as_text=True)
    assert 'name="budget_code"' in html and 'name="note"' in html


@pytest.mark.parametrize(("amount", "copied"), [("2000", ["m3"]), ("20", ["pat"])])
def test_a_copy_goes_only_where_its_condition_holds(flow, org, amount, copied):
    claim_id = submitted(flow, org.emp, "review", amount=amount)

    assert [t.username for t in flow.tasks(CLAIM, claim_id, kind="cc")] == copied
