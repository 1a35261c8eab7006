"""The process engine's part in row-level access, as a built-in plugin: a record is also
the own of every user who holds or held a task on it (an approval or a copy), so an
approver reads what they decide on even under the ``own`` scope."""

from __future__ import annotations

import sqlalchemy as sa

from formflow.plugins import hookimpl
from formflow.process.tables import tasks


class TaskHolders:
    """Contributes the task holders' condition to the ``own`` and ``department`` scopes."""

    @hookimpl
    def record_read_scope(self, user, entity, table):
        return table.c.id.in_(
            sa.select(tasks.c.record_id).where(tasks.c.entity == entity.qualified_name,
                                               tasks.c.assignee_id == user.id)
        )
