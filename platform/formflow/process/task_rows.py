"""Task rows as the process engine writes and reads them back."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from formflow.process.tables import tasks


def insert_tasks(conn, rows: list[dict[str, Any]]) -> list[int]:
    """Insert task rows in one statement; their ids, in order."""
    if not rows:
        return []
    return conn.execute(
        sa.insert(tasks).returning(tasks.c.id, sort_by_parameter_order=True), rows
    ).scalars().all()


def decided(task: sa.Row, decision: str) -> SimpleNamespace:
    """``task`` as :meth:`~formflow.process.engine.ProcessEngine.close_task` just left
    it, done with ``decision``."""
    return SimpleNamespace(**{**task._mapping, "status": "done", "decision": decision})
