"""Listing records through the REST API: ``field=value`` and every ``field__op`` per field
type, search, sort, paging, refused queries, and a query count that does not grow with
the page size."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from support.helpers import (
    LAB,
    PARTNERS,
    SAMPLE,
    SAMPLES,
    add_departments,
    add_user,
    counting_queries,
    database_state,
    module_app,
    problem,
)

SEEDS = {
    "A": {
        "name": "Alpha",
        "quantity": 1,
        "price": "1.50",
        "budget": "100.00",
        "discount": 10,
        "active": True,
        "due": "2026-01-10",
        "starts_at": "2026-01-10T08:00:00Z",
        "opens": "08:00",
        "kind": "basic",
        "tags": ["red"],
        "partner": "P1",
        "owner": "alice",
        "team": "SALES",
        "email": "alpha@example.com",
        "phone": "+86 10 1111",
        "website": "https://alpha.example",
        "attachment": "files/a.pdf",
        "score": 1,
        "description": "first of all",
    },
    "B": {
        "name": "Beta",
        "quantity": 5,
        "price": "2.25",
        "budget": "250.50",
        "discount": 20,
        "active": False,
        "due": "2026-02-10",
        "starts_at": "2026-02-10T12:00:00Z",
        "opens": "12:30",
        "kind": "special",
        "special_reason": "Because",
        "tags": ["red", "blue"],
        "partner": "P2",
        "owner": "bob",
        "team": "HQ",
        "email": "beta@example.org",
        "phone": "+86 10 2222",
        "website": "https://beta.example",
        "score": 3,
        "description": "second, 100% done_ok",
    },
    "C": {
        "name": "Gamma",
        "quantity": 10,
        "active": True,
        "due": "2026-03-10",
        "kind": "basic",
        "owner": None,
        "score": 5,
    },
}
NAMES = {key: values["name"] for key, values in SEEDS.items()}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("api-list")) as app:
        yield app


@pytest.fixture(scope="module")
def seeded(app):
    """The seed samples by key, two partners, and a deleted sample that never shows."""
    add_departments(app.extensions["formflow"])
    add_user(app, "alice")
    add_user(app, "bob")
    _, api = add_user(app, "lister", roles=["manager"])
    ids = {key: api.post(PARTNERS, json={"name": key}).get_json()["id"] for key in ("P1", "P2")}
    for key, values in SEEDS.items():
        values = {**values, "partner": ids.get(values.get("partner"))}
        ids[key] = api.post(SAMPLES, json=values).get_json()["id"]
    deleted = api.post(SAMPLES, json={"name": "Deleted", "quantity": 5}).get_json()
    api.delete(f"{SAMPLES}/{deleted['id']}")
    return api, ids


def names(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["name"] for item in response.get_json()["items"]}


def listed(seeded, query: str):
    api, ids = seeded
    return api.get(f"{SAMPLES}?{query.format(**ids)}")


FILTERS = [
    # text
    ("name=Alpha", "A"),
    ("name__ne=Alpha", "BC"),
    ("name__in=Alpha,Gamma", "AC"),
    ("name__contains=ET", "B"),
    ("name__isnull=true", ""),
    ("name=alpha", ""),
    # integer
    ("quantity=5", "B"),
    ("quantity__ne=5", "AC"),
    ("quantity__lt=5", "A"),
    ("quantity__lte=5", "AB"),
    ("quantity__gt=5", "C"),
    ("quantity__gte=5", "BC"),
    ("quantity__in=1,10", "AC"),
    ("quantity__isnull=false", "ABC"),
    ("quantity__gte=2&quantity__lte=6", "B"),
    # decimal, money, percent
    ("price=2.25", "B"),
    ("price__lt=2", "A"),
    ("price__gte=1.5", "AB"),
    ("price__isnull=true", "C"),
    ("price__in=1.5,2.25", "AB"),
    ("budget__gt=100", "B"),
    ("budget__lte=100.00", "A"),
    ("discount__lte=10", "A"),
    ("discount__ne=10", "BC"),
    # boolean
    ("active=true", "AC"),
    ("active=false", "B"),
    ("active__ne=true", "B"),
    ("active__isnull=true", ""),
    # date, datetime, time
    ("due=2026-01-10", "A"),
    ("due__lt=2026-02-10", "A"),
    ("due__gte=2026-02-10", "BC"),
    ("due__in=2026-01-10,2026-03-10", "AC"),
    ("starts_at__gt=2026-01-10T08:00:00Z", "B"),
    ("starts_at__lte=2026-01-10T16:00:00%2B08:00", "A"),
    ("starts_at__isnull=true", "C"),
    ("opens__lt=12:00", "A"),
    ("opens__gte=12:30", "B"),
    ("opens=08:00", "A"),
    # select, multiselect
    ("kind=special", "B"),
    ("kind__ne=special", "AC"),
    ("kind__in=basic", "AC"),
    ("tags__contains=red", "AB"),
    ("tags__contains=blue", "B"),
    ("tags__isnull=true", "C"),
    ("tags=red", "AB"),
    ("tags=", "C"),
    # link, user, department
    ("partner={P1}", "A"),
    ("partner__ne={P1}", "BC"),
    ("partner__in={P1},{P2}", "AB"),
    ("partner__isnull=true", "C"),
    ("partner=999999", ""),
    ("owner=alice", "A"),
    ("owner__in=alice,bob", "AB"),
    ("owner__ne=alice", "BC"),
    ("owner__isnull=true", "C"),
    ("owner=nobody", ""),
    ("team=SALES", "A"),
    ("team__in=HQ,SALES", "AB"),
    ("team__isnull=true", "C"),
    # email, phone, url, file, rating
    ("email=alpha@example.com", "A"),
    ("email__contains=example.org", "B"),
    ("phone__contains=2222", "B"),
    ("website=https://alpha.example", "A"),
    ("attachment__isnull=false", "A"),
    ("score__lt=3", "A"),
    ("score__gte=3", "BC"),
    # system fields
    ("id={A}", "A"),
    ("id__in={A},{C}", "AC"),
    ("_created_by=lister", "ABC"),
    ("_created_at__gte=2000-01-01T00:00:00Z", "ABC"),
    ("_title__contains=amm", "C"),
    ("_version=1", "ABC"),
    ("_number__contains=S-", "ABC"),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[q for q, _ in FILTERS])
def test_a_filter_selects_the_matching_records(seeded, query, expected):
    assert names(listed(seeded, query)) == {NAMES[key] for key in expected}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=alp", "A"),
        ("q=GAMMA", "C"),
        ("q=100%25", "B"),
        ("q=_", "B"),
        ("q=%25", "B"),
        ("q=second", "B"),
        ("q=S-", "ABC"),
        ("q=nothing-like-this", ""),
        ("q=", "ABC"),
    ],
)
def test_search_matches_number_title_and_search_fields_literally(seeded, query, expected):
    assert names(listed(seeded, query)) == {NAMES[key] for key in expected}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("quantity", "ABC"),
        ("-quantity", "CBA"),
        ("name", "ABC"),
        ("-name", "CBA"),
        ("-active,name", "ACB"),
        ("price", "ABC"),
        ("-price", "BAC"),
        ("partner,-name", "ABC"),
        ("-due", "CBA"),
        ("opens", "ABC"),
        ("_number", "ABC"),
        ("-_created_at", "CBA"),
    ],
)
def test_sort_orders_by_fields_with_empty_values_last(seeded, sort, expected):
    response = listed(seeded, f"sort={sort}")
    assert [item["name"] for item in response.get_json()["items"]] == [
        NAMES[key] for key in expected
    ]


@pytest.mark.parametrize(
    ("query", "count", "page", "per_page"),
    [
        ("per_page=2", 2, 1, 2),
        ("per_page=2&page=2", 1, 2, 2),
        ("per_page=2&page=3", 0, 3, 2),
        ("", 3, 1, 25),
        ("per_page=200", 3, 1, 200),
        ("page=1000000", 0, 1000000, 25),
    ],
)
def test_paging_gives_one_page_and_the_total(seeded, query, count, page, per_page):
    body = listed(seeded, query).get_json()
    assert set(body) == {"items", "total", "page", "per_page", "total_is_estimate"}
    assert (len(body["items"]), body["total"], body["page"], body["per_page"]) == (
        count,
        3,
        page,
        per_page,
    )


def test_pages_do_not_overlap(seeded):
    pages = [
        listed(seeded, f"per_page=1&page={n}&sort=name").get_json()["items"] for n in (1, 2, 3)
    ]
    assert [page[0]["name"] for page in pages] == ["Alpha", "Beta", "Gamma"]


REFUSED = [
    # paging
    "per_page=201",
    "per_page=0",
    "per_page=-1",
    "page=0",
    "page=abc",
    "page=1.5",
    "page=²",
    "per_page=" + "9" * 30,
    # unknown fields and operators
    "nosuch=1",
    "nosuch__in=1",
    "name__like=A",
    "name__eq__ne=A",
    "lines=x",
    "special_reason__regex=.*",
    # operators that do not apply to the type
    "name__lt=B",
    "quantity__contains=1",
    "active__gt=false",
    "tags__in=red",
    "tags__ne=red",
    "attachment__contains=a",
    "kind__gt=basic",
    "partner__lt=3",
    "email__gte=a",
    # values the field type refuses
    "quantity=abc",
    "quantity__in=1,x",
    "quantity=1.5",
    "quantity=" + "9" * 30,
    "due=2026-02-30",
    "starts_at__gt=yesterday",
    "opens=24:61",
    "active=maybe",
    "partner=abc",
    "partner=-1",
    "kind=premium",
    "price=1.234",
    "price=NaN",
    "price=Infinity",
    "score=9",
    "tags__contains=pink",
    "tags__contains=",
    "name__isnull=maybe",
    "name__contains=a%00b",
    "q=%00",
    "email__contains=%00",
    "id=x",
    "id=2147483648",
    "id__in=1,99999999999",
    "_version__gt=9999999999",
    "partner=2147483648",
    "partner__in=1,2147483648",
    "_created_at__gt=2026-02-30",
    # sort
    "sort=nosuch",
    "sort=-nosuch",
    "sort=tags",
    "sort=lines",
    "sort=name;DROP TABLE x",
    "sort=name,,-",
    "sort=secret_sauce",
]


@pytest.mark.parametrize("query", REFUSED)
def test_a_query_the_api_cannot_answer_is_400(seeded, query):
    body = problem(listed(seeded, query), 400)
    assert body["detail"]


INJECTIONS = [
    "name__in=1') OR 1=1 --",
    "name=' OR '1'='1",
    "name__contains=%' OR 1=1 --",
    "q='; DROP TABLE lab__sample; --",
    'q=" OR ""="',
    "email__contains=' UNION SELECT * FROM ff_users --",
    "owner=admin' --",
    "team=HQ' OR 1=1 --",
]


@pytest.mark.parametrize("query", INJECTIONS)
def test_sql_in_filter_values_is_just_a_value(seeded, runtime, query):
    before = database_state(runtime)
    response = listed(seeded, query.replace("{", "{{").replace("}", "}}"))
    assert names(response) == set()
    assert database_state(runtime) == before


@pytest.mark.parametrize(
    "query",
    [
        "sort=name;DROP TABLE lab__sample",
        "sort=name)--",
        "quantity=1 OR 1=1",
        "partner__in=1) OR (1=1",
        "name;DROP TABLE lab__sample=1",
    ],
)
def test_sql_in_sort_and_filter_names_is_refused_and_the_table_stays(seeded, runtime, query):
    before = database_state(runtime)
    problem(listed(seeded, query), 400)
    assert database_state(runtime) == before
    assert sa.inspect(runtime.db.engine).has_table("lab__sample")


# -- queries per request -------------------------------------------------------------------


def test_a_list_request_costs_the_same_queries_whatever_the_page_size(make_app):
    app = make_app([LAB])
    runtime = app.extensions["formflow"]
    add_departments(runtime)
    manager, api = add_user(app, "counter", roles=["manager"])
    partner = runtime.records.create(manager, "lab.partner", {"name": "Linked"})
    lines = [
        {"item": "Bolt", "qty": 1, "unit_price": "1.00"},
        {"item": "Nut", "qty": 2, "unit_price": "0.50"},
    ]
    for n in range(100):
        runtime.records.create(
            manager,
            SAMPLE,
            {
                "name": f"Row {n}",
                "partner": partner["id"],
                "owner": "counter",
                "team": "HQ",
                "lines": lines,
            },
        )
    api.get(SAMPLES)  # the token's first use is recorded once; count what follows
    costs = {}
    for per_page in (5, 100):
        with counting_queries(runtime.db.engine) as statements:
            body = api.get(f"{SAMPLES}?per_page={per_page}").get_json()
        assert len(body["items"]) == per_page
        assert body["items"][0]["owner"] == "counter" and len(body["items"][0]["lines"]) == 2
        costs[per_page] = len(statements)
    assert costs[5] == costs[100]
    assert costs[100] <= 8  # token, count, rows, lines, users, departments
