"""The repository's row writers, below the records service."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from formflow.fields.columns import ExactDecimal, UtcDateTime
from formflow.storage.many_rows import insert_many
from formflow.storage.repository import replace_lines
from formflow.storage.tables import ORDER_COLUMN, PARENT_COLUMN, EntityTables


def test_replace_lines_keeps_a_value_given_only_on_a_later_row():
    metadata = sa.MetaData()
    lines = sa.Table(
        "order_lines",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(PARENT_COLUMN, sa.Integer),
        sa.Column(ORDER_COLUMN, sa.Integer),
        sa.Column("item", sa.Text),
        sa.Column("note", sa.Text),
    )
    tables = EntityTables(entity=None, main=None, lines={"lines": lines})
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        replace_lines(conn, tables, 7, {"lines": [{"item": "Bolt"}, {"item": "Nut", "note": "M6"}]})
        stored = conn.execute(sa.select(lines.c.item, lines.c.note).order_by(lines.c[ORDER_COLUMN]))
        assert stored.all() == [("Bolt", None), ("Nut", "M6")]


class _CountedTime(sa.TypeDecorator):
    """A UTC timestamp that counts its conversions for the database."""

    impl = UtcDateTime
    cache_ok = True
    converted = 0

    def process_bind_param(self, value, dialect):
        type(self).converted += 1
        return value


def test_insert_many_converts_a_value_the_rows_share_once(database_url):
    metadata = sa.MetaData()
    table = sa.Table(
        "many_rows", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", _CountedTime), sa.Column("changes", sa.JSON),
        sa.Column("amount", ExactDecimal(12, 2)), sa.Column("note", sa.Text),
    )
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    metadata.create_all(engine)
    now = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    rows = [{"id": n, "at": now, "changes": {"n": [None, n]} if n % 2 else None,
             "amount": Decimal(n) / 4, "note": f"row {n}"} for n in range(1, 101)]
    _CountedTime.converted = 0
    try:
        with engine.begin() as conn:
            insert_many(conn, table, rows)
            stored = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
            null_changes = conn.execute(
                sa.select(sa.func.count()).where(table.c.changes.is_(None))).scalar()
    finally:
        metadata.drop_all(engine)
        engine.dispose()
    assert _CountedTime.converted == 1
    assert [dict(row) for row in stored] == rows
    assert null_changes == 0  # None is JSON null, as a plain insert writes it
