"""A process state's ``hidden`` fields (隐藏), as a built-in plugin: while a record sits
in a state, the holders of that state's open tasks on it (a sequential approval's later
turns included) do not see the state's hidden fields, unless they created the record or
are admins.  Each task is read against the process version its record runs on; one
query answers for any number of records.
"""

from __future__ import annotations

import sqlalchemy as sa

from formflow.metadata.model import Model
from formflow.plugins import hookimpl
from formflow.process.registry import ProcessRegistry
from formflow.process.tables import tasks

#: The task statuses of a state's actors while the record is in it.
HOLDING = ("open", "waiting")


class HiddenAtStep:
    """Answers ``record_hidden_fields`` from the user's open tasks."""

    def __init__(self, model: Model, registry: ProcessRegistry):
        self.model = model
        self.registry = registry
        #: The query of each (main table, by ids or not), built once.
        self._queries: dict[tuple[sa.Table, bool], sa.Select] = {}

    @hookimpl
    def record_hidden_fields(self, conn, user, entity, table, record_ids):
        process = self.model.process_for(entity)
        if process is None or user.is_admin or record_ids == []:
            return None
        params: dict[str, object] = {"entity": entity.qualified_name, "user": user.id}
        if record_ids is not None:
            params["ids"] = list(record_ids)
        rows = conn.execute(self._query(table, record_ids is not None), params)
        hidden: dict[int, set[str]] = {}
        steps: dict[tuple[int, str], tuple[str, ...]] = {}
        for record_id, version, name in rows:
            if (version, name) not in steps:
                state = self.registry.get(conn, process.qualified_name, version).state(name)
                steps[(version, name)] = state.hidden if state is not None else ()
            if steps[(version, name)]:
                hidden.setdefault(record_id, set()).update(steps[(version, name)])
        return hidden

    def _query(self, table: sa.Table, by_ids: bool) -> sa.Select:
        """The record, version and state of the user's tasks on records they did not
        create, while the tasks are theirs to act on."""
        query = self._queries.get((table, by_ids))
        if query is None:
            query = (
                sa.select(tasks.c.record_id, tasks.c.process_version, tasks.c.state)
                .join(table, table.c.id == tasks.c.record_id)
                .where(
                    tasks.c.entity == sa.bindparam("entity"),
                    tasks.c.assignee_id == sa.bindparam("user"),
                    tasks.c.kind == "approve",
                    tasks.c.status.in_(HOLDING),
                    sa.or_(
                        table.c._created_by.is_(None),
                        table.c._created_by != sa.bindparam("user"),
                    ),
                )
                .distinct()
            )
            if by_ids:
                query = query.where(tasks.c.record_id.in_(sa.bindparam("ids", expanding=True)))
            self._queries[(table, by_ids)] = query
        return query
