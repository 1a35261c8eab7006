"""The user's task lists (to do, done, copied), the records they started, and a task as
the API shows it: the reading half of the process service."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from formflow.auth import User
from formflow.metadata.model import CANCELLED, Entity
from formflow.process.delegation import principals_of
from formflow.process.tables import tasks


class TaskLists:
    """Mixed into :class:`~formflow.process.service.ProcessService` (its ``db``,
    ``model``, ``schema`` and ``records``)."""

    def tasks(self, user: User, status: str = "open", *, limit: int = 200,
              entities: Iterable[str] | None = None, state: str | None = None,
              ) -> list[dict[str, Any]]:
        """The user's tasks: ``open`` (to do), ``done`` (decided or closed), ``cc``;
        only those on records of ``entities`` (qualified names) or in ``state`` when
        given."""
        where = [tasks.c.assignee_id == user.id]
        if entities is not None:
            where.append(tasks.c.entity.in_(list(entities)))
        if state:
            where.append(tasks.c.state == state)
        if status == "open":
            where += [tasks.c.status == "open", tasks.c.kind == "approve"]
        elif status == "cc":
            where.append(tasks.c.kind == "cc")
        else:
            where += [tasks.c.status.in_(("done", "cancelled")), tasks.c.kind == "approve"]
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(tasks).where(*where).order_by(tasks.c.opened_at.desc()).limit(limit)
            ).all()
            titles = self._titles(conn, rows)
            principals = principals_of(conn, [r.id for r in rows])
        return [task_json(r, user.username, titles.get((r.entity, r.record_id)),
                           principals.get(r.id)) for r in rows]

    def open_task_count(self, user: User) -> int:
        """How many approvals await ``user`` (one count on the assignee index)."""
        with self.db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(tasks).where(
                tasks.c.assignee_id == user.id, tasks.c.status == "open",
                tasks.c.kind == "approve",
            )).scalar_one()

    def started(self, user: User, *, limit: int = 50) -> list[dict[str, Any]]:
        """Records ``user`` created that are in a process, running or finished, newest
        first: one list query per process entity the user may read, then the earliest
        deadline of each record's open tasks.  ``final`` says whether it has ended."""
        found: list[tuple[Entity, dict[str, Any]]] = []
        for entity in self.model.entities():
            process = self.model.process_for(entity)
            if process is None or entity.qualified_name not in self.schema.entities:
                continue
            if not self.records.grant(user, entity).read:
                continue
            page = self.records.list(user, entity.qualified_name, {
                "_created_by": [user.username], "sort": ["-_created_at"],
                "per_page": [str(limit)],
            })
            found += [(entity, item) for item in page.items]
        found.sort(key=lambda pair: datetime.fromisoformat(pair[1]["_created_at"]), reverse=True)
        found = found[:limit]
        due: dict[tuple[str, int], Any] = {}
        wanted: dict[str, list[int]] = {}
        for entity, item in found:
            wanted.setdefault(entity.qualified_name, []).append(item["id"])
        with self.db.read() as conn:
            for qualified, ids in wanted.items():
                rows = conn.execute(
                    sa.select(tasks.c.record_id, sa.func.min(tasks.c.due_at).label("due_at"))
                    .where(tasks.c.entity == qualified, tasks.c.record_id.in_(ids),
                           tasks.c.status == "open", tasks.c.kind == "approve")
                    .group_by(tasks.c.record_id)
                )
                due.update({(qualified, row.record_id): row.due_at for row in rows})
        return [
            {"app": entity.app, "entity": entity.name, "record_id": item["id"],
             "record_title": item.get("_title"), "record_number": item.get("_number"),
             "state": item["_state"], "created_at": item["_created_at"],
             "final": _is_final(self.model.process_for(entity), item["_state"]),
             "due_at": iso(due.get((entity.qualified_name, item["id"])))}
            for entity, item in found
        ]


    def _titles(self, conn, rows) -> dict[tuple[str, int], str | None]:
        wanted: dict[str, set[int]] = {}
        for row in rows:
            wanted.setdefault(row.entity, set()).add(row.record_id)
        titles = {}
        for qualified, ids in wanted.items():
            if qualified not in self.schema.entities:
                continue
            main = self.schema[qualified].main
            for row in conn.execute(sa.select(main.c.id, main.c._title).where(main.c.id.in_(ids))):
                titles[(qualified, row.id)] = row._title
        return titles


def task_json(row, assignee: str | None, title: str | None,
               on_behalf_of: str | None = None) -> dict[str, Any]:
    """A task as the API shows it; ``on_behalf_of`` (whose task a deputy holds) only on
    a delegated task."""
    app, entity = row.entity.split(".")
    found = {"id": row.id, "app": app, "entity": entity, "record_id": row.record_id,
             "record_title": title, "state": row.state, "status": row.status,
             "assignee": assignee, "opened_at": iso(row.opened_at), "due_at": iso(row.due_at),
             "closed_at": iso(row.closed_at), "decision": row.decision, "flagged": row.flagged}
    if on_behalf_of is not None:
        found["on_behalf_of"] = on_behalf_of
    return found


def _is_final(process, state_name: str | None) -> bool:
    state = process.state(state_name or "") if process is not None else None
    return state_name == CANCELLED or (state is not None and state.final)


def iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
