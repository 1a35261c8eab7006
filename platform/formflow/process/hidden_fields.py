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

    @hookimpl
    def record_hidden_fields(self, conn, user, entity, table, record_ids):
        process = self.model.process_for(entity)
        if process is None or user.is_admin or record_ids == []:
            return None
        query = (
            sa.select(tasks.c.record_id, tasks.c.process_version, tasks.c.state)
            .join(table, table.c.id == tasks.c.record_id)
            .where(
                tasks.c.entity == entity.qualified_name,
                tasks.c.assignee_id == user.id,
                tasks.c.kind == "approve",
                tasks.c.status.in_(HOLDING),
                sa.or_(table.c._created_by.is_(None), table.c._created_by != user.id),
            )
            .distinct()
        )
        if record_ids is not None:
            query = query.where(tasks.c.record_id.in_(record_ids))
        hidden: dict[int, set[str]] = {}
        for row in conn.execute(query):
            version = self.registry.get(conn, process.qualified_name, row.process_version)
            state = version.state(row.state)
            if state is not None and state.hidden:
                hidden.setdefault(row.record_id, set()).update(state.hidden)
        return hidden
