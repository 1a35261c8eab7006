"""SLA timers: what ``formflow tick`` runs.

- A reminder: an open task whose ``remind_at`` has passed gets a "reminder"
  notification to its assignee, once (``reminded_at``).
- A breach: when an open task's ``due_at`` has passed, the state's ``on_breach`` applies
  once (``breached_at``): ``{"assign": rules}`` adds tasks for those people to the same
  stage (origin "escalation"); ``{"action": A}`` decides as the system: the event
  "timeout" is logged, then transition A moves the record (no actor) — except that in a
  countersign or a sequential step, A being the step's passing action approves the
  late tasks only, each as a vote or a turn (the next turn opens with a clock of its
  own, 逐级 timeouts); ``{"notify":
  rules}`` sends "breach" notifications.  Without ``on_breach`` the breach is only
  logged.  Every breach is an event ("timeout" for an auto-action, else "breach").

Exactly once, from any number of processes at once: each record is handled in a write
transaction of its own that first locks the record's row and then its due tasks with
``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL; a record someone else holds is left
for the next tick), and sets the marker column in that same transaction.  SQLite's
``BEGIN IMMEDIATE`` serializes writers, which gives the same guarantee.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import sqlalchemy as sa

from formflow.auth import SYSTEM, usernames_by_id
from formflow.errors import ServiceError
from formflow.fields.columns import utcnow
from formflow.metadata.model import Assignee, assignee_rules
from formflow.process import branches
from formflow.process.engine import Case, ProcessEngine
from formflow.process.tables import tasks

logger = logging.getLogger(__name__)

BATCH = 500
#: Who gets escalated or notified when ``on_breach`` rules resolve to nobody.
ADMINS = (Assignee("role", "admin"),)


@dataclass
class TickReport:
    reminders: int = 0
    breaches: int = 0  # tasks found overdue
    escalations: int = 0  # tasks added by on_breach assign
    auto_actions: int = 0  # transitions fired by on_breach action
    breach_notices: int = 0  # notifications sent by on_breach notify
    failed: int = 0  # records whose timers failed (logged; retried next tick)
    busy: int = 0  # records another process held (left for the next tick)
    emails: int = 0  # mails sent that had failed before

    def __iadd__(self, other: TickReport) -> TickReport:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def summary(self) -> list[str]:
        lines = [
            f"Reminders sent: {self.reminders}",
            f"Deadlines breached: {self.breaches} (escalation tasks: {self.escalations}, "
            f"auto-actions: {self.auto_actions}, breach notices: {self.breach_notices})",
        ]
        if self.emails:
            lines.append(f"E-mails sent again: {self.emails}")
        if self.busy:
            lines.append(f"Records busy, left for the next tick: {self.busy}")
        if self.failed:
            lines.append(f"Records that failed (see the log): {self.failed}")
        return lines


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(tasks.c.remind_at <= now, tasks.c.reminded_at.is_(None)),
        sa.and_(tasks.c.due_at <= now, tasks.c.breached_at.is_(None)),
    )


class SlaTimers:
    def __init__(self, db, engine: ProcessEngine, mailer=None):
        self.db = db
        self.engine = engine
        self.mailer = mailer

    def tick(self, now: datetime | None = None) -> TickReport:
        """Run every reminder and breach due at ``now`` (default: the current time)."""
        now = _aware(now or utcnow())
        report = TickReport()
        known = list(self.engine.schema.entities)
        seen: set[tuple[str, int]] = set()
        cache: dict = {}  # what holds for the whole tick: role holders, user names
        last = 0
        while known:
            with self.db.read() as conn:
                rows = conn.execute(
                    sa.select(tasks.c.id, tasks.c.entity, tasks.c.record_id)
                    .where(tasks.c.status == "open", tasks.c.kind == "approve",
                           tasks.c.entity.in_(known), tasks.c.id > last, _due(now))
                    .order_by(tasks.c.id).limit(BATCH)
                ).all()
            if not rows:
                break
            last = rows[-1].id
            for row in rows:
                key = (row.entity, row.record_id)
                if key in seen:
                    continue
                seen.add(key)
                try:
                    report += self.run_record(row.entity, row.record_id, now, cache)
                except Exception:
                    logger.exception("SLA timers of %s %s failed", row.entity, row.record_id)
                    report.failed += 1
        if self.mailer is not None:
            report.emails = self.mailer.deliver_pending()
        return report

    def run_record(self, qualified: str, record_id: int, now: datetime,
                   cache: dict | None = None) -> TickReport:
        """The due timers of one record, in one transaction.  ``cache`` keeps role
        holders and user names from one record to the next within a tick."""
        cache = {} if cache is None else cache
        report = TickReport()
        engine = self.engine
        tables = engine.schema[qualified]
        main = tables.main
        with self.db.write() as conn:
            held = conn.execute(sa.select(main.c.id).where(main.c.id == record_id)
                                .with_for_update(skip_locked=True)).first()
            if held is None:
                report.busy += 1
                return report
            due = conn.execute(
                sa.select(tasks).where(
                    tasks.c.entity == qualified, tasks.c.record_id == record_id,
                    tasks.c.status == "open", tasks.c.kind == "approve", _due(now),
                ).order_by(tasks.c.id).with_for_update(skip_locked=True)
            ).all()
            if not due:
                return report
            breaching = [t for t in due if _passed(t.due_at, now) and t.breached_at is None]
            reminding = [t for t in due if _passed(t.remind_at, now) and t.reminded_at is None]
            _mark(conn, reminding, breaching, now)
            report.breaches += len(breaching)
            record = engine.records.load(conn, qualified, record_id)
            if record is None or engine.model.process_for(tables.entity) is None:
                return report  # deleted meanwhile, or its process was removed
            case = engine.case(conn, tables.entity, record)
            overdue = {t.id for t in breaching}
            for task in reminding:
                if task.id not in overdue:  # the breach supersedes the reminder
                    engine.notify(case, task.assignee_id, "reminder", task.id)
                    report.reminders += 1
            for step in branches.active_states(case):  # several in a parallel state
                case = branches.case_at(engine.case(conn, tables.entity, record), step)
                visit = engine.visit(case)
                current = [t for t in breaching if t.visit == visit and t.state == case.at]
                if current:
                    self._breach(case, current, now, report, cache)
                    record = engine.records.load(conn, qualified, record_id)
        return report

    # -- on_breach ------------------------------------------------------------------------

    def _breach(self, case: Case, late: list[sa.Row], now: datetime, report: TickReport,
                cache: dict) -> None:
        engine = self.engine
        state = case.state
        rule: Mapping = (state.sla.on_breach or {}) if state is not None and state.sla else {}
        first = late[0]
        data = {"tasks": [t.id for t in late]}
        if "action" in rule:
            self._auto_action(case, late, rule["action"], data, report)
        elif "assign" in rule:
            people, flagged = self._people(case, rule["assign"], cache)
            pending = {t.assignee_id for t in engine.visit_tasks(case, first.visit)
                       if t.status in ("open", "waiting")}
            if not case.process.allows_self_approval(state):
                pending |= engine.requesters(case)
            added = [p for p in people if p not in pending]
            position = min(t.position for t in late)
            engine.add_tasks(case, state, first.visit, [(u, position, "open") for u in added],
                             now, flagged=flagged, origin="escalation")
            report.escalations += len(added)
            self._log_breach(case, first, data | {"on_breach": "assign",
                                                  "users": self._names(case, added, cache)})
        elif "notify" in rule:
            people, _ = self._people(case, rule["notify"], cache)
            engine.notify_all(case, people, "breach", first.id)
            report.breach_notices += len(people)
            self._log_breach(case, first, data | {"on_breach": "notify",
                                                  "users": self._names(case, people, cache)})
        else:
            self._log_breach(case, first, data)

    def _auto_action(self, case: Case, late, action: str, data: dict,
                     report: TickReport) -> None:
        """Decide ``action`` as the system; when the move is refused (no branch applies,
        a required field is empty, a plugin vetoes), log the breach with the reason."""
        engine = self.engine
        state_name = case.at
        state = case.state
        by_turn = (state.approval.mode != "any"
                   and action == engine.pass_action(case.process, state))
        try:
            with case.conn.begin_nested():
                if by_turn:
                    self._approve_late(case, late, action, data)
                else:
                    now = utcnow()
                    for task in late:
                        engine.close_task(case, task, "cancelled", "timeout", None, now)
                    engine.log(case, None, "timeout", state_name, None, task_id=late[0].id,
                               data=data | {"action": action})
                    engine.fire(case, SYSTEM, action, None, {}, task_id=late[0].id)
            report.auto_actions += 1
        except Exception as error:  # the savepoint rolled the attempt back
            reason = error.message.render("en") if isinstance(error, ServiceError) else repr(error)
            logger.warning("on_breach action %r on %s %s refused: %s", action,
                           case.entity.qualified_name, case.record["id"], reason)
            self._log_breach(case, late[0], data | {"on_breach": "action", "action": action,
                                                    "error": reason})

    def _approve_late(self, case: Case, late, action: str, data: dict) -> None:
        """Approve each late task of a countersign or sequential step as the system: a
        vote, or a turn that opens the next one; the step moves once its last stage
        passes."""
        engine = self.engine
        state_name = case.at
        engine.log(case, None, "timeout", state_name, None, task_id=late[0].id,
                   data=data | {"action": action, "tasks_approved": [t.id for t in late]})
        for task in late:
            current = engine.visit_tasks(case)
            row = next((t for t in current if t.id == task.id and t.status == "open"), None)
            if row is None or case.at != state_name:
                return  # an earlier late task's approval moved the record on
            engine.decide(case, SYSTEM, row, action, None, {}, current)

    def _people(self, case: Case, rules: Iterable[Mapping[str, str]],
                cache: dict) -> tuple[list[int], bool]:
        """The active users the rules name; the admins (flagged) when nobody.  Rules
        naming roles only do not depend on the record: they are resolved once a tick."""
        assignees = assignee_rules(rules)
        key = ("people", assignees)
        if key in cache:
            return cache[key]
        resolver = self.engine.resolver(case)
        people = resolver.users(assignees, case.entity, case.record)
        found = (people, False) if people else (
            resolver.users(ADMINS, case.entity, case.record), True)
        if all(a.kind == "role" and not a.when for a in assignees):
            cache[key] = found
        return found

    def _names(self, case: Case, user_ids: list[int], cache: dict) -> list[str]:
        names = cache.setdefault("names", {})
        missing = [u for u in user_ids if u not in names]
        if missing:
            names.update(usernames_by_id(case.conn, missing))
        return [names[u] for u in user_ids if u in names]

    def _log_breach(self, case: Case, task: sa.Row, data: dict) -> None:
        self.engine.log(case, None, "breach", case.at, None, task_id=task.id,
                        data=data)


def _mark(conn, reminding: list[sa.Row], breaching: list[sa.Row], now: datetime) -> None:
    """Stamp ``reminded_at`` and ``breached_at``: one UPDATE per set of markers (a task
    past both its reminder and its deadline gets both in the same statement)."""
    markers: dict[int, set[str]] = {}
    for column, rows in (("reminded_at", reminding), ("breached_at", breaching)):
        for row in rows:
            markers.setdefault(row.id, set()).add(column)
    groups: dict[frozenset[str], list[int]] = {}
    for task_id, columns in markers.items():
        groups.setdefault(frozenset(columns), []).append(task_id)
    for columns, ids in groups.items():
        conn.execute(tasks.update().where(tasks.c.id.in_(ids)).values(dict.fromkeys(columns, now)))


def _passed(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
