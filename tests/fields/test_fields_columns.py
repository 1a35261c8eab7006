"""Column types: the times a SQLite table stores come back aware, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from formflow.fields.columns import UtcDateTime


def _read_back(stored: str) -> datetime:
    metadata = sa.MetaData()
    table = sa.Table("times", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("at", UtcDateTime))
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO times (id, at) VALUES (1, ?)", (stored,))
        return conn.execute(sa.select(table.c.at)).scalar()


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ("2026-03-01 08:30:05.250000", datetime(2026, 3, 1, 8, 30, 5, 250000, tzinfo=UTC)),
        ("2026-03-01 08:30:05", datetime(2026, 3, 1, 8, 30, 5, tzinfo=UTC)),
        ("2026-03-01 08:30", datetime(2026, 3, 1, 8, 30, tzinfo=UTC)),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01T08:30:05", datetime(2026, 3, 1, 8, 30, 5, tzinfo=UTC)),
    ],
)
def test_a_sqlite_time_reads_back_as_an_aware_utc_time(stored, read):
    value = _read_back(stored)
    assert value == read and value.tzinfo is UTC


def test_a_time_as_sqlite_stores_it_is_read_in_one_step(monkeypatch):
    """A list page reads dozens of times: the stored text becomes an aware time at once,
    not parsed first and given its zone after."""

    def second_step(*_args):
        raise AssertionError("converted twice")

    monkeypatch.setattr(UtcDateTime, "process_result_value", second_step)
    assert _read_back("2026-03-01 08:30:05.000000") == datetime(2026, 3, 1, 8, 30, 5, tzinfo=UTC)
