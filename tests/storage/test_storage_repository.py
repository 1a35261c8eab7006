"""The repository's row writers, below the records service."""

from __future__ import annotations

import sqlalchemy as sa

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
