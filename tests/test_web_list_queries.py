"""A list page costs the same queries whatever its page size and link columns."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpers import LAB, PARTNER, SAMPLE, add_departments
from web_support import sign_in

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
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(runtime.db.engine, "before_cursor_execute", count)
    try:
        costs = {}
        for per_page in (10, 100):
            statements.clear()
            page = client.get(f"/lab/sample/?per_page={per_page}")
            assert page.status_code == 200
            assert page.get_data(as_text=True).count("Linked") >= per_page
            costs[per_page] = len(statements)
    finally:
        sa.event.remove(runtime.db.engine, "before_cursor_execute", count)
    assert costs[10] == costs[100]
