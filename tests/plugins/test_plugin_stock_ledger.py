"""The shipped stock_ledger plugin: approved stock documents are posted to a ledger,
balances per product and warehouse follow, and no step may take stock below zero."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from formflow import create_app
from formflow.plugins.manager import PluginLoadError
from formflow.process.tables import events
from support import ROOT, TEST_APPS
from support.process_helpers import run_together
from support.web_support import sign_in

STOCK_APPS = TEST_APPS / "stock"
SHIPPED_PLUGINS = ROOT / "plugins"
DOCUMENTS = "stock/stock_document"


@pytest.fixture
def app(make_app):
    return make_app([STOCK_APPS], PLUGINS_PATH=[str(SHIPPED_PLUGINS)])


@pytest.fixture
def keeper_api(make_user, api_as):
    return api_as(make_user("kim", roles=["keeper"]))


@pytest.fixture
def clerk_api(make_user, api_as):
    return api_as(make_user("carl"))


@pytest.fixture
def catalog(admin_api):
    """Two products and two warehouses: ``{"product": {name: id}, "warehouse": ...}``."""
    ids = {"product": {}, "warehouse": {}}
    for entity, names in (("product", ["Bolt", "Nut"]), ("warehouse", ["East", "West"])):
        for name in names:
            response = admin_api.post(f"stock/{entity}", json={"name": name})
            assert response.status_code == 201, response.get_json()
            ids[entity][name] = response.get_json()["id"]
    return ids


def document(api, catalog, direction, *lines):
    """Create a draft document: lines are (product, warehouse, qty)."""
    response = api.post(DOCUMENTS, json={"direction": direction, "lines": [
        {"product": catalog["product"][p], "warehouse": catalog["warehouse"][w], "qty": str(q)}
        for p, w, q in lines
    ]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def act(api, record_id, action, *, lang="en", **body):
    return api.post(f"{DOCUMENTS}/{record_id}/actions/{action}", json=body,
                    headers={"Accept-Language": lang})


def on_hand(api, catalog) -> dict[tuple[str, str], str]:
    products = {v: k for k, v in catalog["product"].items()}
    warehouses = {v: k for k, v in catalog["warehouse"].items()}
    items = api.get("/api/v1/plugins/stock_ledger/stock/balances").get_json()["items"]
    return {(products[i["product"]], warehouses[i["warehouse"]]): i["quantity"] for i in items}


def test_approving_a_stock_in_posts_it_and_raises_the_balance(clerk_api, keeper_api, catalog):
    record_id = document(clerk_api, catalog, "in", ("Bolt", "East", 10), ("Nut", "East", "2.5"))
    assert act(keeper_api, record_id, "approve").status_code == 200
    assert on_hand(keeper_api, catalog) == {("Bolt", "East"): "10", ("Nut", "East"): "2.5"}
    ledger = keeper_api.get(f"/api/v1/plugins/stock_ledger/stock/entries?record_id={record_id}")
    items = ledger.get_json()["items"]
    assert sorted((i["quantity"], i["balance"], i["reversal"]) for i in items) == [
        ("10", "10", False), ("2.5", "2.5", False)]
    assert {i["number"] for i in items} == {"SD-0001"}


def test_a_stock_out_lowers_the_balance_of_its_warehouse_only(clerk_api, keeper_api, catalog):
    act(keeper_api, document(clerk_api, catalog, "in", ("Bolt", "East", 10),
                             ("Bolt", "West", 3)), "approve")
    act(keeper_api, document(clerk_api, catalog, "out", ("Bolt", "East", 4)), "approve")
    assert on_hand(keeper_api, catalog) == {("Bolt", "East"): "6", ("Bolt", "West"): "3"}


def test_a_stock_out_beyond_the_balance_is_vetoed_with_the_quantities(
    runtime, clerk_api, keeper_api, catalog
):
    act(keeper_api, document(clerk_api, catalog, "in", ("Bolt", "East", 6)), "approve")
    record_id = document(clerk_api, catalog, "out", ("Bolt", "East", 5), ("Bolt", "East", 3))
    response = act(keeper_api, record_id, "approve")
    assert response.status_code == 422
    detail = response.get_json()["detail"]
    assert "Not enough stock" in detail and "Bolt in East: 6 on hand, 8 needed" in detail
    assert keeper_api.get(f"{DOCUMENTS}/{record_id}").get_json()["_state"] == "draft"
    assert on_hand(keeper_api, catalog) == {("Bolt", "East"): "6"}
    with runtime.db.read() as conn:  # nothing of the step was kept: no event either
        actions = conn.execute(sa.select(events.c.action).where(
            events.c.record_id == record_id, events.c.entity == "stock.stock_document")).scalars()
        assert list(actions) == ["start"]


def test_the_veto_speaks_the_callers_language(clerk_api, keeper_api, catalog):
    record_id = document(clerk_api, catalog, "out", ("Nut", "West", 1))
    response = act(keeper_api, record_id, "approve", lang="zh-CN")
    assert response.status_code == 422
    assert response.get_json()["detail"] == "库存不足。West的Nut：现有 0，需要 1。"


def test_voiding_a_posted_document_reverses_it(clerk_api, keeper_api, catalog):
    act(keeper_api, document(clerk_api, catalog, "in", ("Bolt", "East", 10)), "approve")
    out = document(clerk_api, catalog, "out", ("Bolt", "East", 4))
    act(keeper_api, out, "approve")
    assert act(keeper_api, out, "void", comment="typo").status_code == 200
    assert on_hand(keeper_api, catalog) == {("Bolt", "East"): "10"}
    ledger = keeper_api.get(f"/api/v1/plugins/stock_ledger/stock/entries?record_id={out}")
    assert [(i["quantity"], i["reversal"]) for i in ledger.get_json()["items"]] == [
        ("4", True), ("-4", False)]


def test_voiding_a_stock_in_that_was_spent_is_vetoed(clerk_api, keeper_api, catalog):
    stock_in = document(clerk_api, catalog, "in", ("Bolt", "East", 10))
    act(keeper_api, stock_in, "approve")
    act(keeper_api, document(clerk_api, catalog, "out", ("Bolt", "East", 7)), "approve")
    response = act(keeper_api, stock_in, "void", comment="wrong")
    assert response.status_code == 422
    assert "3 on hand, 10 needed" in response.get_json()["detail"]
    assert on_hand(keeper_api, catalog) == {("Bolt", "East"): "3"}


def test_two_stock_outs_approved_at_once_cannot_both_spend_the_stock(
    clerk_api, keeper_api, catalog
):
    act(keeper_api, document(clerk_api, catalog, "in", ("Bolt", "East", 10)), "approve")
    outs = [document(clerk_api, catalog, "out", ("Bolt", "East", 6)) for _ in range(2)]
    statuses = run_together(2, lambda i: act(keeper_api, outs[i], "approve").status_code)
    assert sorted(statuses) == [200, 422]
    assert on_hand(keeper_api, catalog) == {("Bolt", "East"): "4"}


def test_the_ledger_is_only_for_readers_of_the_documents(clerk_api):
    assert clerk_api.get("/api/v1/plugins/stock_ledger/stock/balances").status_code == 200
    assert clerk_api.get("/api/v1/plugins/stock_ledger/nope/balances").status_code == 403


def test_postings_are_limited_to_the_documents_the_caller_may_read(
    app, make_user, api_as, clerk_api, keeper_api, catalog
):
    """Plain users read their ``own`` stock documents: the ledger lists those postings only."""
    dora_api = api_as(make_user("dora"))
    mine = document(clerk_api, catalog, "in", ("Bolt", "East", 10))
    theirs = document(dora_api, catalog, "in", ("Nut", "West", 5))
    for record_id in (mine, theirs):
        assert act(keeper_api, record_id, "approve").status_code == 200
    entries_of = lambda api: {  # noqa: E731
        i["record_id"] for i in api.get("/api/v1/plugins/stock_ledger/stock/entries")
        .get_json()["items"]}
    assert entries_of(clerk_api) == {mine}
    assert entries_of(dora_api) == {theirs}
    assert entries_of(keeper_api) == {mine, theirs}
    other = clerk_api.get(f"/api/v1/plugins/stock_ledger/stock/entries?record_id={theirs}")
    assert other.get_json()["items"] == []
    browser = app.test_client()
    sign_in(browser, "carl")
    page = browser.get("/plugins/stock_ledger/stock/ledger").get_data(as_text=True)
    assert f"/stock/stock_document/{mine}" in page
    assert f"/stock/stock_document/{theirs}" not in page


def test_a_mapping_that_does_not_fit_the_app_stops_start_up(database_url, tmp_path):
    with pytest.raises(PluginLoadError) as error:
        create_app({
            "DATABASE_URL": database_url, "METADATA_PATH": [str(STOCK_APPS)],
            "PLUGINS_PATH": [str(SHIPPED_PLUGINS)], "INSTANCE_PATH": str(tmp_path / "i"),
            "SECRET_KEY": "x", "PLUGIN_STOCK_LEDGER_QUANTITY_FIELD": "amount",
        })
    message = str(error.value)
    assert "stock_ledger" in message and "app stock" in message and "'amount'" in message


def test_the_ledger_page_shows_a_page_of_postings_at_a_time_and_searches_products(
    app, make_user, clerk_api, keeper_api, catalog
):
    lines = [("Bolt" if i % 2 else "Nut", "East", 1) for i in range(60)]
    assert act(keeper_api, document(clerk_api, catalog, "in", *lines), "approve").status_code == 200
    browser = app.test_client()
    sign_in(browser, "kim")
    first = browser.get("/plugins/stock_ledger/stock/ledger", headers={"Accept-Language": "en"})
    html = first.get_data(as_text=True)
    assert html.count("<tr data-record=") == 50 and "Page 1 of 2" in html
    assert len(first.data) < 100_000
    assert 'name="_q_product"' in html and 'role="combobox"' in html  # a picker, no long select
    assert 'id="ledger-product"' not in html
    second = browser.get("/plugins/stock_ledger/stock/ledger?page=2").get_data(as_text=True)
    assert second.count("<tr data-record=") == 10
    bolts = browser.get(
        f"/plugins/stock_ledger/stock/ledger?product={catalog['product']['Bolt']}"
    ).get_data(as_text=True)
    assert bolts.count("<tr data-record=") == 30 and 'value="Bolt"' in bolts
    picked = browser.get("/stock/stock_document/pick/lines.product?_q_product=bo")
    assert "Bolt" in picked.get_data(as_text=True)
