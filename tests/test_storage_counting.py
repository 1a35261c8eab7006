"""List totals: exact up to a limit; past it an estimate on PostgreSQL, flagged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from formflow.storage import counting
from formflow.storage.types import utcnow


def _fill(runtime, count):
    table = runtime.schema["crm.customer"].main
    now = utcnow()
    with runtime.db.write() as conn:
        conn.execute(
            sa.insert(table),
            [
                {
                    "name": f"C{i}",
                    "level": "A",
                    "_version": 1,
                    "_created_at": now,
                    "_updated_at": now,
                }
                for i in range(count)
            ],
        )
        if runtime.db.is_postgresql:
            conn.exec_driver_sql("ANALYZE crm__customer")


def test_a_total_within_the_limit_is_exact(runtime, admin):
    _fill(runtime, 7)
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"]})
    assert (page.total, page.total_is_estimate) == (7, False)


def test_past_the_limit_the_total_is_an_estimate_and_says_so(runtime, admin, monkeypatch):
    monkeypatch.setattr(counting, "EXACT_LIMIT", 5)
    _fill(runtime, 40)
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"]})
    assert page.total_is_estimate is True
    assert page.total >= 6


def test_the_sqlite_estimate_scales_the_share_of_matches_in_a_sample(
    runtime, admin, monkeypatch
):
    if runtime.db.is_postgresql:
        pytest.skip("PostgreSQL asks its planner")
    monkeypatch.setattr(counting, "EXACT_LIMIT", 5)
    monkeypatch.setattr(counting, "SAMPLE_ROWS", 20)
    _fill(runtime, 40)
    page = runtime.records.list(admin, "crm.customer", {"level": ["A"]})
    assert (page.total, page.total_is_estimate) == (40, True)


def test_the_api_reports_whether_the_total_is_an_estimate(runtime, admin_api):
    body = admin_api.get("crm/customer").get_json()
    assert body["total_is_estimate"] is False
