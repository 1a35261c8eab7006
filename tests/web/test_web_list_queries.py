"""A list page costs the same queries whatever its page size and link columns."""

from __future__ import annotations

import pytest

from support.helpers import LAB, PARTNER, SAMPLE, add_departments, counting_queries
from support.web_support import sign_in

LINES = [
    {"item": "Bolt", "qty": 1, "unit_price": "1.00"},
    {"item": "Nut", "qty": 2, "unit_price": "0.50"},
]


@pytest.fixture
def metadata_path():
    return [str(LAB)]


def test_a_list_page_costs_the_same_queries_whatever_the_page_size(app, runtime, make_user):
    add_departments(runtime)
    manager = make_user("paula", roles=["manager"])
    partner = runtime.records.create(manager, PARTNER, {"name": "Linked"})
    for n in range(100):
        runtime.records.create(manager, SAMPLE, {
            "name": f"Row {n}", "partner": partner["id"], "owner": "paula", "team": "HQ",
            "lines": LINES,
        })
    client = app.test_client()
    sign_in(client, "paula")
    client.get("/lab/sample/")  # the first page view fills caches; count what follows
    costs = {}
    for per_page in (10, 100):
        with counting_queries(runtime.db.engine) as statements:
            page = client.get(f"/lab/sample/?per_page={per_page}")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count("Linked") >= per_page
        costs[per_page] = len(statements)
    assert costs[10] == costs[100]
