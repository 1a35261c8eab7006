"""Links never reveal a record the user may not read: a link may name only a record the
user may read (unless its field says ``"link_scope": "all"``), refused with the same
422 whether the record exists or not; fetched values, computed values and the live
preview show nothing of a record (or of a field) out of sight; pickers and imports
find only readable records.  Victor's customer is out of Alice's sight
(see ``leak_support``)."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from support.helpers import module_app, problem
from support.io_support import csv_bytes
from support.leak_support import ALICE, LINKS, leaked
from support.web_support import HTMX, csrf

CONTACTS = "lnk/contact"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("security-links"), metadata_path=(LINKS,)) as app:
        yield app


def _bodies(link_id: int) -> dict[str, dict]:
    """Request bodies linking ``link_id``, by where the link is."""
    return {
        "field": {"name": "Contact", "customer": link_id},
        "line item": {"name": "Contact", "related": [{"other": link_id}]},
    }


def _same_but_ids(first: dict, second: dict, ids: tuple[int, int]) -> None:
    """The two problems differ only in the id they name."""
    assert first["detail"] == second["detail"]
    assert str(first["errors"]).replace(f" {ids[0]} ", " ID ") == str(
        second["errors"]).replace(f" {ids[1]} ", " ID ")


@pytest.mark.parametrize("where", ["field", "line item"])
def test_creating_a_link_to_an_unreadable_record_is_refused_like_a_missing_one(links, where):
    alice = links.world.api["alice"]
    hidden, missing = links.victor_customer["id"], links.missing_id()
    before = links.state()
    refused = problem(alice.post(CONTACTS, json=_bodies(hidden)[where]), 422)
    unknown = problem(alice.post(CONTACTS, json=_bodies(missing)[where]), 422)
    path = "customer" if where == "field" else "related[0].other"
    assert list(refused["errors"]) == [path]
    assert "无权关联" in refused["errors"][path][0]  # "... or you may not link it."
    _same_but_ids(refused, unknown, (hidden, missing))
    assert leaked(str(refused)) == []
    assert links.state() == before


def test_changing_a_link_to_an_unreadable_record_is_refused(links):
    alice = links.world.api["alice"]
    mine = alice.post(CONTACTS, json={"name": "Mine"}).get_json()
    before = links.state()
    body = problem(alice.patch(f"{CONTACTS}/{mine['id']}",
                               json={"customer": links.victor_customer["id"]}), 422)
    assert list(body["errors"]) == ["customer"] and leaked(str(body)) == []
    assert links.state() == before


def test_linking_ones_own_customer_fetches_its_readable_values_only(links):
    alice = links.world.api["alice"]
    created = alice.post(CONTACTS, json={"name": "Own",
                                         "customer": links.alice_customer["id"]})
    assert created.status_code == 201, created.get_data(as_text=True)
    contact = created.get_json()
    assert contact["customer_phone"] == ALICE["phone"]
    assert contact["customer_label"] == ALICE["name"]
    # the credit limit is finance's to read: not copied for Alice
    assert contact["customer_credit"] is None


def test_a_user_who_may_read_the_field_gets_it_fetched(links):
    fiona = links.world.api["fiona"]
    contact = fiona.post(CONTACTS, json={"name": "Finance's",
                                         "customer": links.victor_customer["id"]}).get_json()
    assert contact["customer_credit"] == "777777.00"


def test_a_link_someone_else_set_stays_and_keeps_its_fetched_values(links):
    """Fiona links Victor's customer on Alice's contact; Alice may still save it."""
    alice, fiona = links.world.api["alice"], links.world.api["fiona"]
    mine = alice.post(CONTACTS, json={"name": "Shared"}).get_json()
    fiona.patch(f"{CONTACTS}/{mine['id']}", json={"customer": links.victor_customer["id"]})
    current = alice.get(f"{CONTACTS}/{mine['id']}").get_json()
    response = alice.patch(f"{CONTACTS}/{mine['id']}", json={**current, "name": "Renamed"})
    assert response.status_code == 200, response.get_data(as_text=True)
    saved = response.get_json()
    assert saved["customer"] == links.victor_customer["id"] and saved["name"] == "Renamed"
    assert saved["customer_credit"] == current["customer_credit"]


def test_link_scope_all_allows_any_record_but_reveals_nothing_of_it(links):
    victor, alice = links.world.api["victor"], links.world.api["alice"]
    product = victor.post("lnk/product", json={"name": "Victor's secret widget"}).get_json()
    response = alice.post("lnk/order", json={"reference": "O-1", "product": product["id"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["product_name"] is None
    assert "secret widget" not in response.get_data(as_text=True)
    missing = problem(alice.post("lnk/order", json={"reference": "O-2",
                                                    "product": product["id"] + 100_000}), 422)
    assert list(missing["errors"]) == ["product"]


def _preview(client, url: str, **values) -> str:
    inputs = MultiDict({"csrf_token": csrf(client), **values})
    response = client.post(url, data=inputs, headers=HTMX)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_live_preview_reveals_nothing_of_an_unreadable_link(links):
    page = links.world.page("alice")
    hidden = _preview(page, "/lnk/contact/preview", name="Peek",
                      customer=str(links.victor_customer["id"]))
    assert leaked(hidden) == []
    own = _preview(page, "/lnk/contact/preview", name="Peek",
                   customer=str(links.alice_customer["id"]))
    assert ALICE["phone"] in own  # the preview does fetch what Alice may read
    # a condition on the linked record holds as for a record that does not exist
    missing = _preview(page, "/lnk/contact/preview", name="Peek",
                       customer=str(links.missing_id()))
    assert _state(hidden, "vip_note") == _state(missing, "vip_note")


def _state(html: str, path: str) -> str:
    return re.search(rf'<span hx-swap-oob="true" id="st-{path}"[^>]*>', html).group(0)


def test_pickers_and_titles_offer_only_readable_records(links):
    page = links.world.page("alice")
    picked = page.get("/lnk/contact/pick/customer?q=Zzyzx").get_data(as_text=True)
    assert leaked(picked) == []
    everything = page.get("/lnk/contact/pick/customer").get_data(as_text=True)
    assert ALICE["name"] in everything and leaked(everything) == []
    # an order may link Victor's product (link scope "all"), but shows only its id
    product = links.world.api["victor"].post("lnk/product", json={"name": "Zzyzx gadget"})
    product_id = product.get_json()["id"]
    order = links.world.api["alice"].post("lnk/order", json={"reference": "O-9",
                                                            "product": product_id})
    html = page.get(f"/lnk/order/{order.get_json()['id']}").get_data(as_text=True)
    assert f"#{product_id}" in html and "Zzyzx" not in html
    listed = page.get("/lnk/order/").get_data(as_text=True)
    assert f"#{product_id}" in listed and "Zzyzx" not in listed


@pytest.mark.parametrize("cell", ["title", "number", "id"])
def test_an_import_finds_no_unreadable_record_to_link(links, cell):
    alice = links.world.api["alice"]
    victor = links.victor_customer
    text = {"title": victor["name"], "number": victor["_number"], "id": str(victor["id"])}[cell]
    unknown = {"title": "No such customer", "number": "C-9999", "id": "987654"}[cell]
    before = links.state()
    answers = []
    for value in (text, unknown):
        data = csv_bytes([["name", "customer"], ["Imported", value]])
        response = alice.post(f"{CONTACTS}/import?dry_run=1", data=data,
                              headers={"Content-Type": "text/csv"})
        answers.append(problem(response, 422))
    assert answers[0]["errors"].keys() == answers[1]["errors"].keys() == {"row 2.customer"}
    assert str(answers[0]).replace(repr(text), "V") == str(answers[1]).replace(repr(unknown), "V")
    assert links.state() == before


def test_an_import_links_a_readable_record_by_title(links):
    alice = links.world.api["alice"]
    data = csv_bytes([["name", "customer"], ["Imported", ALICE["name"]]])
    response = alice.post(f"{CONTACTS}/import?dry_run=1", data=data,
                          headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_web_form_save_refuses_the_link_and_shows_nothing(links):
    page = links.world.page("alice")
    before = links.state()
    response = page.post("/lnk/contact/new", data=MultiDict({
        "csrf_token": csrf(page), "name": "Form", "customer": str(links.victor_customer["id"]),
    }))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "无权关联" in html
    assert leaked(html) == []
    assert links.state() == before


def test_an_export_writes_an_unreadable_link_as_its_id_not_its_number(links):
    alice, fiona = links.world.api["alice"], links.world.api["fiona"]
    victor = links.victor_customer
    alice.post(CONTACTS, json={"name": "Exported", "customer": links.alice_customer["id"]})
    other = alice.post(CONTACTS, json={"name": "Exported too"}).get_json()
    fiona.patch(f"{CONTACTS}/{other['id']}", json={"customer": victor["id"]})
    text = alice.get(f"{CONTACTS}/export?format=csv&name__contains=Exported").get_data(
        as_text=True)
    assert links.alice_customer["_number"] in text  # a readable link: its number
    assert victor["_number"] not in text and f",{victor['id']}," in text
