"""Concurrent writers through the records service on one app: record numbers never
repeat, a unique value goes to one writer, and no update is lost or refused."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from formflow.errors import Conflict, StaleVersion, ValidationFailed
from support.helpers import LAB, SAMPLE
from support.process_helpers import run_together

THREADS = 6
CREATES_PER_THREAD = 5


@pytest.fixture
def metadata_path():
    return [LAB]


@pytest.fixture
def records(runtime):
    return runtime.records


def test_parallel_creates_get_distinct_consecutive_numbers(records, admin):
    def create_some(index):
        return [
            records.create(admin, SAMPLE, {"name": f"Writer {index}.{n}"})["_number"]
            for n in range(CREATES_PER_THREAD)
        ]

    results = run_together(THREADS, create_some)
    numbers = [number for result in results for number in result]
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    expected = [f"S-{year}-{n:05}" for n in range(1, THREADS * CREATES_PER_THREAD + 1)]
    assert sorted(numbers) == expected


def test_parallel_creates_with_one_unique_value_let_exactly_one_win(records, admin):
    results = run_together(
        4, lambda i: records.create(admin, SAMPLE, {"name": f"Writer {i}", "code": "ABC12"})
    )
    winners = [r for r in results if isinstance(r, dict)]
    losers = [r for r in results if not isinstance(r, dict)]
    assert len(winners) == 1
    assert all(isinstance(e, ValidationFailed) and list(e.errors) == ["code"] for e in losers)
    assert records.list(admin, SAMPLE, {}).total == 1


def test_updates_from_one_version_let_exactly_one_win(records, admin):
    record = records.create(admin, SAMPLE, {"name": "Original"})
    results = run_together(
        4,
        lambda i: records.update(
            admin, SAMPLE, record["id"], {"name": f"Writer {i}"}, expected_version=1
        ),
    )
    winners = [r for r in results if isinstance(r, dict)]
    losers = [r for r in results if not isinstance(r, dict)]
    assert len(winners) == 1
    assert all(isinstance(e, Conflict | StaleVersion) for e in losers)
    stored = records.get(admin, SAMPLE, record["id"])
    assert (stored["name"], stored["_version"]) == (winners[0]["name"], 2)
    history = records.history(admin, SAMPLE, record["id"])
    assert [e["action"] for e in history] == ["create", "update"]


CHANGES = [{"quantity": 7}, {"memo": "second"}, {"description": "third"}, {"email": "d@e.io"}]


def test_concurrent_updates_without_a_version_all_land(records, admin):
    """Without an expected version no writer is refused: each waits for the one before
    and changes what it left, so every change lands and none is lost."""
    record = records.create(admin, SAMPLE, {"name": "Shared"})
    results = run_together(
        len(CHANGES), lambda i: records.update(admin, SAMPLE, record["id"], CHANGES[i])
    )
    assert all(isinstance(result, dict) for result in results), results
    stored = records.get(admin, SAMPLE, record["id"])
    for change in CHANGES:
        assert {name: stored[name] for name in change} == change
    assert stored["_version"] == 1 + len(CHANGES)
