"""Task rows as the process engine writes and reads them back."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from formflow.process.tables import tasks
from formflow.storage.repository import insert_returning_ids


def insert_tasks(conn, rows: list[dict[str, Any]]) -> list[int]:
    """Insert task rows in one statement; their ids, in order."""
    return insert_returning_ids(conn, tasks, rows)


#: Closes one task (executed with many parameter sets: many tasks in one statement).
_CLOSE = tasks.update().where(tasks.c.id == sa.bindparam("task_id")).values(
    status=sa.bindparam("new_status"), decision=sa.bindparam("new_decision"),
    comment=sa.bindparam("new_comment"), closed_at=sa.bindparam("closed"))


def close_rows(conn, closing: list[tuple[Any, str, str | None, str | None]], now) -> None:
    """Close each (task row, status, decision, comment) of ``closing`` at ``now``."""
    if closing:
        conn.execute(_CLOSE, [
            {"task_id": task.id, "new_status": status, "new_decision": decision,
             "new_comment": comment, "closed": now}
            for task, status, decision, comment in closing])


def decided(task: sa.Row, decision: str) -> SimpleNamespace:
    """``task`` as :meth:`~formflow.process.engine.ProcessEngine.close_task` just left
    it, done with ``decision``."""
    return SimpleNamespace(**{**task._mapping, "status": "done", "decision": decision})
