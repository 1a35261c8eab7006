"""Fields outside a user's ``read_roles`` tell nothing through search, filters, sort,
writes, import keys or errors: a guess of a hidden value gets the same answer whether
it is right or wrong, and the same as a field that does not exist.  Alice may not read
a customer's credit limit, tax id or rating note, not even on her own customer (see
``leak_support``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.helpers import module_app, problem
from support.io_support import csv_bytes
from support.leak_support import ALICE_HIDDEN, LINKS, VICTOR

CUSTOMERS = "lnk/customer"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("security-hidden"), metadata_path=(LINKS,)) as app:
        yield app


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [item["id"] for item in response.get_json()["items"]]


def test_search_looks_only_into_readable_fields(links):
    alice, fiona = links.world.api["alice"], links.world.api["fiona"]
    note = ALICE_HIDDEN["rating_note"]
    assert _ids(alice.get(f"{CUSTOMERS}?q={note}")) == []
    assert _ids(fiona.get(f"{CUSTOMERS}?q={note}")) == [links.alice_customer["id"]]
    assert _ids(alice.get(f"{CUSTOMERS}?q=Alice")) == [links.alice_customer["id"]]


def test_a_default_sort_on_a_hidden_field_is_left_out(links):
    """The list sorts by credit limit, then name: Alice's list sorts by name alone."""
    alice, fiona = links.world.api["alice"], links.world.api["fiona"]
    records = links.runtime.records
    made = [records.create(links.world.users["alice"], "lnk.customer", {"name": name})
            for name in ("Bravo", "Alpha")]
    records.update(links.world.users["fiona"], "lnk.customer", made[0]["id"],
                   {"credit_limit": "1"})
    records.update(links.world.users["fiona"], "lnk.customer", made[1]["id"],
                   {"credit_limit": "2"})
    mine = _ids(alice.get(f"{CUSTOMERS}?name__in=Alpha,Bravo"))
    assert mine == [made[1]["id"], made[0]["id"]]  # Alpha, Bravo
    assert _ids(fiona.get(f"{CUSTOMERS}?name__in=Alpha,Bravo")) == mine  # 2 before 1


@pytest.mark.parametrize("query", [
    "credit_limit__gte=500000", "tax_id=TAX-VICTOR-42", "rating_note__contains=G",
    "sort=credit_limit", "sort=-tax_id",
])
def test_filtering_or_sorting_on_a_hidden_field_is_like_an_unknown_field(links, query):
    alice = links.world.api["alice"]
    name = query.split("=")[0].split("__")[0].removeprefix("sort")
    hidden = query.split("=")[1].lstrip("-") if query.startswith("sort") else name
    unknown = query.replace(hidden, "nosuch")
    first = problem(alice.get(f"{CUSTOMERS}?{query}"), 400)
    second = problem(alice.get(f"{CUSTOMERS}?{unknown}"), 400)
    assert first["detail"].replace(hidden, "F") == second["detail"].replace("nosuch", "F")
    assert links.world.api["fiona"].get(f"{CUSTOMERS}?{query}").status_code == 200


@pytest.mark.parametrize("name", sorted(ALICE_HIDDEN))
def test_a_write_of_a_hidden_field_answers_alike_for_a_right_and_a_wrong_guess(links, name):
    alice = links.world.api["alice"]
    url = f"{CUSTOMERS}/{links.alice_customer['id']}"
    wrong = {"credit_limit": "5.00", "tax_id": "TAX-NOBODY", "rating_note": "lower case"}[name]
    before = links.state()
    answers = [problem(alice.patch(url, json={name: guess}), 422)
               for guess in (ALICE_HIDDEN[name], wrong)]
    unknown = problem(alice.patch(url, json={"nosuch": "x"}), 422)
    assert answers[0] == answers[1]
    assert list(answers[0]["errors"]) == [name]
    assert answers[0]["errors"][name] == unknown["errors"]["nosuch"]
    assert links.state() == before


def test_a_new_record_cannot_test_a_hidden_unique_value(links):
    alice = links.world.api["alice"]
    before = links.state()
    taken, free = ("TAX-VICTOR-42", "TAX-NOBODY-ELSE")
    answers = [problem(alice.post(CUSTOMERS, json={"name": "Probe", "tax_id": value}), 422)
               for value in (taken, free)]
    assert answers[0] == answers[1] and list(answers[0]["errors"]) == ["tax_id"]
    assert links.state() == before


def _import(api, rows, key=None):
    query = "dry_run=1" + (f"&key={key}" if key else "")
    return api.post(f"{CUSTOMERS}/import?{query}", data=csv_bytes(rows),
                    headers={"Content-Type": "text/csv"})


def test_an_import_key_on_a_hidden_field_is_refused_like_an_unknown_one(links):
    alice = links.world.api["alice"]
    right = _import(alice, [["tax_id", "name"], [ALICE_HIDDEN["tax_id"], "Alice Foods"]],
                    key="tax_id")
    wrong = _import(alice, [["tax_id", "name"], ["TAX-GUESS", "Alice Foods"]], key="tax_id")
    unknown = _import(alice, [["nosuch", "name"], ["TAX-GUESS", "Alice Foods"]], key="nosuch")
    bodies = [problem(response, 422) for response in (right, wrong, unknown)]
    assert bodies[0] == bodies[1]
    assert str(bodies[0]).replace("tax_id", "F") == str(bodies[2]).replace("nosuch", "F")


def test_a_hidden_column_in_an_import_is_an_unknown_column(links):
    alice = links.world.api["alice"]
    hidden = problem(_import(alice, [["name", "credit_limit"], ["New", "1"]]), 422)
    unknown = problem(_import(alice, [["name", "nosuch"], ["New", "1"]]), 422)
    assert str(hidden).replace("credit_limit", "F") == str(unknown).replace("nosuch", "F")


def test_an_import_key_matches_only_records_one_may_read(links):
    """A key value held by Victor's customer is as unknown to Alice as one nobody holds:
    the row would create a record."""
    alice = links.world.api["alice"]
    answers = []
    for name in (VICTOR["name"], "Nobody Holds This Name"):
        response = _import(alice, [["name", "phone"], [name, "+86 10 1234 5678"]], key="name")
        assert response.status_code == 200, response.get_data(as_text=True)
        answers.append(response.get_json())
    assert answers[0] == answers[1] and answers[0]["created"] == 1


# -- properties: no answer depends on a hidden value ------------------------------------

HIDDEN = sorted(ALICE_HIDDEN)
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
notes = st.text(st.sampled_from("GOLDIRN"), min_size=1, max_size=4)


def _reset_hidden(links, values: dict) -> None:
    """Give every customer other hidden values, behind the services' back."""
    main = links.runtime.schema["lnk.customer"].main
    with links.runtime.db.write() as conn:  # tax ids stay unique: each ends in its id
        conn.execute(main.update().values(
            credit_limit=main.c.id + values["credit_limit"],
            tax_id=sa.literal(values["tax_id"] + "-") + sa.cast(main.c.id, sa.String),
            rating_note=values["rating_note"]))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_alices_list_answers_alike_whatever_the_hidden_values(links, data):
    alice = links.world.api["alice"]
    args = {}
    if data.draw(st.integers(0, 3)):
        args["q"] = data.draw(st.sampled_from(list("GOLDIRN")) | notes
                              | st.sampled_from(["TAX", "Alice", "7"]))
    sort = data.draw(st.sampled_from(["name", "-name", "credit_limit", "_number", None]))
    if sort:
        args["sort"] = sort
    for name in data.draw(st.lists(st.sampled_from([*HIDDEN, "name", "phone"]), max_size=2)):
        args[f"{name}__{data.draw(st.sampled_from(['contains', 'isnull', 'ne']))}"] = "1"

    def answer():
        response = alice.get(CUSTOMERS, query_string=args)
        return response.status_code, response.get_json()

    before = answer()
    _reset_hidden(links, {"credit_limit": data.draw(st.integers(0, 10**6)),
                          "tax_id": data.draw(notes), "rating_note": data.draw(notes)})
    assert answer() == before


@PROPERTY_SETTINGS
@given(data=st.data())
def test_an_import_dry_run_answers_alike_for_right_and_wrong_guesses(links, data):
    """A file keyed on a hidden field, or holding its column, sent with the right values
    and with wrong ones."""
    alice = links.world.api["alice"]
    name = data.draw(st.sampled_from(HIDDEN))
    main = links.runtime.schema["lnk.customer"].main
    with links.runtime.db.read() as conn:
        stored = conn.execute(sa.select(main.c[name]).where(
            main.c.id == links.alice_customer["id"])).scalar()
    key = data.draw(st.sampled_from([name, None, "name"]))
    right, wrong = str(stored), f"{stored}9"

    def answer(value):
        response = _import(alice, [[name, "name"], [value, "Alice Foods"]], key=key)
        return response.status_code, response.get_data(as_text=True).replace(value, "V")

    assert answer(right) == answer(wrong)
