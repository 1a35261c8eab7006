"""Delegation (委托/代理): a user names a deputy for a range of days, in every process or
chosen ones; tasks opened in that range go to the deputy, who decides "on behalf of"
them, and the history names both."""

from __future__ import annotations

import pytest

from formflow.errors import NotFound, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.process.delegation_tables import delegations
from support.delegation_support import away, away_as_stored, delegation
from support.helpers import row_count
from support.rules_support import CLAIM, flow, metadata_path, org, submitted  # noqa: F401

PROCESS = "approvals.claim_flow"


def today(runtime):
    return runtime.delegations.today()


def stored(runtime) -> int:
    return row_count(runtime, delegations)


def test_a_task_opened_during_a_delegation_goes_to_the_deputy(runtime, flow, org):
    away(runtime, org.m1, "pat")

    claim_id = submitted(flow, org.emp, "levels")

    [first, second] = flow.tasks(CLAIM, claim_id)
    assert (first.username, second.username) == ("pat", "m2")
    [mine] = runtime.process.tasks(org.pat)
    assert (mine["assignee"], mine["on_behalf_of"]) == ("pat", "m1")
    delegated = [e.data for e in flow.events(CLAIM, claim_id) if e.action == "delegate"]
    assert delegated == [{"from": "m1", "to": "pat"}]


def test_the_deputys_decision_names_whose_task_it_was(runtime, flow, org):
    away(runtime, org.m1, "pat")
    claim_id = submitted(flow, org.emp, "levels")

    flow.act(org.pat, CLAIM, claim_id, "approve", comment="OK for m1")

    decision = [e for e in flow.events(CLAIM, claim_id) if e.comment == "OK for m1"][0]
    assert (decision.actor, decision.data["on_behalf_of"]) == ("pat", "m1")
    assert flow.holders(CLAIM, claim_id) == ["m2"]
    history = runtime.process.history(org.emp, CLAIM, claim_id)
    assert any(e.get("data") and e["data"].get("on_behalf_of") == "m1" for e in history)


@pytest.mark.parametrize(("days", "processes", "delegated"), [
    ((1, 3), None, False),  # starts tomorrow
    ((-3, 2), None, False),  # ended yesterday
    ((0, 0), [PROCESS], True),  # today only, this process
])
def test_only_a_delegation_covering_today_and_the_process_applies(
    runtime, flow, org, days, processes, delegated
):
    away_as_stored(runtime, org.m1, org.pat, days=days, processes=processes)

    claim_id = submitted(flow, org.emp, "levels")

    assert flow.tasks(CLAIM, claim_id)[0].username == ("pat" if delegated else "m1")


@pytest.mark.parametrize(("days", "processes", "delegated"), [
    ((0, 3), None, True),
    ((1, 3), None, False),  # starts tomorrow
    ((0, 3), ["approvals.other_flow"], False),  # another process
])
def test_a_role_holders_delegation_gives_their_task_to_the_deputy(
    runtime, flow, org, days, processes, delegated
):
    away_as_stored(runtime, org.fin1, org.pat, days=days, processes=processes)

    claim_id = submitted(flow, org.emp, "panel")

    holders = sorted(t.username for t in flow.tasks(CLAIM, claim_id))
    assert holders == (["fin2", "pat"] if delegated else ["fin1", "fin2"])


def test_a_deputy_who_is_a_requester_does_not_take_the_task(runtime, flow, org):
    away(runtime, org.m1, "emp")

    claim_id = submitted(flow, org.emp, "levels")

    assert flow.tasks(CLAIM, claim_id)[0].username == "m1"


def test_a_deputy_already_in_the_step_does_not_take_a_second_place(runtime, flow, org):
    away(runtime, org.m1, "m2")

    claim_id = submitted(flow, org.emp, "levels")

    assert [t.username for t in flow.tasks(CLAIM, claim_id)] == ["m1", "m2"]


@pytest.mark.parametrize(("body", "field", "key"), [
    ({"deputy": "m1"}, "deputy", "delegate_to_self"),
    ({"deputy": "ghost"}, "deputy", "no_such_user"),
    ({"deputy": ""}, "deputy", "required"),
    ({"ends_on": "2020-01-02", "starts_on": "2020-01-01"}, "ends_on", "delegation_in_past"),
    ({"ends_on": "yesterday"}, "ends_on", "invalid_date"),
    ({"processes": ["approvals.nope"]}, "processes", "unknown_process"),
    ({"colour": "red"}, "colour", "unknown_field"),
])
def test_a_bad_delegation_is_refused_and_nothing_is_stored(runtime, org, body, field, key):
    payload = {**delegation("pat", today(runtime), 2), **body}

    with pytest.raises(ValidationFailed) as refused:
        runtime.delegations.create(org.m1, payload)

    assert refused.value.errors[field][0].key == key
    assert stored(runtime) == 0


def test_overlapping_delegations_are_refused(runtime, org):
    away(runtime, org.m1, "pat", processes=[PROCESS])

    with pytest.raises(ValidationFailed) as refused:
        away(runtime, org.m1, "fin1", days=(2, 5))

    assert refused.value.errors == {"starts_on": [Message("delegation_overlaps")]}
    assert stored(runtime) == 1


def test_a_user_lists_and_ends_only_their_own_delegations(runtime, org):
    mine = away(runtime, org.m1, "pat")

    assert runtime.delegations.list(org.m1) == [mine]
    assert runtime.delegations.list(org.m2) == []
    with pytest.raises(NotFound):
        runtime.delegations.delete(org.m2, mine["id"])
    runtime.delegations.delete(org.m1, mine["id"])
    assert stored(runtime) == 0


def test_the_rest_api_manages_the_callers_delegations(api_as, org):
    api = api_as(org.m1)
    body = delegation("pat", utcnow().date(), 5)

    created = api.post("delegations", json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["deputy"] == "pat"
    assert api.get("delegations").get_json()["total"] == 1
    refused = api.post("delegations", json={**body, "deputy": "nobody"})
    assert refused.status_code == 422 and "deputy" in refused.get_json()["errors"]
    assert api_as(org.m2).delete(f"delegations/{created.get_json()['id']}").status_code == 404
    assert api.delete(f"delegations/{created.get_json()['id']}").status_code == 204
    assert api.get("delegations").get_json()["items"] == []


def test_the_profile_page_names_and_ends_a_deputy(runtime, org, as_user):
    from support.web_support import csrf

    client = as_user("m1")
    start = today(runtime)
    refused = client.post("/profile/delegations", data={
        "csrf_token": csrf(client), "deputy": "m1", "starts_on": start.isoformat(),
        "ends_on": start.isoformat()})
    assert refused.status_code == 422
    assert "Choose someone else as your deputy." in refused.get_data(as_text=True)
    assert stored(runtime) == 0

    done = client.post("/profile/delegations", data={
        "csrf_token": csrf(client), **delegation("pat", start, 2, [PROCESS])})
    assert done.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert 'data-delegation="' in page and "Claim approval" in page
    [item] = runtime.delegations.list(org.m1)
    client.post(f"/profile/delegations/{item['id']}/delete", data={"csrf_token": csrf(client)})
    assert stored(runtime) == 0


def test_the_profile_page_reads_in_chinese(as_user, org):
    html = as_user("m1", "zh-CN").get("/profile").get_data(as_text=True)

    assert "外出委托" in html and "设置代理人" in html


@pytest.mark.parametrize(("lang", "text"), [("en", "on behalf of m1"), ("zh-CN", "代 m1")])
def test_the_inbox_and_the_record_show_whose_task_the_deputy_holds(
    runtime, flow, org, as_user, lang, text
):
    away(runtime, org.m1, "pat")
    claim_id = submitted(flow, org.emp, "levels")
    client = as_user("pat", lang)

    assert text in client.get("/inbox").get_data(as_text=True)
    assert text in client.get(f"/approvals/claim/{claim_id}").get_data(as_text=True)
    flow.act(org.pat, CLAIM, claim_id, "approve")
    history = as_user("emp", lang).get(f"/approvals/claim/{claim_id}").get_data(as_text=True)
    assert text in history


def test_two_overlapping_delegations_made_at_once_keep_one(runtime, org):
    from support.process_helpers import run_together

    bodies = [delegation(deputy, today(runtime), 2) for deputy in ("pat", "fin1")]

    results = run_together(2, lambda i: runtime.delegations.create(org.m1, bodies[i]))

    assert sorted(type(r).__name__ for r in results) == ["ValidationFailed", "dict"]
    assert stored(runtime) == 1


def test_the_openapi_document_describes_delegations_and_deputies(runtime, flow, org, api_as):
    from jsonschema import Draft202012Validator

    away(runtime, org.m1, "pat")
    submitted(flow, org.emp, "levels")
    api = api_as(org.pat)
    document = api.get("openapi.json").get_json()

    assert {"get", "post"} <= set(document["paths"]["/api/v1/delegations"])
    assert "delete" in document["paths"]["/api/v1/delegations/{id}"]
    tasks_schema = document["paths"]["/api/v1/tasks"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    answer = api.get("tasks").get_json()
    Draft202012Validator(tasks_schema).validate(answer)
    assert answer["items"][0]["on_behalf_of"] == "m1"
