"""The shipped warehouse app end to end: stock-in and stock-out approved by the warehouse
manager and posted to the stock ledger; a transfer approved, then posted out of one
warehouse and into the other; a stocktake whose losses need finance too, then its
adjustment; never a negative balance."""

from __future__ import annotations

import pytest

from support.app_fixtures import act, api, app, database_url, staff, template  # noqa: F401 (fixtures)
from support.app_helpers import EN, created, messages
from support.web_support import sign_in

DOCUMENTS = "warehouse/stock_document"
BALANCES = "/api/v1/plugins/stock_ledger/warehouse/balances"
LEDGER = "/plugins/stock_ledger/warehouse/ledger"


@pytest.fixture
def site(api):
    """Two warehouses (South managed by kim), a location in each, a product."""
    main = created(api.walt.post("warehouse/warehouse", json={"name": "Main", "code": "MAIN"}))
    south = created(
        api.walt.post(
            "warehouse/warehouse", json={"name": "South", "code": "SOUTH", "manager": "kim"}
        )
    )
    ids = {"main": main["id"], "south": south["id"]}
    for name in ("main", "south"):
        ids[f"{name}_bin"] = created(
            api.kim.post(
                "warehouse/location",
                json={"warehouse": ids[name], "code": "A-01-01", "zone": "storage"},
            )
        )["id"]
    ids["pump"] = created(
        api.pia.post(
            "inventory/product",
            json={
                "name": "Pump",
                "sku": "PUMP-1",
                "category": "spare_parts",
                "price": "300",
                "purchase_price": "200",
            },
        )
    )["id"]
    return ids


def on_hand(api, site, warehouse) -> str:
    items = api.walt.get(BALANCES, query_string={"product": site["pump"]}).get_json()["items"]
    return next((i["quantity"] for i in items if i["warehouse"] == site[warehouse]), "0")


def document(api, site, kind, warehouse, qty, **links):
    return created(
        api.kim.post(
            DOCUMENTS,
            json={
                "kind": kind,
                "warehouse": site[warehouse],
                **links,
                "lines": [{"product": site["pump"], "qty": str(qty)}],
            },
        )
    )


def test_stock_in_and_out_are_approved_and_posted(api, act, site):
    stock_in = document(api, site, "other_in", "main", 100, partner="Opening stock")
    assert stock_in["direction"] == "in" and stock_in["_number"].startswith("SD-")
    act(api.kim, DOCUMENTS, stock_in["id"], "submit")
    assert on_hand(api, site, "main") == "0"  # nothing is posted before approval
    act(api.kim, DOCUMENTS, stock_in["id"], "approve", status=403)  # the manager approves
    act(api.walt, DOCUMENTS, stock_in["id"], "approve")
    assert on_hand(api, site, "main") == "100"

    stock_out = document(api, site, "other_out", "main", 150, partner="Scrap")
    act(api.kim, DOCUMENTS, stock_out["id"], "submit")
    refused = act(api.walt, DOCUMENTS, stock_out["id"], "approve", status=422, lang="zh-CN")
    assert "库存不足" in messages(refused) and "现有 100，需要 150" in messages(refused)
    act(api.walt, DOCUMENTS, stock_out["id"], "reject", comment="Only 100 there")
    assert on_hand(api, site, "main") == "100"

    # A location must be in the document's warehouse.
    response = api.kim.post(
        DOCUMENTS,
        json={
            "kind": "other_in",
            "warehouse": site["main"],
            "lines": [{"product": site["pump"], "qty": "1", "location": site["south_bin"]}],
        },
        headers=EN,
    )
    assert "must be in the document's warehouse" in messages(response)


def test_a_transfer_is_approved_then_posted_out_and_in(api, act, site):
    opening = document(api, site, "other_in", "main", 100)
    act(api.kim, DOCUMENTS, opening["id"], "submit")
    act(api.walt, DOCUMENTS, opening["id"], "approve")

    transfer = created(
        api.kim.post(
            "warehouse/transfer",
            json={
                "from_warehouse": site["main"],
                "to_warehouse": site["south"],
                "lines": [{"product": site["pump"], "qty": "30"}],
            },
        )
    )
    assert transfer["to_manager"] == "kim" and transfer["total_qty"] == "30.00"
    response = api.kim.post(
        DOCUMENTS,
        json={
            "kind": "transfer_out",
            "warehouse": site["main"],
            "transfer": transfer["id"],
            "lines": [{"product": site["pump"], "qty": "30"}],
        },
        headers=EN,
    )
    assert "not approved yet" in messages(response)

    act(api.kim, "warehouse/transfer", transfer["id"], "submit")
    assert [t["record_id"] for t in api.kim.get("tasks?status=cc").get_json()["items"]] == [
        transfer["id"]
    ]  # the destination's manager is copied
    act(api.walt, "warehouse/transfer", transfer["id"], "approve")

    wrong = api.kim.post(
        DOCUMENTS,
        json={
            "kind": "transfer_out",
            "warehouse": site["south"],
            "transfer": transfer["id"],
            "lines": [{"product": site["pump"], "qty": "30"}],
        },
        headers=EN,
    )
    assert "source warehouse" in messages(wrong)
    out = document(api, site, "transfer_out", "main", 30, transfer=transfer["id"])
    assert act(api.kim, DOCUMENTS, out["id"], "submit").get_json()["_state"] == "approved"
    assert (on_hand(api, site, "main"), on_hand(api, site, "south")) == ("70", "0")
    arrived = document(api, site, "transfer_in", "south", 30, transfer=transfer["id"])
    act(api.kim, DOCUMENTS, arrived["id"], "submit")
    assert (on_hand(api, site, "main"), on_hand(api, site, "south")) == ("70", "30")

    # A transfer out beyond what is on hand is refused on submission.
    more = document(api, site, "transfer_out", "main", 80, transfer=transfer["id"])
    assert "Not enough stock" in messages(act(api.kim, DOCUMENTS, more["id"], "submit", status=422))


def test_a_stocktake_loss_is_approved_by_finance_then_adjusted(api, act, site):
    opening = document(api, site, "other_in", "main", 70)
    act(api.kim, DOCUMENTS, opening["id"], "submit")
    act(api.walt, DOCUMENTS, opening["id"], "approve")

    count = created(
        api.kim.post(
            "warehouse/stocktake",
            json={
                "warehouse": site["main"],
                "explanation": "Water damage",
                "lines": [
                    {
                        "product": site["pump"],
                        "location": site["main_bin"],
                        "book_qty": "70",
                        "counted_qty": "40",
                        "unit_cost": "200",
                    }
                ],
            },
        )
    )
    assert (count["loss_qty"], count["gain_qty"], count["loss_value"]) == (
        "30.00",
        "0.00",
        "6000.00",
    )
    early = api.kim.post(
        DOCUMENTS,
        json={
            "kind": "loss",
            "warehouse": site["main"],
            "stocktake": count["id"],
            "lines": [{"product": site["pump"], "qty": "30"}],
        },
        headers=EN,
    )
    assert "stocktake of this warehouse is approved" in messages(early)

    act(api.kim, "warehouse/stocktake", count["id"], "submit")
    assert (
        act(api.walt, "warehouse/stocktake", count["id"], "approve").get_json()["_state"]
        == "finance_review"
    )  # losses above 5,000
    act(api.fay, "warehouse/stocktake", count["id"], "approve")

    loss = document(api, site, "loss", "main", 30, stocktake=count["id"])
    assert loss["direction"] == "out"
    act(api.kim, DOCUMENTS, loss["id"], "submit")
    assert on_hand(api, site, "main") == "40"


def test_the_stock_ledger_page_shows_postings_and_on_hand_to_stock_readers(
    app, api, act, site, make_user
):
    for warehouse, qty in (("main", 100), ("south", 40)):
        stock_in = document(api, site, "other_in", warehouse, qty, partner="Opening stock")
        act(api.kim, DOCUMENTS, stock_in["id"], "submit")
        act(api.walt, DOCUMENTS, stock_in["id"], "approve")
    stock_out = document(api, site, "other_out", "main", 25, partner="Workshop")
    act(api.kim, DOCUMENTS, stock_out["id"], "submit")
    act(api.walt, DOCUMENTS, stock_out["id"], "approve")

    client = app.test_client()
    assert client.get(LEDGER).status_code == 302  # sign in first
    make_user("wendy", roles=["warehouse_keeper"])
    sign_in(client, "wendy")
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'href="{LEDGER}"' in home and "Stock ledger" in home  # navbar and app menu

    page = client.get(LEDGER, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'data-product="{site["pump"]}" data-warehouse="{site["main"]}"' in page
    assert 'data-quantity="75"' in page and 'data-quantity="40"' in page
    assert page.count(f'data-record="{stock_out["id"]}"') == 1 and "-25" in page
    assert "Pump (PUMP-1)" in page

    south = client.get(LEDGER, query_string={"warehouse": site["south"]}).get_data(as_text=True)
    assert 'data-quantity="40"' in south and 'data-quantity="75"' not in south
    assert f'data-record="{stock_out["id"]}"' not in south
    chinese = client.get(LEDGER, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "库存台账" in chinese and "现存量" in chinese

    bad = client.get(LEDGER, query_string={"product": "pump"}, headers={"Accept-Language": "en"})
    assert bad.status_code == 400 and "Choose a product from the list." in bad.get_data(
        as_text=True)


def test_the_stock_ledger_page_refuses_who_may_not_read_stock_documents(app, make_user):
    make_user("otto", roles=["hr_specialist"])
    client = app.test_client()
    sign_in(client, "otto")
    assert client.get(LEDGER).status_code == 403
    assert LEDGER not in client.get("/").get_data(as_text=True)  # nor is it in the menu
    make_user("wendy", roles=["warehouse_keeper"])
    client = app.test_client()
    sign_in(client, "wendy")
    # An app without stock documents has no ledger.
    assert client.get("/plugins/stock_ledger/hr/ledger").status_code == 403
