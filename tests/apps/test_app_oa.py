"""The shipped oa app end to end: an expense claim goes to the manager, a director above
5,000 and a countersign of every finance officer; a meeting room cannot be double-booked
(the room_booking plugin); a contract with its attachments is reviewed (legal and finance
in parallel) and archived with the signed copy; announcements, asset and supply
requests."""

from __future__ import annotations

from formflow.errors import ValidationFailed
from support.app_fixtures import act, api, app, database_url, staff, template  # noqa: F401 (fixtures)
from support.app_helpers import EN, created, messages
from support.process_helpers import run_together

CLAIMS = "oa/expense_claim"
BOOKINGS = "oa/booking"
CONTRACTS = "oa/contract"
INVOICE = "0f1e2d3c4b5a/invoice.pdf"


def claim(api, *amounts, invoice=INVOICE):
    return api.dev.post(
        CLAIMS,
        json={
            "department": "RD",
            "purpose": "Customer visit",
            "payment_method": "cash",
            "lines": [
                {
                    "expense_date": "2024-05-06",
                    "category": "travel",
                    "description": "Train",
                    "amount": str(amount),
                    "invoice": invoice,
                }
                for amount in amounts
            ],
        },
        headers=EN,
    )


def test_an_expense_claim_is_approved_by_manager_director_and_every_finance_officer(api, act):
    missing = claim(api, 800, invoice=None)
    assert missing.status_code == 422 and "Attach the invoice" in messages(missing)
    big = created(claim(api, 2500, 3500))
    assert (big["claimant"], big["total"]) == ("dev", "6000.00")
    act(api.dev, CLAIMS, big["id"], "submit")
    assert act(api.dora, CLAIMS, big["id"], "approve").get_json()["_state"] == "director_review"
    assert act(api.boss, CLAIMS, big["id"], "approve").get_json()["_state"] == "finance_review"
    assert sorted(
        t["assignee"]
        for t in [
            *api.fay.get("tasks").get_json()["items"],
            *api.fred.get("tasks").get_json()["items"],
        ]
    ) == ["fay", "fred"]
    assert [t["record_id"] for t in api.dev.get("tasks?status=cc").get_json()["items"]] == [
        big["id"]
    ]
    # Countersign: the first approval keeps the claim waiting for the other officer.
    assert act(api.fay, CLAIMS, big["id"], "approve").get_json()["_state"] == "finance_review"
    done = act(api.fred, CLAIMS, big["id"], "approve").get_json()
    assert done["_state"] == "approved" and done["approved_on"]

    small = created(claim(api, 120))
    act(api.dev, CLAIMS, small["id"], "submit")
    assert act(api.dora, CLAIMS, small["id"], "approve").get_json()["_state"] == "finance_review"
    assert (
        act(api.fay, CLAIMS, small["id"], "reject", comment="Duplicate").get_json()["_state"]
        == "rejected"
    )  # one rejection is enough


def book(api, user, room, start, end, **more):
    return getattr(api, user).post(
        BOOKINGS,
        json={
            "room": room,
            "subject": "Meeting",
            "starts_at": f"2099-03-02T{start}:00+08:00",
            "ends_at": f"2099-03-02T{end}:00+08:00",
            **more,
        },
        headers=EN,
    )


def test_a_meeting_room_cannot_be_double_booked(api):
    room = created(
        api.ada.post("oa/meeting_room", json={"name": "Everest", "code": "R1", "capacity": 6})
    )["id"]
    first = created(book(api, "rita", room, "10:00", "11:00"))
    assert first["organizer"] == "rita" and first["hours"] == "1.00"
    clash = book(api, "ray", room, "10:30", "11:30")
    assert clash.status_code == 422
    assert "starts_at" in clash.get_json()["errors"]
    assert "already booked from 2099-03-02 10:00–11:00" in messages(clash)
    created(book(api, "ray", room, "11:00", "12:00"))  # back to back is fine
    assert "More attendees" in messages(book(api, "ray", room, "14:00", "15:00", attendees=9))

    # Moving a booking onto another one is refused too; cancelling frees the slot.
    moved = api.rita.patch(
        f"{BOOKINGS}/{first['id']}", json={"ends_at": "2099-03-02T11:30:00+08:00"}, headers=EN
    )
    assert "already booked" in messages(moved)
    assert (
        api.rita.patch(f"{BOOKINGS}/{first['id']}", json={"status": "cancelled"}).status_code == 200
    )
    created(book(api, "ray", room, "10:00", "11:00"))
    assert api.ray.patch(f"{BOOKINGS}/{first['id']}", json={"subject": "x"}).status_code == 403


def test_a_contract_is_reviewed_with_its_attachments_and_archived_signed(api, act):
    body = {
        "subject": "Support agreement",
        "contract_type": "service",
        "counterparty": "Globex",
        "amount": "300000",
        "summary": "Two years of support",
    }
    response = api.rita.post(CONTRACTS, json=body)
    assert "contract_file" in response.get_json()["errors"]
    contract = created(
        api.rita.post(
            CONTRACTS,
            json={
                **body,
                "contract_file": "a1b2c3/support-agreement.pdf",
                "supporting_file": "d4e5f6/licence.pdf",
            },
        )
    )
    act(api.rita, CONTRACTS, contract["id"], "submit")
    # The head of the requester's department, then legal (with an opinion) and finance
    # at the same time.
    reviewing = act(api.sam, CONTRACTS, contract["id"], "approve").get_json()
    assert reviewing["_state"] == "review"
    assert reviewing["_states"] == ["legal_review", "finance_review"]
    assert (
        "legal_opinion"
        in act(api.lea, CONTRACTS, contract["id"], "approve", status=422).get_json()["errors"]
    )
    assert act(
        api.lea, CONTRACTS, contract["id"], "approve", values={"legal_opinion": "Fine"}
    ).get_json()["_states"] == ["finance_review"]
    assert act(api.fay, CONTRACTS, contract["id"], "approve").get_json()["_state"] == "signing"
    refused = act(api.rita, CONTRACTS, contract["id"], "archive", status=422)
    assert set(refused.get_json()["errors"]) == {"sign_date", "signed_file"}
    done = act(
        api.rita,
        CONTRACTS,
        contract["id"],
        "archive",
        values={"sign_date": "2024-05-06", "signed_file": "0a0b0c/signed.pdf"},
    ).get_json()
    assert done["_state"] == "archived" and done["signed_file"] == "0a0b0c/signed.pdf"


def test_announcements_and_requests_for_assets_and_supplies(api, act):
    notice = created(
        api.hana.post(
            "oa/announcement",
            json={"title": "Holiday", "category": "holiday", "body": "Closed on Monday"},
        )
    )
    act(api.hana, "oa/announcement", notice["id"], "submit")
    assert (
        act(api.ada, "oa/announcement", notice["id"], "publish").get_json()["_state"] == "published"
    )
    assert api.dev.get(f"oa/announcement/{notice['id']}").status_code == 200  # everyone reads

    laptop = created(
        api.dev.post(
            "oa/asset_request",
            json={"asset_type": "laptop", "estimated_value": "12000", "reason": "Old one broke"},
        )
    )
    act(api.dev, "oa/asset_request", laptop["id"], "submit")
    assert (
        act(api.dora, "oa/asset_request", laptop["id"], "approve").get_json()["_state"]
        == "director_review"
    )
    act(api.boss, "oa/asset_request", laptop["id"], "approve")
    assert (
        "asset_tag"
        in act(api.ada, "oa/asset_request", laptop["id"], "issue", status=422).get_json()["errors"]
    )
    issued = act(
        api.ada, "oa/asset_request", laptop["id"], "issue", values={"asset_tag": "NB-0042"}
    ).get_json()
    assert issued["_state"] == "issued" and issued["issued_on"]

    few = created(
        api.dev.post(
            "oa/supply_request",
            json={"purpose": "Daily use", "lines": [{"item": "pen", "quantity": 5}]},
        )
    )
    assert act(api.dev, "oa/supply_request", few["id"], "submit").get_json()["_state"] == "handout"
    many = created(
        api.dev.post(
            "oa/supply_request",
            json={"purpose": "Workshop", "lines": [{"item": "a4_paper", "quantity": 30}]},
        )
    )
    assert (
        act(api.dev, "oa/supply_request", many["id"], "submit").get_json()["_state"]
        == "manager_review"
    )


def test_two_people_booking_the_same_slot_at_once_get_it_once(api, runtime, staff):
    room = created(
        api.ada.post("oa/meeting_room", json={"name": "Everest", "code": "R1", "capacity": 6})
    )["id"]
    people = [staff.rita, staff.ray, staff.dev, staff.dora]

    def book_now(index):
        return runtime.records.create(
            people[index],
            "oa.booking",
            {
                "room": room,
                "subject": f"Meeting {index}",
                "starts_at": "2099-03-02T02:00:00Z",
                "ends_at": "2099-03-02T03:00:00Z",
            },
        )

    results = run_together(len(people), book_now)
    assert sum(isinstance(r, dict) for r in results) == 1, results
    assert all(isinstance(r, ValidationFailed) for r in results if not isinstance(r, dict))
