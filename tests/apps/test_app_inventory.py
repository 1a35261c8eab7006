"""The shipped inventory app end to end: a purchase order is approved (by the purchasing
manager, above 100,000 also by the general manager), its goods are received and stock on
hand goes up; a sales order must stay within the customer's credit limit, and shipping
more than is on hand is refused by the stock ledger."""

from __future__ import annotations

import pytest

from formflow.plugins.manager import PluginLoadError
from support.app_fixtures import act, api, app, database_url, staff, template  # noqa: F401 (fixtures)
from support.app_helpers import EN, created, messages, shipped_config
from support.web_support import sign_in

ORDERS = "inventory/purchase_order"
SALES = "inventory/sales_order"
DOCUMENTS = "warehouse/stock_document"
BALANCES = "/api/v1/plugins/stock_ledger/warehouse/balances"


@pytest.fixture
def catalog(api):
    """A warehouse, a supplier and two products: ids."""
    warehouse = created(api.walt.post("warehouse/warehouse", json={"name": "Main", "code": "MAIN"}))
    supplier = created(
        api.pia.post(
            "inventory/supplier",
            json={"name": "Bolts & Co", "code": "BOLTS", "phone": "+86 21 5555 0101"},
        )
    )
    bolt = created(
        api.pia.post(
            "inventory/product",
            json={
                "name": "Bolt M8",
                "sku": "BOLT-M8",
                "category": "spare_parts",
                "unit": "pcs",
                "purchase_price": "1.20",
                "price": "2.50",
                "reorder_level": "50",
                "reorder_qty": "200",
            },
        )
    )
    nut = created(
        api.pia.post(
            "inventory/product",
            json={
                "name": "Nut M8",
                "sku": "NUT-M8",
                "category": "spare_parts",
                "purchase_price": "0.40",
                "price": "0.90",
            },
        )
    )
    return {
        "warehouse": warehouse["id"],
        "supplier": supplier["id"],
        "bolt": bolt["id"],
        "nut": nut["id"],
    }


def on_hand(api, catalog, product) -> str | None:
    items = api.kim.get(BALANCES, query_string={"product": catalog[product]}).get_json()["items"]
    return next((i["quantity"] for i in items if i["warehouse"] == catalog["warehouse"]), None)


def purchase(api, catalog, **lines):
    return created(
        api.pete.post(
            ORDERS,
            json={
                "supplier": catalog["supplier"],
                "expected_date": "2099-01-31",
                "warehouse": catalog["warehouse"],
                "lines": [
                    {"product": catalog[name], "quantity": str(qty)} for name, qty in lines.items()
                ],
            },
        )
    )


def receive(api, act, catalog, order, **lines):
    document = created(
        api.kim.post(
            DOCUMENTS,
            json={
                "kind": "purchase_in",
                "warehouse": catalog["warehouse"],
                "purchase_order": order["id"],
                "lines": [
                    {"product": catalog[name], "qty": str(qty)} for name, qty in lines.items()
                ],
            },
        )
    )
    act(api.kim, DOCUMENTS, document["id"], "submit")
    return act(api.walt, DOCUMENTS, document["id"], "approve").get_json()


def test_products_have_a_unique_well_formed_sku(api, catalog):
    response = api.pia.post(
        "inventory/product",
        json={"name": "Another bolt", "sku": "BOLT-M8", "category": "spare_parts", "price": "3"},
    )
    assert "sku" in response.get_json()["errors"]
    response = api.pia.post(
        "inventory/product",
        json={"name": "Bad", "sku": "bolt m8", "category": "spare_parts", "price": "3"},
    )
    assert "sku" in response.get_json()["errors"]
    product = api.kim.get(f"inventory/product/{catalog['bolt']}").get_json()
    assert "margin" not in product and "purchase_price" not in product  # not for keepers
    assert api.pia.get(f"inventory/product/{catalog['bolt']}").get_json()["margin"] == "52.00"


def test_history_keeps_what_the_actor_may_not_read_and_shows_it_only_to_readers(api, catalog):
    path = f"inventory/product/{catalog['bolt']}"
    api.pete.patch(path, json={"purchase_price": "2.00"})  # pete may not read the margin

    def last_change(client):
        return client.get(f"{path}/history").get_json()["items"][-1]["changes"]

    assert last_change(api.pia) == {"purchase_price": {"old": "1.20", "new": "2.00"},
                                    "margin": {"old": "52.00", "new": "20.00"}}
    assert last_change(api.pete) == {"purchase_price": {"old": "1.20", "new": "2.00"}}
    assert last_change(api.kim) == {}  # a keeper reads neither


def test_purchase_order_approval_receipt_and_stock_on_hand(api, act, catalog):
    order = purchase(api, catalog, bolt=1000, nut=500)
    assert order["lines"][0]["unit_price"] == "1.20"  # the product's purchase price
    assert [line["unit"] for line in order["lines"]] == ["pcs", "pcs"]  # fetched per row
    assert (order["subtotal"], order["tax_total"], order["total"]) == (
        "1400.00",
        "182.00",
        "1582.00",
    )
    # Goods cannot be received against an order that is not approved.
    response = api.kim.post(
        DOCUMENTS,
        json={
            "kind": "purchase_in",
            "warehouse": catalog["warehouse"],
            "purchase_order": order["id"],
            "lines": [{"product": catalog["bolt"], "qty": "10"}],
        },
        headers=EN,
    )
    assert response.status_code == 422 and "approved purchase order" in messages(response)

    act(api.pete, ORDERS, order["id"], "submit")
    assert [t["state"] for t in api.pia.get("tasks").get_json()["items"]] == ["manager_review"]
    approved = act(api.pia, ORDERS, order["id"], "approve", comment="OK").get_json()
    assert approved["_state"] == "approved" and approved["approved_on"]

    assert on_hand(api, catalog, "bolt") is None
    receipt = receive(api, act, catalog, approved, bolt=1000, nut=500)
    assert receipt["_state"] == "approved" and receipt["direction"] == "in"
    assert receipt["posted_on"] is not None
    assert on_hand(api, catalog, "bolt") == "1000" and on_hand(api, catalog, "nut") == "500"
    ledger = api.walt.get(
        "/api/v1/plugins/stock_ledger/warehouse/entries", query_string={"record_id": receipt["id"]}
    ).get_json()["items"]
    assert sorted(e["quantity"] for e in ledger) == ["1000", "500"]

    # Only products on the order can be received against it.
    response = api.kim.post(
        DOCUMENTS,
        json={
            "kind": "purchase_in",
            "warehouse": catalog["warehouse"],
            "purchase_order": order["id"],
            "lines": [
                {
                    "product": created(
                        api.pia.post(
                            "inventory/product",
                            json={
                                "name": "Washer",
                                "sku": "WASHER",
                                "category": "spare_parts",
                                "price": "0.1",
                            },
                        )
                    )["id"],
                    "qty": "5",
                }
            ],
        },
        headers=EN,
    )
    assert "must be on the purchase order" in messages(response)


def test_large_purchase_orders_go_to_the_general_manager(api, act, catalog):
    order = purchase(api, catalog, bolt=100000)  # 120,000 before tax
    act(api.pete, ORDERS, order["id"], "submit")
    assert act(api.pia, ORDERS, order["id"], "approve").get_json()["_state"] == "gm_review"
    assert [t["record_id"] for t in api.pete.get("tasks?status=cc").get_json()["items"]] == [
        order["id"]
    ]  # the buyer is copied
    assert act(api.boss, ORDERS, order["id"], "approve").get_json()["_state"] == "approved"


def test_sales_within_the_credit_limit_and_no_delivery_beyond_stock(api, act, catalog):
    order = purchase(api, catalog, bolt=100)
    act(api.pete, ORDERS, order["id"], "submit")
    receive(api, act, catalog, act(api.pia, ORDERS, order["id"], "approve").get_json(), bolt=100)

    customer = created(
        api.sam.post(
            "crm/customer",
            json={"name": "Acme", "code": "ACME", "credit_limit": "1000.00", "owner": "rita"},
        )
    )
    too_much = api.rita.post(
        SALES,
        json={
            "customer": customer["id"],
            "delivery_date": "2099-01-31",
            "warehouse": catalog["warehouse"],
            "lines": [{"product": catalog["bolt"], "quantity": "500"}],
        },
        headers=EN,
    )
    assert too_much.status_code == 422 and "credit limit" in messages(too_much)

    sale = created(
        api.rita.post(
            SALES,
            json={
                "customer": customer["id"],
                "delivery_date": "2099-01-31",
                "warehouse": catalog["warehouse"],
                "lines": [{"product": catalog["bolt"], "quantity": "300"}],
            },
        )
    )
    assert (sale["total"], sale["credit_limit"]) == ("750.00", "1000.00")
    act(api.rita, SALES, sale["id"], "submit")
    act(api.sam, SALES, sale["id"], "approve")

    # 300 ordered, 100 on hand: the delivery cannot be approved.
    delivery = created(
        api.kim.post(
            DOCUMENTS,
            json={
                "kind": "sales_out",
                "warehouse": catalog["warehouse"],
                "sales_order": sale["id"],
                "lines": [{"product": catalog["bolt"], "qty": "300"}],
            },
        )
    )
    act(api.kim, DOCUMENTS, delivery["id"], "submit")
    refused = act(api.walt, DOCUMENTS, delivery["id"], "approve", status=422)
    assert "Not enough stock" in messages(refused) and "100 on hand, 300 needed" in messages(
        refused
    )
    assert api.walt.get(f"{DOCUMENTS}/{delivery['id']}").get_json()["_state"] == "review"
    assert on_hand(api, catalog, "bolt") == "100"

    # Ship what is there: the balance goes down to zero, not below.
    act(api.walt, DOCUMENTS, delivery["id"], "send_back", comment="Ship 100 now")
    assert (
        api.kim.patch(
            f"{DOCUMENTS}/{delivery['id']}",
            json={"lines": [{"product": catalog["bolt"], "qty": "100"}]},
        ).status_code
        == 200
    )
    act(api.kim, DOCUMENTS, delivery["id"], "submit")
    assert act(api.walt, DOCUMENTS, delivery["id"], "approve").get_json()["direction"] == "out"
    assert on_hand(api, catalog, "bolt") == "0"


def ship(api, act, catalog, **lines):
    """An approved "other stock-out" of ``lines`` from the main warehouse: the response."""
    document = created(
        api.kim.post(
            DOCUMENTS,
            json={
                "kind": "other_out",
                "warehouse": catalog["warehouse"],
                "partner": "Workshop",
                "lines": [
                    {"product": catalog[name], "qty": str(qty)} for name, qty in lines.items()
                ],
            },
        )
    )
    act(api.kim, DOCUMENTS, document["id"], "submit")
    return act(api.walt, DOCUMENTS, document["id"], "approve", status=None)


def reorder_notices(api, person) -> list[str]:
    items = getattr(api, person).get("notifications", headers=EN).get_json()["items"]
    return [i["text"] for i in items if i["kind"] == "reorder"]


def test_stock_out_below_the_reorder_level_flags_the_product_and_tells_purchasing(
    api, act, catalog
):
    order = purchase(api, catalog, bolt=100, nut=10)
    act(api.pete, ORDERS, order["id"], "submit")
    receive(api, act, catalog, act(api.pia, ORDERS, order["id"], "approve").get_json(),
            bolt=100, nut=10)
    bolt = api.pete.get(f"inventory/product/{catalog['bolt']}").get_json()
    assert (bolt["on_hand"], bolt["reorder_level"], bolt["needs_reorder"]) == (
        "100.00", "50.00", False)
    assert reorder_notices(api, "pete") == []

    # 100 - 50 = 50: at the reorder level is low enough.
    assert ship(api, act, catalog, bolt=50, nut=10).status_code == 200
    bolt = api.pete.get(f"inventory/product/{catalog['bolt']}").get_json()
    assert (bolt["on_hand"], bolt["needs_reorder"]) == ("50.00", True)
    nut = api.pete.get(f"inventory/product/{catalog['nut']}").get_json()
    assert (nut["on_hand"], nut["needs_reorder"]) == ("0.00", False)  # no reorder level
    assert reorder_notices(api, "pete") == [
        "Product “Bolt M8 (BOLT-M8)” is at or below its reorder level: time to reorder."]
    assert reorder_notices(api, "kim") == []  # purchasers only (the reorder_roles setting)
    listed = api.pia.get("inventory/product", query_string={"needs_reorder": "true"}).get_json()
    assert [p["sku"] for p in listed["items"]] == ["BOLT-M8"]

    # Going lower while flagged does not alert again; users cannot set the stock.
    ship(api, act, catalog, bolt=20)
    assert api.pete.get(f"inventory/product/{catalog['bolt']}").get_json()["on_hand"] == "30.00"
    assert len(reorder_notices(api, "pete")) == 1
    refused = api.pia.patch(f"inventory/product/{catalog['bolt']}", json={"on_hand": "500"})
    assert refused.status_code == 422 and "on_hand" in refused.get_json()["errors"]

    # Restocked above the level: the flag clears.
    order = purchase(api, catalog, bolt=200)
    act(api.pete, ORDERS, order["id"], "submit")
    receive(api, act, catalog, act(api.pia, ORDERS, order["id"], "approve").get_json(),
            bolt=200)
    bolt = api.pete.get(f"inventory/product/{catalog['bolt']}").get_json()
    assert (bolt["on_hand"], bolt["needs_reorder"]) == ("230.00", False)
    assert api.pia.get("inventory/product", query_string={"needs_reorder": "true"}).get_json()[
        "items"] == []

    # Raising the reorder level above the stock flags it again on save.
    raised = api.pia.patch(f"inventory/product/{catalog['bolt']}", json={"reorder_level": "300"})
    assert raised.get_json()["needs_reorder"] is True


def test_the_reorder_fields_are_checked_at_start(make_app, tmp_path):
    config = shipped_config(tmp_path)
    with pytest.raises(PluginLoadError, match="app warehouse: product.name must be a decimal"):
        make_app(config.pop("METADATA_PATH"), PLUGINS_PATH=config["PLUGINS_PATH"],
                 PLUGIN_STOCK_LEDGER_ON_HAND_FIELD="name")


def test_a_line_item_product_picker_searches_what_the_row_cell_sends(app, make_user, catalog):
    make_user("selma", roles=["sales_rep"])
    client = app.test_client()
    sign_in(client, "selma")
    html = client.get(
        "/inventory/sales_order/pick/lines.product?_q_lines-3-product=nut&listbox=opt-lines-3-product"
    ).get_data(as_text=True)
    assert "Nut M8" in html and "Bolt M8" not in html


def test_an_empty_line_item_price_takes_the_chosen_products_price_in_the_form_preview(
    app, make_user, catalog
):
    make_user("selma", roles=["sales_rep"])
    client = app.test_client()
    token = sign_in(client, "selma")
    html = client.post("/inventory/sales_order/preview", data={
        "csrf_token": token, "lines": "", "lines-0-product": str(catalog["bolt"]),
        "lines-0-quantity": "2", "lines-0-unit_price": "",
    }).get_data(as_text=True)
    assert 'data-fill="lines-0-unit_price" data-value="2.50"' in html
    assert 'id="out-lines-0-amount"' in html and "5.00" in html
