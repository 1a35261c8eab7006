"""What one process action wrote, kept on its connection while the action runs, so that
its last steps read again only what may have changed: the versions its saves left each
record at (every save ends in ``record_after_save``; a delete forgets the record), and
whether an actor logged an event on a task (only such an event can have been on a
delegated task, whose principal the history names) and whether it delegated a task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

_KEY = "formflow.process.watch"


@dataclass
class Watch:
    #: ``{(entity, record id): version}`` as this action's saves left them.
    saved: dict[tuple[str, int], int | None] = field(default_factory=dict)
    #: Whether an actor logged an event on a task.
    task_events: bool = False
    #: Whether a task was delegated.
    delegated: bool = False

    def holds(self, entity: str, record: dict[str, Any]) -> bool:
        """Whether this action's last save of ``record`` left it at ``record``'s version
        (then ``record`` is its row as stored)."""
        version = self.saved.get((entity, record["id"]))
        return version is not None and version == record.get("_version")


@contextmanager
def watching(conn: Connection) -> Iterator[Watch]:
    """Watch the writes on ``conn`` for the length of the ``with`` block."""
    watch = conn.info[_KEY] = Watch()
    try:
        yield watch
    finally:
        conn.info.pop(_KEY, None)


def saved(conn: Connection, entity: str, record_id: int, version: int | None) -> None:
    """A save left the record at ``version`` (None: it is unknown, e.g. deleted).  The
    highest version counts (a save made in the hooks of another is told first); once
    unknown, it stays unknown."""
    watch = conn.info.get(_KEY)
    if watch is not None:
        known = watch.saved.get((entity, record_id), 0)
        watch.saved[(entity, record_id)] = (
            None if version is None or known is None else max(known, version)
        )


def task_event(conn: Connection) -> None:
    """An actor logged an event on a task."""
    watch = conn.info.get(_KEY)
    if watch is not None:
        watch.task_events = True


def delegated(conn: Connection) -> None:
    """A task was delegated."""
    watch = conn.info.get(_KEY)
    if watch is not None:
        watch.delegated = True
