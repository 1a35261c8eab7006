"""The shipped crm app end to end: a lead is worked, qualified by a sales manager and
linked to a customer; quotations take the branch their discount calls for (approved on
submission, by the sales manager, or by the sales director too); follow-ups belong to a
lead or a customer."""

from __future__ import annotations

from support.app_fixtures import act, api, app, database_url, staff, template  # noqa: F401 (fixtures)
from support.app_helpers import EN, created, messages
from support.process_helpers import today_iso

LEADS = "crm/lead"
QUOTES = "crm/quotation"


def test_a_lead_is_submitted_qualified_and_linked_to_its_customer(
    api, act, customer, runtime, staff
):
    lead = created(
        api.rita.post(
            LEADS,
            json={
                "company": "Globex",
                "contact_name": "Hank Scorpio",
                "phone": "+86 21 5555 0100",
                "source": "referral",
                "need": "Replace the old ERP",
            },
        )
    )
    assert lead["_state"] == "new" and lead["_number"].startswith("LD-")
    assert lead["owner"] == "rita" and lead["score"] == 20  # a referral, nothing else known

    refused = act(api.rita, LEADS, lead["id"], "submit", status=422)
    assert "budget" in refused.get_json()["errors"]  # need and budget first
    patched = api.rita.patch(f"{LEADS}/{lead['id']}", json={"budget": "150000"})
    assert patched.get_json()["score"] == 60  # a budget above 100,000 adds 40
    assert act(api.rita, LEADS, lead["id"], "submit").get_json()["_state"] == "review"

    tasks = api.sam.get("tasks?status=open").get_json()["items"]
    assert [(t["entity"], t["record_id"], t["state"]) for t in tasks] == [
        ("lead", lead["id"], "review")
    ]
    assert tasks[0]["due_at"] is not None  # the 2-business-day SLA
    act(api.rita, LEADS, lead["id"], "approve", status=403)  # only the reviewers decide

    done = act(
        api.sam,
        LEADS,
        lead["id"],
        "approve",
        values={"customer": customer["id"]},
        comment="Budget confirmed",
    ).get_json()
    assert done["_state"] == "qualified" and done["customer"] == customer["id"]
    assert done["qualified_on"] == today_iso(runtime, staff.sam)
    assert api.rita.patch(f"{LEADS}/{lead['id']}", json={"notes": "x"}).status_code in (403, 422)


def test_a_lead_is_disqualified_only_with_a_reason(api, act):
    lead = created(
        api.ray.post(
            LEADS,
            json={
                "company": "Initech",
                "contact_name": "Bill",
                "email": "bill@initech.example",
                "need": "Reports",
                "budget": "5000",
            },
        )
    )
    act(api.ray, LEADS, lead["id"], "submit")
    refused = act(api.sam, LEADS, lead["id"], "disqualify", comment="No money", status=422)
    assert "disqualify_reason" in refused.get_json()["errors"]
    act(
        api.sam,
        LEADS,
        lead["id"],
        "disqualify",
        status=422,
        values={"disqualify_reason": "no_budget"},
    )  # a comment is required too
    done = act(
        api.sam,
        LEADS,
        lead["id"],
        "disqualify",
        comment="No money",
        values={"disqualify_reason": "no_budget"},
    ).get_json()
    assert done["_state"] == "disqualified"


def quotation(api, customer, discount):
    return created(
        api.rita.post(
            QUOTES,
            json={
                "subject": f"Offer at {discount} %",
                "customer": customer["id"],
                "lines": [
                    {
                        "product": "ERP licence",
                        "quantity": "2",
                        "list_price": "10000",
                        "discount": str(discount),
                    },
                    {"product": "Training day", "quantity": "1", "list_price": "2000"},
                ],
            },
        )
    )


def test_quotation_discount_decides_who_approves(api, act, customer, runtime, staff):
    small = quotation(api, customer, 5)
    assert (small["subtotal"], small["total"], small["discount_rate"]) == (
        "22000.00",
        "21000.00",
        "4.55",
    )
    assert small["valid_until"] > small["quote_date"]
    assert act(api.rita, QUOTES, small["id"], "submit").get_json()["_state"] == "approved"

    medium = quotation(api, customer, 15)
    assert act(api.rita, QUOTES, medium["id"], "submit").get_json()["_state"] == "manager_review"
    act(api.boss, QUOTES, medium["id"], "approve", status=403)  # not the director's turn
    done = act(api.sam, QUOTES, medium["id"], "approve").get_json()
    assert done["_state"] == "approved" and done["approved_on"] == today_iso(runtime, staff.sam)

    large = quotation(api, customer, 30)
    assert large["discount_rate"] == "27.27"
    act(api.rita, QUOTES, large["id"], "submit")
    assert act(api.sam, QUOTES, large["id"], "approve").get_json()["_state"] == "director_review"
    copied = api.rita.get("tasks?status=cc").get_json()["items"]
    assert [(t["record_id"], t["state"]) for t in copied] == [(large["id"], "director_review")]
    assert act(api.boss, QUOTES, large["id"], "approve").get_json()["_state"] == "approved"

    history = api.rita.get(f"{QUOTES}/{large['id']}/history").get_json()["items"]
    moves = [(e["action"], e["to"], e["actor"]) for e in history if e.get("kind") == "event"]
    assert moves == [
        ("start", "draft", "rita"),
        ("submit", "manager_review", "rita"),
        ("approve", "director_review", "sam"),
        ("approve", "approved", "boss"),
    ]


def test_a_quotation_is_rejected_with_a_reason_or_withdrawn(api, act, customer):
    quote = quotation(api, customer, 18)
    act(api.rita, QUOTES, quote["id"], "submit")
    assert "comment" in act(api.sam, QUOTES, quote["id"], "reject", status=422).get_json()["errors"]
    assert (
        act(api.sam, QUOTES, quote["id"], "reject", comment="Too deep").get_json()["_state"]
        == "rejected"
    )

    again = quotation(api, customer, 18)
    act(api.rita, QUOTES, again["id"], "submit")
    assert act(api.rita, QUOTES, again["id"], "withdraw").get_json()["_state"] == "draft"
    assert api.sam.get("tasks?status=open").get_json()["items"] == []


def test_follow_ups_belong_to_a_lead_or_a_customer(api, customer):
    response = api.rita.post(
        "crm/followup",
        json={"subject": "Call", "method": "call", "result": "Interested"},
        headers=EN,
    )
    assert response.status_code == 422
    assert "lead or the customer" in messages(response)
    other = created(api.sam.post("crm/customer", json={"name": "Other", "code": "OTHER"}))
    contact = created(
        api.rita.post(
            "crm/contact",
            json={"customer": other["id"], "name": "Ann", "email": "ann@other.example"},
        )
    )
    response = api.rita.post(
        "crm/followup",
        json={
            "subject": "Call",
            "result": "Interested",
            "customer": customer["id"],
            "contact": contact["id"],
        },
        headers=EN,
    )
    assert response.status_code == 422 and "contact must belong" in messages(response)
    response = api.rita.post(
        "crm/followup",
        json={
            "subject": "Call",
            "result": "Asked for a quote",
            "customer": customer["id"],
            "next_step": "Send the quote",
        },
    )
    assert "next_date" in response.get_json()["errors"]  # a next step needs its date
    followup = created(
        api.rita.post(
            "crm/followup",
            json={
                "subject": "Call",
                "result": "Asked for a quote",
                "customer": customer["id"],
                "next_step": "Send the quote",
                "next_date": "2099-01-01",
            },
        )
    )
    assert followup["owner"] == "rita" and followup["method"] == "call"
