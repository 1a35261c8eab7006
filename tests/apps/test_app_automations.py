"""The automations shipped with the apps: a won opportunity drafts a sales order in the
inventory app, and an approved purchase order drafts its receipt in the warehouse, whose
keepers are told."""

from __future__ import annotations

import sqlalchemy as sa

from formflow.automations.log import automation_runs
from formflow.process.tables import notifications
from support.app_fixtures import act, api, app, database_url, staff, template  # noqa: F401 (fixtures)
from support.app_helpers import EN, created, messages

SALES = "inventory/sales_order"
DOCUMENTS = "warehouse/stock_document"


def opportunity(api, customer, **values):
    return created(api.rita.post("crm/opportunity", json={
        "name": "Routers for Acme", "customer": customer["id"], "owner": "rita",
        "lines": [{"product": "Router", "quantity": "2", "unit_price": "1000"}], **values}))


def runs(runtime, automation):
    with runtime.db.read() as conn:
        return conn.execute(sa.select(automation_runs.c.status, automation_runs.c.record_id)
                            .where(automation_runs.c.automation == automation)).all()


def test_a_won_opportunity_drafts_a_sales_order_for_its_rep(api, customer, runtime, staff):
    deal = opportunity(api, customer, stage="negotiation", expected_close="2099-06-30")
    assert api.rita.get(SALES).get_json()["total"] == 0

    won = api.rita.patch(f"crm/opportunity/{deal['id']}", json={"stage": "won"})
    assert won.status_code == 200, won.get_json()
    orders = api.rita.get(SALES).get_json()["items"]
    assert len(orders) == 1
    order = orders[0]
    assert (order["customer"], order["opportunity"], order["salesperson"]) == (
        customer["id"], deal["id"], "rita")
    assert order["delivery_date"] == "2099-06-30" and order["_state"] == "draft"
    assert order["_created_by"] == "rita"  # hers to complete and submit
    assert runs(runtime, "inventory.draft_sales_order") == [("done", deal["id"])]
    with runtime.db.read() as conn:
        told = conn.execute(sa.select(notifications.c.user_id).where(
            notifications.c.kind == "automation")).scalars().all()
    assert set(told) == {staff.rita.id, staff.sam.id}

    # Saving the won opportunity again changes no stage: no second order.
    api.rita.patch(f"crm/opportunity/{deal['id']}", json={"notes": "Signed."})
    assert api.rita.get(SALES).get_json()["total"] == 1

    # The draft is submitted once the rep has added the warehouse and the lines.
    refused = api.rita.post(f"{SALES}/{order['id']}/actions/submit", json={}, headers=EN)
    assert refused.status_code == 422 and {"warehouse", "lines"} <= set(
        refused.get_json()["errors"])


def test_an_opportunity_the_sales_order_refuses_is_not_won(api, customer, runtime):
    api.sam.patch(f"crm/customer/{customer['id']}", json={"active": False})
    deal = opportunity(api, customer, stage="negotiation", expected_close="2099-06-30")
    response = api.rita.patch(f"crm/opportunity/{deal['id']}", json={"stage": "won"},
                              headers=EN)
    assert response.status_code == 422
    assert "could not run" in messages(response) and "inactive" in messages(response)
    assert api.rita.get(f"crm/opportunity/{deal['id']}").get_json()["stage"] == "negotiation"
    assert api.sam.get(SALES).get_json()["total"] == 0
    assert runs(runtime, "inventory.draft_sales_order") == [("failed", deal["id"])]


def test_an_approved_purchase_order_drafts_its_receipt(api, act, runtime, staff):
    warehouse = created(api.walt.post("warehouse/warehouse", json={"name": "Main", "code": "MAIN"}))
    supplier = created(api.pia.post("inventory/supplier", json={
        "name": "Bolts & Co", "code": "BOLTS", "phone": "+86 21 5555 0101"}))
    bolt = created(api.pia.post("inventory/product", json={
        "name": "Bolt M8", "sku": "BOLT-M8", "category": "spare_parts", "unit": "pcs",
        "purchase_price": "1.20", "price": "2.50"}))
    order = created(api.pete.post("inventory/purchase_order", json={
        "supplier": supplier["id"], "expected_date": "2099-01-31",
        "warehouse": warehouse["id"], "lines": [{"product": bolt["id"], "quantity": "100"}]}))
    act(api.pete, "inventory/purchase_order", order["id"], "submit")
    assert api.kim.get(DOCUMENTS).get_json()["total"] == 0

    act(api.pia, "inventory/purchase_order", order["id"], "approve")
    receipts = api.kim.get(DOCUMENTS).get_json()["items"]
    assert len(receipts) == 1
    receipt = api.kim.get(f"{DOCUMENTS}/{receipts[0]['id']}").get_json()
    assert (receipt["kind"], receipt["warehouse"], receipt["purchase_order"]) == (
        "purchase_in", warehouse["id"], order["id"])
    assert receipt["partner"] == "Bolts & Co" and receipt["_state"] == "draft"
    assert [(line["product"], line["qty"], line["unit_cost"]) for line in receipt["lines"]] == [
        (bolt["id"], "100.00", "1.20")]
    # The warehouse app's own automation tells the keepers of the new receipt.
    with runtime.db.read() as conn:
        told = conn.execute(sa.select(notifications.c.user_id, notifications.c.record_id).where(
            notifications.c.kind == "automation")).all()
    assert told == [(staff.kim.id, receipt["id"])]
    assert runs(runtime, "inventory.draft_receipt") == [("done", order["id"])]
    assert runs(runtime, "warehouse.announce_receipt") == [("done", receipt["id"])]

    # A keeper checks the goods in (the draft is pia's) and submits; the manager posts it.
    counted = api.kim.patch(f"{DOCUMENTS}/{receipt['id']}", json={
        "lines": [{"product": bolt["id"], "qty": "98", "unit_cost": "1.20"}]})
    assert counted.status_code == 200, counted.get_json()
    act(api.kim, DOCUMENTS, receipt["id"], "submit")
    assert act(api.walt, DOCUMENTS, receipt["id"], "approve").get_json()["_state"] == "approved"
