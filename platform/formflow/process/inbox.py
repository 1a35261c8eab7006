"""The approver's inbox as a service: the open tasks with their records, filters, and
deciding tasks from the list — one at a time or several approved at once.

Reading takes a fixed number of statements whatever the number of tasks: one for the
tasks, one per entity for their records (through the records service, so the read
scope and field roles apply), one for the facets.  Each decision goes through
:meth:`ProcessService.act` in a transaction of its own, so one refused task does not
hold back the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from formflow.auth import User
from formflow.errors import NotFound, ServiceError, ValidationFailed
from formflow.i18n import Message
from formflow.metadata.model import Process, State, Transition
from formflow.process.tables import tasks

#: The most tasks one batch approval decides.
MAX_BATCH = 50


@dataclass(frozen=True)
class Facet:
    """A (process entity, state) the user has open tasks in, and how many."""

    entity: str  # qualified
    state: str
    count: int


@dataclass
class OpenTask:
    """An open task with its record (the record's JSON as the list API gives it; None
    when the user may no longer read it)."""

    task: dict[str, Any]
    record: dict[str, Any] | None
    #: Transitions the task can take with one click (no fields to fill), by name.
    quick: list[Transition] = field(default_factory=list)
    #: The step's passing action, when it can be taken in a batch.
    batch_action: str | None = None


class Inbox:
    def __init__(self, process):
        self.process = process  # the ProcessService

    def facets(self, user: User) -> list[Facet]:
        """Where the user's open tasks are: one grouped count."""
        with self.process.db.read() as conn:
            rows = conn.execute(
                sa.select(tasks.c.entity, tasks.c.state, sa.func.count().label("n"))
                .where(tasks.c.assignee_id == user.id, tasks.c.status == "open",
                       tasks.c.kind == "approve")
                .group_by(tasks.c.entity, tasks.c.state).order_by(tasks.c.entity, tasks.c.state)
            ).all()
        return [Facet(r.entity, r.state, r.n) for r in rows]

    def open_tasks(self, user: User, *, entities: Iterable[str] | None = None,
                   state: str | None = None, limit: int = 200) -> list[OpenTask]:
        """The user's open tasks, newest first, each with its record."""
        rows = self.process.tasks(user, "open", limit=limit, entities=entities, state=state)
        wanted: dict[str, list[int]] = {}
        for row in rows:
            wanted.setdefault(f"{row['app']}.{row['entity']}", []).append(row["record_id"])
        records: dict[tuple[str, int], dict[str, Any]] = {}
        for qualified, ids in wanted.items():
            for item in self._records(user, qualified, ids):
                records[(qualified, item["id"])] = item
        found = []
        for row in rows:
            qualified = f"{row['app']}.{row['entity']}"
            record = records.get((qualified, row["record_id"]))
            entity = self.process.model.entity(qualified)
            process = self.process.model.process_for(entity) if entity is not None else None
            quick, batch = _one_click(process, record)
            found.append(OpenTask(row, record, quick, batch))
        return found

    def _records(self, user: User, qualified: str, ids: list[int]) -> list[dict[str, Any]]:
        if qualified not in self.process.schema.entities:
            return []
        try:
            page = self.process.records.list(user, qualified, {
                "id__in": [",".join(map(str, sorted(set(ids))))], "per_page": ["200"],
            })
        except ServiceError:
            return []
        return page.items

    def decide(self, user: User, task_id: int, name: str, comment: str | None) -> dict[str, Any]:
        """Take action ``name`` on the record of the user's open task ``task_id``."""
        task, _ = self._own_open_task(user, task_id)
        return self._act(user, task, name, comment)

    def _act(self, user: User, task: sa.Row, name: str, comment: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"state": task.state}
        if comment and comment.strip():
            body["comment"] = comment.strip()
        return self.process.act(user, task.entity, task.record_id, name, body)

    def approve_all(self, user: User, task_ids: list[int],
                    comment: str | None) -> dict[int, Message | None]:
        """Take each task's passing action; per task None (done) or why it was refused."""
        if not task_ids:
            raise ValidationFailed({"tasks": [Message("required")]})
        if len(task_ids) > MAX_BATCH:
            raise ValidationFailed({"tasks": [Message("too_many_tasks", {"max": MAX_BATCH})]})
        outcome: dict[int, Message | None] = {}
        for task_id in dict.fromkeys(task_ids):
            try:
                task, process = self._own_open_task(user, task_id)
                action = _batch_action(process, process.state(task.state))
                if action is None:
                    raise ValidationFailed({"tasks": [Message("needs_input")]})
                self._act(user, task, action, comment)
                outcome[task_id] = None
            except ServiceError as error:
                outcome[task_id] = _first_message(error)
        return outcome

    def _own_open_task(self, user: User, task_id: int) -> tuple[sa.Row, Process]:
        """The user's task ``task_id`` and the process version it runs on (404 for
        anyone else's); whether it is still open the action decides (409 when not)."""
        model = self.process.model
        with self.process.db.read() as conn:
            task = conn.execute(sa.select(tasks).where(
                tasks.c.id == task_id, tasks.c.assignee_id == user.id,
                tasks.c.kind == "approve")).first()
            entity = model.entity(task.entity) if task is not None else None
            process = model.process_for(entity) if entity is not None else None
            if process is None:
                raise NotFound(Message("not_found"))
            process = self.process.engine.registry.get(conn, process.qualified_name,
                                                       task.process_version)
        return task, process


def _one_click(process: Process | None, record: dict[str, Any] | None
               ) -> tuple[list[Transition], str | None]:
    """The transitions a task in the record's state can take without filling fields,
    and the passing action when a batch may take it (no comment required either)."""
    if process is None or record is None:
        return [], None
    state = process.state(record.get("_state") or "")
    if state is None or state.final:
        return [], None
    quick: dict[str, Transition] = {}
    for transition in process.transitions:
        if (state.name in transition.sources and transition.by is None
                and transition.name not in quick):
            quick[transition.name] = transition
    easy = [t for t in quick.values() if not _needs_fields(process, state, t.name)]
    return easy, _batch_action(process, state)


def _batch_action(process: Process, state: State | None) -> str | None:
    if state is None or state.final:
        return None
    action = state.approval.action or next(
        (t.name for t in process.transitions if state.name in t.sources), None)
    if action is None or _needs_fields(process, state, action):
        return None
    branches = [t for t in process.transitions if t.name == action and state.name in t.sources]
    if any(t.by is not None or t.comment == "required" for t in branches):
        return None
    return action


def _needs_fields(process: Process, state: State, name: str) -> bool:
    return any(t.required for t in process.transitions
               if t.name == name and state.name in t.sources)


def _first_message(error: ServiceError) -> Message:
    if isinstance(error, ValidationFailed):
        for messages in error.errors.values():
            if messages:
                return messages[0]
    return error.message
