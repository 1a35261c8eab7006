"""Acting on an overdue task from the monitoring page: a reminder to its holder.

Whoever may watch the process and see the case (admins, the process's managers, the
head of the requester's department) may remind the holder of an open approval task: the
holder gets an "overdue" notification (and e-mail), the record's history a ``remind``
event.  Reminders of one case share the requester's limit of one an hour.  Handing the
task to someone else is the admins' reassign (:meth:`ProcessService.reassign`).
"""

from __future__ import annotations

import sqlalchemy as sa

from formflow.auth import User
from formflow.errors import Conflict, Forbidden, NotFound, TooManyRequests
from formflow.fields.columns import utcnow
from formflow.i18n import Message, wait_span
from formflow.insights.service import InsightsService
from formflow.process.builtins import REMIND_INTERVAL
from formflow.process.tables import events, tasks


class OverdueActions:
    def __init__(self, db, insights: InsightsService, process_service):
        self.db = db
        self.insights = insights
        self.model = insights.model
        self.records = process_service.internal
        self.engine = process_service.engine

    def remind(self, user: User, task_id: int, comment: str | None = None) -> dict:
        """Remind the holder of the open approval task ``task_id``; what was reminded."""
        with self.db.write() as conn:
            task = conn.execute(sa.select(tasks).where(tasks.c.id == task_id)).first()
            entity = self.model.entity(task.entity) if task is not None else None
            process = self.model.process_for(entity) if entity is not None else None
            if process is None or task.kind != "approve":
                raise NotFound(Message("not_found"))
            record = self.records.load(conn, task.entity, task.record_id, lock=True)
            if record is None:
                raise NotFound(Message("not_found"))
            self._require_watcher(conn, user, process, entity, record)
            if task.status != "open" or task.state != record["_state"]:
                raise Conflict(Message("state_moved"))
            self._require_quiet(conn, task)
            case = self.engine.case(conn, entity, record)
            self.engine.notify(case, task.assignee_id, "breach", task.id)
            self.engine.log(case, user, "remind", None, None, task_id=task.id,
                            comment=(comment or "").strip()[:1000] or None)
        return {"task_id": task.id, "record_id": task.record_id, "state": task.state}

    def _require_watcher(self, conn, user: User, process, entity, record) -> None:
        creators = self.insights.visible_creators(conn, user, process)
        if creators is None:
            return
        main = self.insights.schema[entity.qualified_name].main
        creator = conn.scalar(sa.select(main.c._created_by).where(main.c.id == record["id"]))
        if creator not in creators:
            raise Forbidden(Message("insights_forbidden"))

    @staticmethod
    def _require_quiet(conn, task) -> None:
        last = conn.scalar(sa.select(sa.func.max(events.c.at)).where(
            events.c.entity == task.entity, events.c.record_id == task.record_id,
            events.c.action == "remind"))
        if last is not None and utcnow() - last < REMIND_INTERVAL:
            wait = int((REMIND_INTERVAL - (utcnow() - last)).total_seconds())
            raise TooManyRequests(Message("too_many_attempts", {"wait": wait_span(wait)}))
