"""Writing demo records in volume.

:class:`Loader` writes many records in one transaction.  Each record goes through the
records layer's own checks (defaults, fetched and computed values, validation and rules,
exactly as a save) and then is inserted directly, with its number drawn from the same
sequences a save uses, its title, its process state and, for records in a process, a
believable history: the events of each step (back-dated) and the decided tasks of the
approvers.  Field-level audit entries are left out for these rows.

:class:`Live` drives records through the services instead (records.create and
process.act, one transaction each), for the share of the demo that must look exactly
like real use: open tasks in every state, notifications, SLA clocks.  ``backdate``
then moves such a record into the past, so that some open tasks are overdue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from formflow.errors import ValidationFailed
from formflow.metadata.branch_lint import JOIN
from formflow.process.tables import events, notifications, tasks
from formflow.records.naming import allocate_number, make_title
from formflow.records.payload import parse_payload
from formflow.records.saving import Saver, SaveRequest
from formflow.storage.files import remember_upload
from formflow.storage.repository import insert_row

#: A step of a record's history: (action, state it leads to or None for a vote that
#: does not move the record, actor's user name, when, comment); in a parallel state, a
#: sixth item names the branch step acted on (its state may then be ``@join``).
Step = tuple[str, str | None, str, datetime, str | None] | tuple[
    str, str | None, str, datetime, str | None, str]


class Loader:
    def __init__(self, runtime, conn, users: Mapping[str, Any]):
        self.runtime = runtime
        self.conn = conn
        self.users = users
        self.model = runtime.model
        self.internal = runtime.internal_records
        self.schema = runtime.schema
        self.field_types = runtime.field_types
        self.zone = runtime.timezone
        self._savers: dict[str, Saver] = {}
        self._versions: dict[str, int] = {}
        self._pending: list[tuple] = []
        #: Records written, by entity.
        self.counts: Counter[str] = Counter()

    def has(self, entity_name: str) -> bool:
        return self.model.entity(entity_name) is not None

    def saver(self, user) -> Saver:
        saver = self._savers.get(user.username)
        if saver is None:
            saver = self.internal.saver_for(self.conn, user)
            self._savers[user.username] = saver
        return saver

    def add(
        self,
        entity_name: str,
        who: str,
        values: Mapping[str, Any],
        *,
        at: datetime,
        history: Sequence[Step] = (),
        check_as: str | None = None,
    ) -> dict[str, Any]:
        """Check and insert one record created by ``who`` at ``at`` (UTC); ``history``
        moves it through its process.  ``check_as`` validates with another user's
        rights (a manager setting a field only managers may set)."""
        entity = self.model.entity(entity_name)
        creator = self.users[who]
        checker = self.users[check_as or who]
        saver = self.saver(checker)
        field_types = self.field_types
        values = _complete_rows(entity, values)
        try:
            parsed, _, errors = parse_payload(entity, dict(values), field_types)
            if errors:
                raise ValidationFailed(errors)
            # ask_writable off: the demo also writes what the record's process set on its way
            request = SaveRequest(entity, checker, parsed, ask_writable=False)
            record, stored, _ = saver.check(request, {})
        except ValidationFailed as failed:  # a bug in the demo data: say exactly what
            problems = {
                path: [m.render("en") for m in messages] for path, messages in failed.errors.items()
            }
            raise RuntimeError(f"demo {entity_name}: {problems} in {dict(values)}") from None
        columns = {f.name: stored.get(f.name) for f in entity.fields if field_types[f.type].stored}
        lines = {f.name: stored.get(f.name) or [] for f in entity.table_fields}
        local = at.astimezone(self.zone) if self.zone else at
        if entity.numbering:
            columns["_number"] = allocate_number(self.conn, entity, record, local, saver.title_of)
        columns["_title"] = make_title(entity, record, local, saver.title_of) or columns.get(
            "_number"
        )
        process = self.model.process_for(entity)
        state = version = None
        last = at
        if process is not None:
            version = self._version(process.qualified_name)
            state = process.start
            for step in history:
                state = step[1] or state
                last = max(last, step[3])
        columns.update(
            _state=state,
            _process_version=version,
            _created_at=at,
            _created_by=creator.id,
            _updated_at=last,
            _updated_by=creator.id,
            _version=1 + sum(1 for s in history if s[1]),
        )
        record_id = insert_row(
            self.conn, self.schema[entity.qualified_name], columns, lines
        )
        if process is not None:
            self._history(entity, process, version, record_id, creator, at, history)
        self.counts[entity_name] += 1
        return {
            **record,
            "id": record_id,
            "_number": columns.get("_number"),
            "_title": columns["_title"],
            "_state": state,
            "_created_by": who,
            "_created_at": at,
        }

    def update(
        self, entity_name: str, who: str, current: dict[str, Any], values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Check a change by ``who`` of ``current`` (a record :meth:`add` returned; parsed
        ``values``) and write the changed and computed columns in place."""
        entity = self.model.entity(entity_name)
        user = self.users[who]
        record, stored, changed = self.saver(user).check(
            SaveRequest(entity, user, dict(values), current), {}
        )
        field_types = self.field_types
        columns = {
            f.name: stored.get(f.name)
            for f in entity.scalar_fields
            if (f.name in changed or f.compute) and field_types[f.type].stored
        }
        main = self.schema[entity.qualified_name].main
        self.conn.execute(main.update().where(main.c.id == current["id"]).values(**columns))
        current.update(record)
        return current

    def _version(self, qualified: str) -> int:
        if qualified not in self._versions:
            self._versions[qualified] = (
                self.runtime.processes.latest_version(self.conn, qualified) or 1
            )
        return self._versions[qualified]

    def _history(self, entity, process, version, record_id, creator, at, history) -> None:
        self._pending.append(
            (entity.qualified_name, record_id, version, process, creator.id, at, tuple(history))
        )
        if len(self._pending) >= 2000:
            self.flush()

    def flush(self) -> None:
        """Write the pending histories: every event in one statement, then every decided
        task (each belongs to the visit its state was entered by), then the events'
        links to the tasks that decided them."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        event_rows: list[dict] = []
        task_rows: list[dict] = []  # "visit" holds the index of the entering event for now
        decided: list[tuple[int, int]] = []  # (event index, task index)
        for qualified, record_id, version, process, creator_id, at, history in pending:
            key = {"entity": qualified, "record_id": record_id, "process_version": version}
            state, entered = process.start, at
            visit = len(event_rows)
            event_rows.append(_event_row(key, "start", None, state, creator_id, at))
            running: dict[str, tuple[int, datetime]] = {}  # branch step -> its entry
            for position, (action, to_state, actor_name, when, comment, *inside) in enumerate(
                    history):
                actor_id = self.users[actor_name].id
                task = None
                if inside:  # in a branch: the record stays in its parallel state
                    source, (step_visit, step_entered) = inside[0], running.pop(inside[0])
                    branch = process.branch_of(source)[1]
                    if to_state == JOIN or to_state in branch.steps:
                        target = state if to_state == JOIN else to_state
                        task = _task(task_rows, key, process, source, step_visit, actor_id,
                                     action, comment, step_entered, when)
                        if task is not None:
                            decided.append((len(event_rows), task))
                        event_rows.append(_event_row(
                            key, action, source, target, actor_id, when, comment,
                            seconds=(when - step_entered).total_seconds(), branch=branch.name))
                        if to_state != JOIN:
                            running[to_state] = (len(event_rows) - 1, when)
                        continue
                    state, entered, visit = source, step_entered, step_visit  # leaving it
                task = _task(task_rows, key, process, state, visit, actor_id, action, comment,
                             entered, when)
                if task is not None:
                    decided.append((len(event_rows), task))
                if to_state is None:  # a vote of a countersign: the record stays
                    event_rows.append(
                        _event_row(
                            key,
                            "vote",
                            state,
                            None,
                            actor_id,
                            when,
                            comment,
                            data={"decision": action},
                        )
                    )
                    continue
                event_rows.append(
                    _event_row(
                        key,
                        action,
                        state,
                        to_state,
                        actor_id,
                        when,
                        comment,
                        seconds=(when - entered).total_seconds(),
                    )
                )
                state, entered, visit = to_state, when, len(event_rows) - 1
                fork = process.state(state)
                for branch in fork.parallel.branches if fork and fork.parallel else ():
                    if any(later[5:] and later[5] in branch.steps
                           for later in history[position + 1:]):
                        event_rows.append(_event_row(key, "fork", state, branch.start,
                                                     actor_id, when, branch=branch.name))
                        running[branch.start] = (len(event_rows) - 1, when)
        event_ids = (
            self.conn.execute(
                sa.insert(events).returning(events.c.id, sort_by_parameter_order=True), event_rows
            )
            .scalars()
            .all()
        )
        if not task_rows:
            return
        for row in task_rows:
            row["visit"] = event_ids[row["visit"]]
        task_ids = (
            self.conn.execute(
                sa.insert(tasks).returning(tasks.c.id, sort_by_parameter_order=True), task_rows
            )
            .scalars()
            .all()
        )
        self.conn.execute(
            events.update()
            .where(events.c.id == sa.bindparam("event_id"))
            .values(task_id=sa.bindparam("decided_by")),
            [{"event_id": event_ids[e], "decided_by": task_ids[t]} for e, t in decided],
        )


def _task(task_rows: list[dict], key, process, state: str, visit: int, actor_id: int,
          action: str, comment, opened: datetime, closed: datetime) -> int | None:
    """Add the decided task of ``actor_id`` in ``state`` (when it has assignees) to
    ``task_rows``; its index there."""
    current = process.state(state)
    if current is None or not current.assignees:
        return None
    task_rows.append(
        {
            **key,
            "state": state,
            "visit": visit,
            "kind": "approve",
            "assignee_id": actor_id,
            "status": "done",
            "position": 0,
            "decision": action,
            "comment": comment,
            "origin": "assigned",
            "opened_at": opened,
            "closed_at": closed,
            "flagged": False,
        }
    )
    return len(task_rows) - 1


def _event_row(
    key, action, from_state, to_state, actor_id, at, comment=None, *, seconds=None, data=None,
    branch=None,
) -> dict:
    return {
        **key,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "actor_id": actor_id,
        "task_id": None,
        "comment": comment,
        "data": data,
        "at": at,
        "seconds_in_state": seconds,
        "branch": branch,
    }


def _complete_rows(entity, values: Mapping[str, Any]) -> dict[str, Any]:
    """Give every line-item row each column without a default (as None), so all rows of
    a table are written with the same columns."""
    values = dict(values)
    for table in entity.table_fields:
        if values.get(table.name):
            blank = {
                c.name: None
                for c in table.fields
                if c.default is None and not c.default_expr and not c.compute
            }
            values[table.name] = [{**blank, **row} for row in values[table.name]]
    return values


class Live:
    """Records made and moved through the services, as people would."""

    def __init__(self, runtime, users: Mapping[str, Any]):
        self.runtime = runtime
        self.users = users
        self.made: list[tuple[str, int]] = []

    def create(self, who: str, entity_name: str, values: Mapping[str, Any]) -> dict:
        entity = self.runtime.model.entity(entity_name)
        record = self.runtime.records.create(
            self.users[who], entity_name, _complete_rows(entity, values)
        )
        self.made.append((entity_name, record["id"]))
        return record

    def act(
        self,
        who: str,
        entity_name: str,
        record: dict,
        action: str,
        *,
        comment: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict:
        body: dict[str, Any] = {}
        if comment:
            body["comment"] = comment
        if values:
            body["values"] = dict(values)
        try:
            updated = self.runtime.process.act(
                self.users[who], entity_name, record["id"], action, body
            )
        except ValidationFailed as failed:  # a bug in the demo data: say exactly what
            problems = {
                path: [m.render("en") for m in messages] for path, messages in failed.errors.items()
            }
            raise RuntimeError(f"demo {entity_name} {action} by {who}: {problems}") from None
        record.update(updated)
        return record

    def assignees(self, entity_name: str, record: dict) -> list[str]:
        """Who holds an open task on the record now."""
        from formflow.auth.tables import users

        with self.runtime.db.read() as conn:
            return list(
                conn.execute(
                    sa.select(users.c.username)
                    .join(tasks, tasks.c.assignee_id == users.c.id)
                    .where(
                        tasks.c.entity == entity_name,
                        tasks.c.record_id == record["id"],
                        tasks.c.status == "open",
                        tasks.c.kind == "approve",
                    )
                    .order_by(tasks.c.id)
                ).scalars()
            )


def backdate(runtime, moves: Iterable[tuple[str, int, timedelta]]) -> None:
    """Move records, their events, tasks and notifications ``delta`` into the past (a
    task whose deadline passes now is overdue, as after a few days of waiting)."""
    moves = list(moves)
    if not moves:
        return
    with runtime.db.write() as conn:
        for entity_name, record_id, delta in moves:
            main = runtime.schema[entity_name].main
            row = conn.execute(
                sa.select(main.c._created_at, main.c._updated_at).where(main.c.id == record_id)
            ).first()
            conn.execute(
                main.update()
                .where(main.c.id == record_id)
                .values(_created_at=row._created_at - delta, _updated_at=row._updated_at - delta)
            )
            where = (events.c.entity == entity_name, events.c.record_id == record_id)
            for event in conn.execute(sa.select(events.c.id, events.c.at).where(*where)).all():
                conn.execute(
                    events.update().where(events.c.id == event.id).values(at=event.at - delta)
                )
            where = (tasks.c.entity == entity_name, tasks.c.record_id == record_id)
            times = ("opened_at", "closed_at", "due_at", "remind_at")
            for task in conn.execute(
                sa.select(tasks.c.id, *(tasks.c[t] for t in times)).where(*where)
            ).all():
                conn.execute(
                    tasks.update()
                    .where(tasks.c.id == task.id)
                    .values(
                        **{
                            t: getattr(task, t) - delta
                            for t in times
                            if getattr(task, t) is not None
                        }
                    )
                )
            where = (notifications.c.entity == entity_name, notifications.c.record_id == record_id)
            for note in conn.execute(
                sa.select(notifications.c.id, notifications.c.created_at).where(*where)
            ).all():
                conn.execute(
                    notifications.update()
                    .where(notifications.c.id == note.id)
                    .values(created_at=note.created_at - delta)
                )


def store_file(runtime, data: bytes, filename: str) -> str:
    """Store a demo attachment the way an upload is stored, for every user to attach,
    and return the field value ``<sha256>/<name>``.  Opens its own write transaction."""
    key = runtime.files.store(data, filename)
    with runtime.db.write() as conn:
        remember_upload(conn, key.partition("/")[0], None)
    return key


def sample_pdf(title: str) -> bytes:
    """A small, valid one-page PDF showing ``title`` (ASCII)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
