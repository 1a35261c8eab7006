"""The process service: what a user may do with a record now, and doing it (the task
lists come from :class:`~formflow.process.task_lists.TaskLists`).

Pages and the REST API call these; each action is one write transaction that first
locks the record's row, so two people acting on the same step at once are serialized:
one moves the record, the other is told the step moved meanwhile (409).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from formflow.auth import User, usernames_by_id
from formflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from formflow.i18n import Message
from formflow.metadata.model import Entity, Transition
from formflow.process import branches
from formflow.process.action_start import action_start
from formflow.process.builtins import BUILTINS, removable
from formflow.process.delegation import name_principals, principals_of
from formflow.process.engine import Case, ProcessEngine
from formflow.process.preview import Step, approval_chain
from formflow.process.reassign import reassign_task, reassign_tasks_of
from formflow.process.tables import events, tasks
from formflow.process.task_lists import TaskLists, iso, task_json
from formflow.process.watch import Watch, watching
from formflow.records.payload import parse_payload

if TYPE_CHECKING:
    from formflow.fields import Registry
    from formflow.metadata.model import Model
    from formflow.records.internal import InternalRecords
    from formflow.records.service import RecordService
    from formflow.storage.database import Database
    from formflow.storage.tables import Schema

MAX_COMMENT = 2000
#: How many files one action's comment may carry.
MAX_ATTACHMENTS = 5


class ProcessService(TaskLists):
    def __init__(self, db: Database, model: Model, schema: Schema, field_types: Registry,
                 records: RecordService, internal: InternalRecords, engine: ProcessEngine):
        self.db = db
        self.model = model
        self.schema = schema
        self.field_types = field_types
        #: Who may read the record is asked here ...
        self.records = records
        #: ... and it is loaded and changed in the internal form here.
        self.internal = internal
        self.engine = engine
        #: The query of a record's ``_version``, per entity (built once).
        self._versions: dict[str, sa.Select] = {}

    # -- reading ----------------------------------------------------------------------

    def actions(self, user: User, entity_name: str, record_id: int) -> list[dict[str, Any]]:
        """The actions ``user`` may take on the record now, transitions first."""
        entity = self._process_entity(entity_name)
        with self.db.read() as conn:
            record = self.records.readable_record(conn, user, entity, record_id)
            case = branches.case_for(self.engine, self.engine.case(conn, entity, record), user)
            found = self._transition_actions(case, user)
            found += [
                {"name": b.name, "kind": "builtin", "comment": b.comment, "required": [],
                 "fields": []}
                for b in BUILTINS.values() if b.offered(self.engine, case, user)
            ]
            for action in found:
                if action["name"] == "remove_approver":  # whom it may take back
                    pending = removable(self.engine, case, user)
                    names = usernames_by_id(conn, [t.assignee_id for t in pending])
                    action["choices"] = [names[t.assignee_id] for t in pending
                                         if t.assignee_id in names]
        return found

    def history(self, user: User, entity_name: str, record_id: int) -> list[dict[str, Any]]:
        """Field changes and process events of the record, oldest first."""
        entity = self.records.entity(entity_name)
        changes = self.records.history(user, entity_name, record_id)
        with self.db.read() as conn:
            rows = conn.execute(sa.select(events).where(
                events.c.entity == entity.qualified_name, events.c.record_id == record_id,
            ).order_by(events.c.id)).all()
            names = usernames_by_id(conn, {r.actor_id for r in rows})
        process_events = [
            {"kind": "event", "action": r.action, "from": r.from_state, "to": r.to_state,
             "branch": r.branch, "actor": names.get(r.actor_id), "comment": r.comment,
             "data": r.data, "at": iso(r.at), "seconds_in_state": r.seconds_in_state,
             "process_version": r.process_version}
            for r in rows
        ]
        # By time, not by text: isoformat() leaves out a zero microsecond part.
        return sorted(changes + process_events, key=lambda e: datetime.fromisoformat(e["at"]))

    def progress(self, user: User, entity_name: str, record_id: int) -> dict[str, Any]:
        """Where the record stands: its process (the version it runs on), the current
        state, when it entered it, every active step (``states``: the running branches'
        in a parallel state), and the tasks of that visit still pending."""
        entity = self._process_entity(entity_name)
        with self.db.read() as conn:
            record = self.records.readable_record(conn, user, entity, record_id)
            case = self.engine.case(conn, entity, record)
            visit = self.engine.visit(case)
            entered = pending = None
            if visit is not None:
                entered = conn.execute(sa.select(events.c.at).where(events.c.id == visit)).scalar()
                pending = [t for t in self.engine.visit_tasks(case, visit)
                           if t.status in ("open", "waiting")]
            pending = pending or []
            names = usernames_by_id(conn, {t.assignee_id for t in pending})
            states = branches.active_states(case)
            principals = principals_of(conn, [t.id for t in pending])
        return {
            "process": case.process, "state": record["_state"], "entered_at": iso(entered),
            "states": states,
            "tasks": [
                {"id": t.id, "assignee": names.get(t.assignee_id), "status": t.status,
                 "state": t.state,
                 "position": t.position, "opened_at": iso(t.opened_at),
                 "due_at": iso(t.due_at), "flagged": t.flagged,
                 "on_behalf_of": principals.get(t.id)}
                for t in pending
            ],
        }

    def chain(self, user: User, entity_name: str, record_id: int, action: str) -> list[Step]:
        """The steps ahead if ``user`` took transition ``action`` now, with the people
        each would go to (see :mod:`formflow.process.preview`); empty for an action that
        is no transition of the current state."""
        entity = self._process_entity(entity_name)
        with self.db.read() as conn:
            record = self.records.readable_record(conn, user, entity, record_id)
            case = branches.case_for(self.engine, self.engine.case(conn, entity, record), user)
            return approval_chain(self.engine, case, user, action)

    # -- acting -----------------------------------------------------------------------

    def act(self, user: User, entity_name: str, record_id: int, name: str,
            payload: Any, *, attachments: Sequence[str] = ()) -> dict[str, Any]:
        """Take action ``name``; ``payload`` is ``{"comment", "values", "state"}``.
        ``attachments``: keys of stored files (see :mod:`formflow.web.records.files`) that go
        with the comment, kept on the action's event for readers of the record."""
        entity = self._process_entity(entity_name)
        comment, raw_values, expected_state = _parse_body(payload)
        if len(attachments) > MAX_ATTACHMENTS:
            raise ValidationFailed({"attachments": [
                Message("too_many_attachments", {"max": MAX_ATTACHMENTS})]})
        with self.db.write() as conn, watching(conn) as watch:
            record = self.records.readable_record(conn, user, entity, record_id, lock=True)
            step = expected_state if expected_state != record["_state"] else None
            case = branches.case_for(self.engine, self.engine.case(conn, entity, record), user,
                                     step)
            if expected_state is not None and expected_state not in (record["_state"], case.at):
                raise Conflict(Message("state_moved"))
            start = action_start(conn, entity.qualified_name, record)
            before = start.last_event
            if case.entered is None:
                case.entered = start.entered
            if record.get("_created_by"):
                case.people.know(record["_created_by"], start.creator_id)
            builtin = BUILTINS.get(name)
            if builtin is not None:
                builtin.run(self.engine, case, user, comment, raw_values)
            else:
                self._transition(case, user, name, comment, raw_values,
                                 start.visit_tasks if case.entered == start.entered
                                 and case.branch is None and not branches.forked(case)
                                 else None)
            if attachments:
                _attach(conn, entity, record_id, user, before, list(attachments))
            if watch.task_events and (start.delegated or watch.delegated):
                name_principals(conn, entity.qualified_name, record_id, before)
            saved = self._as_stored(conn, entity, case.record, watch)
            states = branches.active_states(self.engine.case(conn, entity, saved))
            return {**self.records.to_json(user, entity, saved, conn), "_states": states}

    def _as_stored(self, conn, entity: Entity, record: dict[str, Any], watch: Watch
                   ) -> dict[str, Any]:
        """The record an action leaves behind: ``record`` as the engine last saved it,
        unless its row moved on since (a join saved through another case, a plugin's
        save): then read again, unless the action's last save left it at its version."""
        if watch.holds(entity.qualified_name, record):
            return record
        query = self._versions.get(entity.qualified_name)
        if query is None:
            main = self.schema[entity.qualified_name].main
            query = self._versions[entity.qualified_name] = sa.select(main.c._version).where(
                main.c.id == sa.bindparam("p_id"), main.c._deleted_at.is_(None))
        version = conn.execute(query, {"p_id": record["id"]}).scalar()
        if version is not None and version == record.get("_version"):
            return record
        return self.internal.load(conn, entity.qualified_name, record["id"])

    def add_states(self, entity_name: str, items: list[dict[str, Any]]) -> None:
        """Give each record of an entity with a process (as the API shows it) its
        ``_states``: every active step, the running branches' in a parallel state."""
        entity = self.records.entity(entity_name)
        process = self.model.process_for(entity)
        if process is None:
            return
        forked = [item for item in items if (state := process.state(item.get("_state") or ""))
                  is not None and state.parallel is not None]
        for item in items:
            item["_states"] = [item["_state"]] if item.get("_state") else []
        if forked:
            with self.db.read() as conn:
                for item in forked:
                    record = self.internal.load(conn, entity.qualified_name, item["id"])
                    item["_states"] = branches.active_states(
                        self.engine.case(conn, entity, record))

    def attachment(self, user: User, entity_name: str, record_id: int, key: str) -> bool:
        """Whether ``key`` is a file attached to an action on a record ``user`` may read
        (NotFound for a record they may not read)."""
        entity = self.records.entity(entity_name)
        with self.db.read() as conn:
            self.records.readable_record(conn, user, entity, record_id)
            rows = conn.execute(sa.select(events.c.data).where(
                events.c.entity == entity.qualified_name, events.c.record_id == record_id,
                events.c.data.is_not(None))).scalars()
            return any(key in ((data or {}).get("files") or []) for data in rows)

    def reassign(self, user: User, task_id: int, payload: Any) -> dict[str, Any]:
        """An admin hands an open or waiting task to another user: ``payload`` is
        ``{"user": NAME, "comment": ...}``; the new task."""
        if not user.is_admin:
            raise Forbidden(Message("forbidden"))
        if not isinstance(payload, Mapping):
            raise ValidationFailed({"": [Message("invalid_row")]})
        unknown = set(payload) - {"user", "comment"}
        if unknown:
            raise ValidationFailed({name: [Message("unknown_field")] for name in sorted(unknown)})
        comment, _, _ = _parse_body({"comment": payload.get("comment")})
        with self.db.write() as conn:
            new_id = reassign_task(self.engine, conn, user, task_id, payload.get("user"),
                                   (comment or "").strip() or None)
            row = conn.execute(sa.select(tasks).where(tasks.c.id == new_id)).one()
            title = self._titles(conn, [row]).get((row.entity, row.record_id))
            name = usernames_by_id(conn, [row.assignee_id]).get(row.assignee_id)
        return task_json(row, name, title)

    def user_deactivated(self, conn, actor: User | None, user_id: int) -> None:
        """In the transaction deactivating ``user_id``: hand their pending tasks on."""
        reassign_tasks_of(self.engine, conn, actor, user_id)

    def _transition(self, case: Case, user: User, name: str, comment, raw_values,
                    visit_tasks: list[sa.Row] | None) -> None:
        """Fire transition ``name``, or decide it on the user's task; ``visit_tasks``: the
        current visit's tasks when the action's start read them."""
        candidates = self._candidates(case, name)
        if not candidates:
            raise self._refusal(case, user, name)
        transition = candidates[0]
        # Who may act is settled before the input is judged: a stranger learns nothing.
        if transition.by is None:
            if visit_tasks is None:
                visit_tasks = self.engine.visit_tasks(case)
            mine = self.engine.open_tasks(case, user, visit_tasks)
            if not mine:
                raise self._refusal(case, user, name)
            if self._own_approval(case, user, name):
                raise Forbidden(Message("self_approval"))
        elif not self.engine.may_fire(case, user, transition):
            raise Forbidden(Message("action_not_available", {"action": name}))
        values = self._step_values(case, user, candidates, raw_values)
        require_comment(transition.comment, comment)
        if transition.by is None:
            self.engine.decide(case, user, mine[0], name, comment, values, visit_tasks)
        else:
            self.engine.fire(case, user, name, comment, values)

    def _candidates(self, case: Case, name: str) -> list[Transition]:
        state = case.state
        if state is None or state.final:
            return []
        return [t for t in case.process.transitions if t.name == name and state.name in t.sources]

    def _refusal(self, case: Case, user: User, name: str):
        """409 when the user was an approver of a step that has moved on; else 403."""
        had_task = case.conn.execute(sa.select(tasks.c.id).where(
            tasks.c.entity == case.entity.qualified_name, tasks.c.record_id == case.record["id"],
            tasks.c.assignee_id == user.id, tasks.c.kind == "approve",
            tasks.c.status.in_(("done", "cancelled")),
        ).limit(1)).first()
        if had_task is not None:
            return Conflict(Message("state_moved"))
        return Forbidden(Message("action_not_available", {"action": name}))

    def _step_values(self, case: Case, user: User, candidates, raw_values) -> dict[str, Any]:
        """Parse the values sent with a step; only the transition's required fields and
        the state's editable fields may be given."""
        if not raw_values:
            return {}
        allowed = set(case.state.editable)
        for transition in candidates:
            allowed.update(transition.required)
        values, _, errors = parse_payload(case.entity, raw_values, self.field_types)
        for name in values:
            if "*" not in allowed and name not in allowed:
                errors.setdefault(name, [Message("not_writable")])
        if errors:
            raise ValidationFailed(errors)
        return values

    def _transition_actions(self, case: Case, user: User) -> list[dict[str, Any]]:
        state = case.state
        if state is None or state.final:
            return []
        holds_task = bool(self.engine.open_tasks(case, user))
        found: dict[str, dict[str, Any]] = {}
        for transition in case.process.transitions:
            if state.name not in transition.sources or transition.name in found:
                continue
            if transition.by is None:
                allowed = holds_task and not self._own_approval(case, user, transition.name)
            else:
                allowed = self.engine.may_fire(case, user, transition)
            if allowed and self.engine.choose(case, transition.name, case.record, user) is not None:
                found[transition.name] = {
                    "name": transition.name, "kind": "transition",
                    "label": transition.label.texts.get("", transition.name),
                    "comment": transition.comment, "required": list(transition.required),
                    "fields": list(state.editable),
                }
        return list(found.values())

    # -- helpers ----------------------------------------------------------------------

    def _own_approval(self, case: Case, user: User, name: str) -> bool:
        """Whether deciding ``name`` would be a requester passing their own step (a task
        given before the process kept requesters out, or before a requester field
        changed)."""
        return (name == self.engine.pass_action(case.process, case.state)
                and not self.engine.may_approve_own(case, user))

    def _process_entity(self, entity_name: str) -> Entity:
        entity = self.records.entity(entity_name)
        if self.model.process_for(entity) is None:
            raise NotFound(Message("not_found"))
        return entity



def _attach(conn, entity: Entity, record_id: int, user: User, after: int,
            keys: list[str]) -> None:
    """Keep ``keys`` on the newest event ``user``'s action logged (every action logs
    one: the decision, the vote, the transfer, the comment...)."""
    event = conn.execute(sa.select(events.c.id, events.c.data).where(
        events.c.entity == entity.qualified_name, events.c.record_id == record_id,
        events.c.id > after, events.c.actor_id == user.id,
    ).order_by(events.c.id.desc()).limit(1)).first()
    if event is not None:
        conn.execute(events.update().where(events.c.id == event.id).values(
            data={**(event.data or {}), "files": keys}))


def _parse_body(payload: Any) -> tuple[str | None, Mapping[str, Any], str | None]:
    if payload is None:
        payload = {}
    if not isinstance(payload, Mapping):
        raise ValidationFailed({"": [Message("invalid_row")]})
    unknown = set(payload) - {"comment", "values", "state"}
    if unknown:
        raise ValidationFailed({name: [Message("unknown_field")] for name in sorted(unknown)})
    comment = payload.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
        raise ValidationFailed({"comment": [Message("max_length", {"max": MAX_COMMENT})]})
    values = payload.get("values") or {}
    if not isinstance(values, Mapping):
        raise ValidationFailed({"values": [Message("invalid_row")]})
    state = payload.get("state")
    return comment, values, state if isinstance(state, str) else None


def require_comment(transition_comment: str | None, comment: str | None) -> None:
    if transition_comment == "required" and not (comment or "").strip():
        raise ValidationFailed({"comment": [Message("required")]})
