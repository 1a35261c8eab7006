"""The process engine: records move through states, tasks follow them.

Each entry into a state is a *visit*, numbered by the id of the event that entered it.
A visit's approval tasks are ordered in *stages* (``position``): only the lowest stage
still pending is open.  A stage passes on the first "pass" decision (``any``), when
every assignee — or the quorum — has chosen the approval action (``all``), and
``sequential`` puts each assignee in a stage of their own.  When the last stage passes,
the state's approval transition fires; any other decision fires at once.

The engine is a built-in plugin: the records service calls its hooks to start a
record's process and to ask which fields may change in the current state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from math import ceil
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import SYSTEM, User, usernames_by_id
from formflow.errors import Conflict
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.metadata.model import PREVIOUS, Entity, Model, Process, State, Transition
from formflow.plugins import hookimpl
from formflow.process import branches, plugin_hooks, watch
from formflow.process.assignees import Resolver
from formflow.process.auto_decisions import open_step
from formflow.process.calendar.deadlines import deadline
from formflow.process.case import Case
from formflow.process.delegation import delegate, remember
from formflow.process.notifications.service import store_later, together
from formflow.process.outcomes import outcome, tell_requester
from formflow.process.previous import previous_state
from formflow.process.registry import ProcessRegistry
from formflow.process.requesters import is_requester, requester_ids
from formflow.process.tables import events, tasks
from formflow.process.task_rows import close_rows
from formflow.process.task_rows import decided as _decided
from formflow.process.task_rows import insert_tasks as _insert_tasks
from formflow.records.evaluation import evaluate, holds
from formflow.records.internal import InternalRecords

#: The event that entered a record's current state on the main line (id, at); executed
#: with ``p_entity`` and ``p_record``.
ENTRY = sa.select(events.c.id, events.c.at).where(
    events.c.entity == sa.bindparam("p_entity"), events.c.record_id == sa.bindparam("p_record"),
    events.c.to_state.is_not(None), events.c.branch.is_(None),
).order_by(events.c.id.desc()).limit(1)

_RECORD_TASKS = (tasks.c.entity == sa.bindparam("p_entity"),
                 tasks.c.record_id == sa.bindparam("p_record"), tasks.c.kind == "approve")
#: The approval tasks of visit ``p_visit``; of a parallel state's visit and its branches'.
_VISIT_TASKS = sa.select(tasks).where(*_RECORD_TASKS, tasks.c.visit == sa.bindparam(
    "p_visit")).order_by(tasks.c.position, tasks.c.id)
_FORK_TASKS = sa.select(tasks).where(*_RECORD_TASKS, tasks.c.visit >= sa.bindparam(
    "p_visit")).order_by(tasks.c.position, tasks.c.id)
_LOG = sa.insert(events).returning(events.c.id)


def _may_hold_tasks(state: State | None) -> bool:
    """Whether a visit of ``state`` may have approval tasks: only a state with assignees
    opens them (handed on, added to or reassigned, they stay in its visit)."""
    return state is None or bool(state.assignees) or state.parallel is not None


class ProcessEngine:
    #: Called as ``on_notify(conn, notification_id)`` for each notification stored (the
    #: mailer sends it once the transaction commits).
    on_notify = None
    #: ``on_event(engine, case, event_row)`` after each event is stored, in its transaction.
    on_event = None

    def __init__(self, model: Model, registry: ProcessRegistry, records: InternalRecords, *,
                 schema, field_types, plugins, timezone: tzinfo | None = None):
        self.model, self.registry, self.schema = model, registry, schema
        #: Records in the internal form: the engine decides who may act.
        self.records = records
        self.field_types, self.plugins, self.timezone = field_types, plugins, timezone

    # -- hooks ------------------------------------------------------------------------

    @hookimpl
    def record_before_save(self, conn, entity, record, current):
        """A new record enters its process's start state at the newest version."""
        process = self.model.process_for(entity)
        if current is None and process is not None:
            version = self.registry.latest_version(conn, process.qualified_name)
            if version is None:
                raise Conflict(Message("process_not_published", {"process": process.label}))
            record["_state"] = self.registry.get(conn, process.qualified_name, version).start
            record["_process_version"] = version

    @hookimpl
    def record_after_save(self, conn, user, entity, record, current):
        watch.saved(conn, entity.qualified_name, record["id"], record.get("_version"))
        if current is None and record.get("_state"):
            case = self.case(conn, entity, record)
            event_id = self.log(case, user, "start", None, case.process.start)
            self.enter(case, user, case.process.start, event_id)

    @hookimpl
    def record_before_delete(self, conn, entity, record):
        """A deleted record's open tasks are cancelled: they leave every inbox."""
        watch.saved(conn, entity.qualified_name, record["id"], None)
        if record.get("_state") and self.model.process_for(entity) is not None:
            where = (tasks.c.entity == entity.qualified_name, tasks.c.record_id == record["id"])
            opened = conn.execute(sa.select(tasks.c.id).where(
                *where, tasks.c.status == "open")).scalars().all()
            conn.execute(tasks.update().where(
                *where, tasks.c.status.in_(("open", "waiting")),
            ).values(status="cancelled", closed_at=utcnow()))
            case = self.case(conn, entity, record) if opened else None
            for task_id in opened:
                plugin_hooks.task_event(self, case, "task_closed", task_id)

    @hookimpl
    def record_writable_fields(self, conn, user, entity, record):
        """In a process, a state's ``editable`` fields may change, by its actors: the
        holders of its open tasks, or in a state without assignees those a transition's
        ``by`` names.  A final state locks the record."""
        if not record.get("_state") or self.model.process_for(entity) is None:
            return None
        case = branches.case_for(self, self.case(conn, entity, record), user)
        state = case.state
        if state is None or state.final:
            return set()
        if state.assignees and not self.open_tasks(case, user):
            return set()
        if not state.assignees and not any(
            t.by is not None and self.may_fire(case, user, t)
            for t in case.process.transitions if state.name in t.sources
        ):
            return set()
        return set(state.editable)

    @hookimpl
    def record_edit_refusal(self, conn, user, entity, record):
        """Why a record in its process cannot be edited: finished, or in approval (the
        requester may withdraw it first, when nobody has acted yet)."""
        if self.record_writable_fields(conn, user, entity, record) != set():
            return None  # not locked by the process
        case = self.case(conn, entity, record)
        state = case.state
        if state is None or state.final:
            return Message("edit_finished")
        may_withdraw = (case.process.withdraw and record.get("_created_by") == user.username
                        and state.name != case.process.start and not self.acted(case))
        return Message("edit_in_approval_withdraw" if may_withdraw else "edit_in_approval")

    # -- lookups ----------------------------------------------------------------------

    def case(self, conn: Connection, entity: Entity, record: dict) -> Case:
        process = self.model.process_for(entity)
        version = record.get("_process_version") or 1
        return Case(conn, entity, record, self.registry.get(conn, process.qualified_name, version))

    def entry(self, case: Case) -> tuple[int, datetime] | None:
        """The event that entered the current state (a branch case's step): ``(id, at)``.
        Read once per operation; ``log`` keeps it current when the record moves."""
        if case.entered is None:
            row = case.conn.execute(ENTRY, {"p_entity": case.entity.qualified_name,
                                            "p_record": case.record["id"]}).first()
            case.entered = tuple(row) if row is not None else None
        return case.entered

    def visit(self, case: Case) -> int | None:
        """The id of the event that entered the current state."""
        entry = self.entry(case)
        return entry[0] if entry is not None else None

    def visit_tasks(self, case: Case, visit: int | None = None) -> list[sa.Row]:
        """The approval tasks of a visit (the current one by default); of a parallel
        state's visit, every task of its branches."""
        visit = visit if visit is not None else self.visit(case)
        whole_fork = case.branch is None and branches.forked(case)
        return case.conn.execute(_FORK_TASKS if whole_fork else _VISIT_TASKS, {
            "p_entity": case.entity.qualified_name, "p_record": case.record["id"],
            "p_visit": visit}).all()

    def open_tasks(self, case: Case, user: User,
                   visit_tasks: list[sa.Row] | None = None) -> list[sa.Row]:
        """The user's open tasks of the current visit (among ``visit_tasks`` when given)."""
        rows = self.visit_tasks(case) if visit_tasks is None else visit_tasks
        return [t for t in rows if t.status == "open" and t.assignee_id == user.id]

    def may_fire(self, case: Case, user: User, transition: Transition) -> bool:
        """Whether ``user`` is one a transition's ``by`` names (not for ``by`` None: the
        state's assignees decide through their tasks)."""
        if transition.by == "creator":
            return case.record.get("_created_by") == user.username
        return user.id in self.resolver(case).users(transition.by, case.entity, case.record)

    def resolver(self, case: Case) -> Resolver:
        """Resolves assignee rules on ``case``; a rule's ``when`` holds for a record."""
        context = self.records.context(SYSTEM)
        case.people.on_day(utcnow().astimezone(self.timezone).date())
        return Resolver(case.conn, self.model, self.records.follower(case.conn),
                        lambda text, record: holds(
                            text, self.records.scope(case.conn, case.entity, record), context),
                        people=case.people)

    def requesters(self, case: Case) -> set[int]:
        """The record's requesters (see :mod:`formflow.process.requesters`)."""
        return requester_ids(self.resolver(case), case)

    def may_approve_own(self, case: Case, user: User) -> bool:
        """Whether ``user`` may take a step's passing decision: anyone when the step
        allows self-approval, else anyone but the record's requesters."""
        return (case.process.allows_self_approval(case.state)
                or not is_requester(self.resolver(case), case, user))

    def acted(self, case: Case) -> bool:
        """Whether an assignee of the current state has acted: decided (a vote, a turn of
        a sequence), handed the task on or added approvers."""
        return any((t.decision is not None and t.origin != "auto") or t.origin == "add_approver"
                   for t in self.visit_tasks(case))

    def pass_action(self, process: Process, state: State) -> str | None:
        """The decision that passes a stage: the approval's action, else the first
        transition leaving the state."""
        if state.approval.action:
            return state.approval.action
        return next((t.name for t in process.transitions if state.name in t.sources), None)

    # -- entering a state -------------------------------------------------------------

    def enter(self, case: Case, actor: User | None, state_name: str, visit: int) -> None:
        state = case.process.state(state_name)
        if state is None or state.final:
            return
        if state.parallel is not None:
            branches.fork(self, case, actor, state, visit)
            return
        resolver = self.resolver(case)
        now = utcnow()
        if state.assignees:
            open_step(self, case, state, visit, now)
        copied = resolver.users(state.cc, case.entity, case.record)
        if copied:
            base = dict(**case.key, process_version=case.record["_process_version"] or 1,
                        state=state.name, visit=visit, kind="cc", status="done", position=0,
                        origin="cc", opened_at=now, closed_at=now)
            ids = _insert_tasks(case.conn, [{**base, "assignee_id": u} for u in copied])
            self.notify_each(case, list(zip(copied, ids, strict=True)), "cc")

    def add_task(self, case: Case, state: State, visit: int, user_id: int, position: int,
                 status: str, now, *, flagged: bool = False, origin: str = "assigned") -> int:
        return self.add_tasks(case, state, visit, [(user_id, position, status)], now,
                              flagged=flagged, origin=origin)[0]

    def add_tasks(self, case: Case, state: State, visit: int,
                  assignments: list[tuple[int, int, str]], now, *, flagged: bool = False,
                  origin: str = "assigned") -> list[int]:
        """Approval tasks for ``assignments`` (user id, position, status), written in one
        statement; the assignees of the open ones are notified.  Returns the task ids."""
        base = dict(**case.key, process_version=case.record["_process_version"] or 1,
                    state=state.name, visit=visit, kind="approve", flagged=flagged,
                    origin=origin, opened_at=now, **self._deadlines(case, state, now))
        assignments, principals = delegate(self, case, state, visit, assignments, now)
        ids = _insert_tasks(case.conn, [
            {**base, "assignee_id": user_id, "position": position, "status": status}
            for user_id, position, status in assignments
        ])
        remember(self, case, ids, assignments, principals)
        opened = [(user_id, task_id) for (user_id, _, status), task_id
                  in zip(assignments, ids, strict=True) if status == "open"]
        self.notify_each(case, opened, "task")
        for _, task_id in opened:
            plugin_hooks.task_event(self, case, "task_opened", task_id)
        return ids

    def _deadlines(self, case: Case, state: State, now) -> dict[str, Any]:
        """A task's ``due_at`` and ``remind_at`` when it opens ``now`` (the SLA clock)."""
        sla, timezone = state.sla, self.timezone
        return {
            "due_at": deadline(case.conn, now, sla.due, timezone) if sla and sla.due else None,
            "remind_at": deadline(case.conn, now, sla.remind, timezone)
            if sla and sla.remind else None,
        }

    def notify(self, case: Case, user_id: int, kind: str, task_id: int | None = None) -> None:
        self.notify_each(case, [(user_id, task_id)], kind)

    def notify_all(self, case: Case, user_ids: list[int], kind: str,
                   task_id: int | None = None) -> None:
        """A notification of ``kind`` for each of ``user_ids``, stored in one statement."""
        self.notify_each(case, [(user_id, task_id) for user_id in user_ids], kind)

    def notify_each(self, case: Case, recipients: list[tuple[int, int | None]],
                    kind: str) -> None:
        """A notification of ``kind`` for each (user id, task id), stored in one statement."""
        store_later(case.conn, recipients, kind, case.key["entity"], case.key["record_id"],
                    self._mail_each(case.conn))

    def _mail_each(self, conn) -> Callable[[list[int]], None] | None:
        """What mails each stored notification (``on_notify``), if anything does."""
        on_notify = self.on_notify
        if on_notify is None:
            return None

        def mail(ids: list[int]) -> None:
            for notification_id in ids:
                on_notify(conn, notification_id)
        return mail

    # -- deciding ---------------------------------------------------------------------

    def decide(self, case: Case, user: User, task: sa.Row, name: str, comment: str | None,
               values: Mapping[str, Any], visit_tasks: list[sa.Row]) -> None:
        """An assignee's decision on an open task of the current visit (``visit_tasks``:
        the visit's tasks as :meth:`visit_tasks` read them in this transaction, the record
        locked since, ``task`` still open among them)."""
        state = case.state
        now = utcnow()
        if name != self.pass_action(case.process, state):
            self.close_task(case, task, "done", name, comment, now)
            self.fire(case, user, name, comment, values, task_id=task.id)
            return
        visit_tasks = [_decided(t, name) if t.id == task.id else t for t in visit_tasks]
        stage = [t for t in visit_tasks if t.position == task.position]
        passed = sum(1 for t in stage if t.status == "done" and t.decision == name)
        voters = sum(1 for t in stage if t.status != "cancelled")
        if not self._stage_passed(state, passed, voters):
            self.close_task(case, task, "done", name, comment, now)
            self._keep(case, user, values)
            self.log(case, user, "vote", state.name, None, comment=comment,
                     task_id=task.id, data={"decision": name})
            return
        self.close_tasks(case, [(task, "done", name, comment), *(
            (other, "cancelled", None, None) for other in stage
            if other.status == "open" and other.id != task.id)], now)
        later = [t for t in visit_tasks if t.status == "waiting"]
        if later:
            self._keep(case, user, values)
            self.log(case, user, name, state.name, None, comment=comment,
                     task_id=task.id)
            next_position = min(t.position for t in later)
            for waiting in later:
                if waiting.position == next_position:
                    self._reopen(case, waiting)
            return
        self.fire(case, user, name, comment, values, task_id=task.id, pending=later)

    def _keep(self, case: Case, user: User, values: Mapping[str, Any]) -> None:
        """Save the values sent with a decision that does not move the record."""
        if values:
            case.record = self.records.change_in(case.conn, user, case.entity, case.record, values)

    def _stage_passed(self, state: State, passed: int, size: int) -> bool:
        approval = state.approval
        if approval.mode != "all":
            return passed >= 1
        needed = size
        if isinstance(approval.quorum, int):
            needed = min(approval.quorum, size)
        elif isinstance(approval.quorum, str) and approval.quorum.endswith("%"):
            needed = max(1, ceil(size * int(approval.quorum[:-1]) / 100))
        return passed >= needed

    def _reopen(self, case: Case, task: sa.Row) -> None:
        """Open a waiting task: its turn has come, so its SLA clock starts now."""
        now = utcnow()
        state = case.process.state(task.state)
        case.conn.execute(tasks.update().where(tasks.c.id == task.id).values(
            status="open", opened_at=now, **self._deadlines(case, state, now)))
        self.notify(case, task.assignee_id, "task", task.id)
        plugin_hooks.task_event(self, case, "task_opened", task.id)

    def close_task(self, case: Case, task: sa.Row, status: str, decision: str | None,
                   comment: str | None, now) -> None:
        self.close_tasks(case, [(task, status, decision, comment)], now)

    def close_tasks(self, case: Case, closing: list[tuple], now) -> None:
        """Close each (task, status, decision, comment) of ``closing``, in one statement."""
        close_rows(case.conn, closing, now)
        for task, *_ in closing:
            if task.status == "open":
                plugin_hooks.task_event(self, case, "task_closed", task.id)

    # -- moving -----------------------------------------------------------------------

    def choose(self, case: Case, name: str, record: Mapping[str, Any], user: User
               ) -> Transition | None:
        """The first transition named ``name`` leaving the current state whose ``when``
        holds for ``record``."""
        scope = self.records.scope(case.conn, case.entity, record)
        context = self.records.context(user)
        for transition in case.process.transitions:
            if (transition.name == name and case.at in transition.sources
                    and (not transition.when or holds(transition.when, scope, context))):
                return transition
        return None

    def fire(self, case: Case, user: User, name: str, comment: str | None,
             values: Mapping[str, Any], *, task_id: int | None = None,
             target: str | None = None, pending: list[sa.Row] | None = None) -> None:
        """Move the record along transition ``name`` (or to ``target`` for built-in
        moves), saving ``values`` and the transition's ``set`` on the way.  The visit's
        open and waiting tasks are cancelled: ``pending`` when the caller knows them.
        In a branch case, a move that keeps the record in its parallel state moves the
        branch only (see :mod:`formflow.process.branches`)."""
        transition = None
        if target is None:
            merged = {**case.record, **values}
            transition = self.choose(case, name, merged, user)
            if transition is None:
                raise Conflict(Message("no_branch", {"action": name}))
            target = previous_state(case) if transition.to == PREVIOUS else transition.to
        changes = dict(values)
        if transition is not None:
            changes.update(self._set_values(case, transition, {**case.record, **values}, user))
        from_state = case.at
        move = branches.within(case, target)
        plugin_hooks.before_transition(self, case, user, name, from_state, target,
                                       {**case.record, **changes}, comment)
        saved = self.records.change_in(
            case.conn, user, case.entity, case.record, changes,
            system={} if move else {"_state": target},
            required=transition.required if transition else (),
        )
        now = utcnow()
        if move is None and branches.forked(case):
            pending = branches.leave(self, case, now)
        elif pending is None and _may_hold_tasks(case.state):
            pending = [t for t in self.visit_tasks(case) if t.status in ("open", "waiting")]
        self.close_tasks(case, [(task, "cancelled", None, None) for task in pending or ()],
                         now)
        back = transition is not None and transition.to == PREVIOUS
        data = {"back": True} if back else branches.event_data(move)
        to_state = move.to if move else target
        with together(case.conn):  # the rating asked for and the outcome told
            event_id = self.log(case, user, name, from_state, to_state, comment=comment,
                                task_id=task_id, data=data)
            case.record = saved
            news = None if move else outcome(case.process, name, target, data)
            if news is not None:
                tell_requester(self, case, user, news)
        if move is not None:
            branches.moved(self, case, user, move, event_id)
        else:
            self.enter(case, user, target, event_id)
        plugin_hooks.after_transition(self, case, user, name, from_state, to_state, comment,
                                      event_id)

    def _set_values(self, case: Case, transition: Transition, record, user: User) -> dict:
        scope = self.records.scope(case.conn, case.entity, record)
        context = self.records.context(user)
        result = {}
        for name, expression in transition.set.items():
            field = case.entity.field(name)
            value = evaluate(expression, scope, context)
            field_type = self.field_types[field.type]
            result[name] = None if value is None else field_type.from_computed(field, value)
        return result

    # -- the log ----------------------------------------------------------------------

    def log_reassign(self, case: Case, actor: User | None, reason: str, from_ids: list[int],
                     to_ids: list[int], *, task_id: int | None = None,
                     comment: str | None = None) -> int:
        """Log that work went to ``to_ids`` instead of ``from_ids``; ``reason``:
        ``self_approval`` (requesters skipped), ``inactive`` (deactivated) or ``admin``."""
        names = usernames_by_id(case.conn, [*from_ids, *to_ids])
        return self.log(case, actor, "reassign", None, None, task_id=task_id, comment=comment,
                        data={"reason": reason, "from": [names[u] for u in from_ids if u in names],
                              "to": [names[u] for u in to_ids if u in names]})

    def log(self, case: Case, user: User | None, action: str, from_state: str | None,
            to_state: str | None, *, comment: str | None = None, task_id: int | None = None,
            data: dict | None = None) -> int:
        now = utcnow()
        seconds = None
        if from_state is not None and to_state is not None:
            entry = self.entry(case)
            seconds = (now - entry[1]).total_seconds() if entry else None
        row = dict(
            **case.key, process_version=case.record.get("_process_version") or 1, action=action,
            from_state=from_state, to_state=to_state, actor_id=user.id if user else None,
            branch=case.branch.name if case.branch else None,
            task_id=task_id, comment=comment, data=data, at=now, seconds_in_state=seconds,
        )
        event_id = case.conn.execute(_LOG, row).scalar_one()
        if task_id is not None and user is not None:
            watch.task_event(case.conn)
        if self.on_event is not None:
            self.on_event(self, case, {"id": event_id, **row})
        if to_state is not None:
            case.entered = (event_id, now)
        return event_id
