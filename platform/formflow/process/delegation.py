"""Delegation (委托/代理): a user names a deputy for a range of days, in every process or
in chosen ones; approval tasks given to them on those days go to the deputy instead.

- A delegation: ``deputy`` (a user name), ``starts_on`` and ``ends_on`` (dates, both
  included, in the site's time zone), ``processes`` (qualified names; none: every
  process).  A user manages their own; two of theirs may not cover the same day and
  process.
- When the engine opens tasks (:func:`delegate`), each goes to its assignee's deputy
  when a delegation covers the day and the record's process, the deputy is active, is
  no requester of the record (unless the step allows self-approval) and holds no task
  of the step already.  One hop only: a deputy's own deputy does not step in.
- The task remembers whose it is (``ff_task_principals``); a ``delegate`` event logs the
  handover, and the events of the deputy's decisions name the principal
  (``data.on_behalf_of``), so the history names both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User, get_user_by_name, usernames_by_id
from formflow.auth.tables import users
from formflow.errors import NotFound, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.process import watch
from formflow.process.delegation_tables import delegations, task_principals
from formflow.process.tables import events, tasks

MAX_DELEGATIONS = 20
MAX_DAYS = 366
_KEYS = {"deputy", "starts_on", "ends_on", "processes"}


class Delegations:
    """The delegation service: list, create and delete a user's own delegations."""

    def __init__(self, db, model, timezone):
        self.db = db
        self.model = model
        self.timezone = timezone

    def today(self) -> date:
        return utcnow().astimezone(self.timezone).date()

    def list(self, user: User) -> list[dict[str, Any]]:
        """The user's delegations that have not ended, soonest first."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(delegations).where(
                delegations.c.user_id == user.id, delegations.c.ends_on >= self.today(),
            ).order_by(delegations.c.starts_on, delegations.c.id)).all()
            names = usernames_by_id(conn, {r.deputy_id for r in rows})
        return [_json(row, names) for row in rows]

    def create(self, user: User, payload: Any) -> dict[str, Any]:
        """Add a delegation of ``user``'s tasks (``payload`` as the module says)."""
        if not isinstance(payload, Mapping):
            raise ValidationFailed({"": [Message("invalid_row")]})
        unknown = set(payload) - _KEYS
        if unknown:
            raise ValidationFailed({k: [Message("unknown_field")] for k in sorted(unknown)})
        errors: dict[str, list[Message]] = {}
        starts = _day(payload.get("starts_on"), "starts_on", errors)
        ends = _day(payload.get("ends_on"), "ends_on", errors)
        processes = self._processes(payload.get("processes"), errors)
        if starts and ends:
            if ends < starts:
                errors["ends_on"] = [Message("ends_before_start")]
            elif ends < self.today():
                errors["ends_on"] = [Message("delegation_in_past")]
            elif (ends - starts).days + 1 > MAX_DAYS:
                errors["ends_on"] = [Message("delegation_too_long", {"max": MAX_DAYS})]
        with self.db.write() as conn:
            deputy = self._deputy(conn, user, payload.get("deputy"), errors)
            if errors:
                raise ValidationFailed(errors)
            # The user's row is the lock: two delegations made at once are checked in turn.
            conn.execute(sa.select(users.c.id).where(users.c.id == user.id).with_for_update())
            mine = conn.execute(sa.select(delegations).where(
                delegations.c.user_id == user.id, delegations.c.ends_on >= self.today(),
            )).all()
            if len(mine) >= MAX_DELEGATIONS:
                raise ValidationFailed({"": [Message("too_many_delegations",
                                                     {"max": MAX_DELEGATIONS})]})
            if any(_overlaps(row, starts, ends, processes) for row in mine):
                raise ValidationFailed({"starts_on": [Message("delegation_overlaps")]})
            new_id = conn.execute(sa.insert(delegations).values(
                user_id=user.id, deputy_id=deputy.id, starts_on=starts, ends_on=ends,
                processes=processes, created_at=utcnow(),
            ).returning(delegations.c.id)).scalar_one()
            row = conn.execute(sa.select(delegations).where(delegations.c.id == new_id)).one()
        return _json(row, {deputy.id: deputy.username})

    def delete(self, user: User, delegation_id: int) -> None:
        """End one of the user's delegations (tasks already handed over stay)."""
        with self.db.write() as conn:
            deleted = conn.execute(delegations.delete().where(
                delegations.c.id == delegation_id, delegations.c.user_id == user.id))
            if deleted.rowcount == 0:
                raise NotFound(Message("not_found"))

    def _deputy(self, conn: Connection, user: User, name: Any,
                errors: dict[str, list[Message]]) -> User | None:
        if not isinstance(name, str) or not name.strip():
            errors["deputy"] = [Message("required")]
            return None
        deputy = get_user_by_name(conn, name.strip()[:64])
        if deputy is None:
            errors["deputy"] = [Message("no_such_user", {"value": name.strip()[:64]})]
        elif not deputy.active:
            errors["deputy"] = [Message("user_inactive", {"value": deputy.username})]
        elif deputy.id == user.id:
            errors["deputy"] = [Message("delegate_to_self")]
        return deputy

    def _processes(self, value: Any, errors: dict[str, list[Message]]) -> list[str] | None:
        if value is None or value == []:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors["processes"] = [Message("invalid_list")]
            return None
        known = {p.qualified_name for app in self.model.apps.values()
                 for p in app.processes.values()}
        unknown = [v for v in value if v not in known]
        if unknown:
            errors["processes"] = [Message("unknown_process", {"value": unknown[0][:130]})]
            return None
        return sorted(set(value))


def _day(value: Any, key: str, errors: dict[str, list[Message]]) -> date | None:
    if value is None or value == "":
        errors[key] = [Message("required")]
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    errors[key] = [Message("invalid_date")]
    return None


def _overlaps(row, starts: date, ends: date, processes: list[str] | None) -> bool:
    if row.ends_on < starts or row.starts_on > ends:
        return False
    return row.processes is None or processes is None or bool(set(row.processes) & set(processes))


def _json(row, names: Mapping[int, str]) -> dict[str, Any]:
    return {"id": row.id, "deputy": names.get(row.deputy_id),
            "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(),
            "processes": row.processes}


# -- the engine's side ----------------------------------------------------------------


def delegate(engine, case, state, visit: int, assignments: list[tuple[int, int, str]],
             now: datetime) -> tuple[list[tuple[int, int, str]], dict[int, int]]:
    """``assignments`` (user id, position, status) of tasks of ``state`` in ``visit``,
    each delegated one given to the deputy; and ``{index: principal id}`` of those."""
    day = now.astimezone(engine.timezone).date()
    process = case.process.qualified_name
    wanted = {user_id for user_id, _, _ in assignments}
    rows = case.people.delegations(wanted, day)
    if rows is None:
        rows = case.conn.execute(_DEPUTIES, {"p_users": list(wanted), "p_day": day}
                                 ).all() if wanted else []
    deputies = {user_id: deputy_id for user_id, deputy_id, processes in rows
                if processes is None or process in processes}
    if not deputies:
        return assignments, {}
    active = engine.resolver(case).active(deputies.values())
    refused = set() if case.process.allows_self_approval(state) else engine.requesters(case)
    holding = {user_id for user_id, _, _ in assignments} | _holders(case, visit)
    result, principals = [], {}
    for index, (user_id, position, status) in enumerate(assignments):
        deputy = deputies.get(user_id)
        if deputy is not None and deputy in active and deputy not in refused | holding:
            principals[index] = user_id
            holding.add(deputy)
            user_id = deputy
        result.append((user_id, position, status))
    return result, principals


def _holders(case, visit: int) -> set[int]:
    return set(case.conn.scalars(sa.select(tasks.c.assignee_id).where(
        tasks.c.entity == case.entity.qualified_name, tasks.c.record_id == case.record["id"],
        tasks.c.visit == visit, tasks.c.status != "cancelled", tasks.c.kind == "approve")))


def remember(engine, case, task_ids: Sequence[int], assignments, principals: dict[int, int]
             ) -> None:
    """Keep whose each delegated task is, and log the handovers."""
    if not principals:
        return
    watch.delegated(case.conn)
    case.conn.execute(sa.insert(task_principals), [
        {"task_id": task_ids[i], "principal_id": p} for i, p in principals.items()])
    names = usernames_by_id(case.conn, [*principals.values(),
                                        *(assignments[i][0] for i in principals)])
    for index, principal in principals.items():
        engine.log(case, None, "delegate", None, None, task_id=task_ids[index],
                   data={"from": names.get(principal),
                         "to": names.get(assignments[index][0])})


def principals_of(conn: Connection, task_ids: Sequence[int]) -> dict[int, str]:
    """Whose task each of ``task_ids`` is, by user name, for the delegated ones."""
    if not task_ids:
        return {}
    rows = conn.execute(sa.select(task_principals).where(
        task_principals.c.task_id.in_(list(task_ids)))).all()
    names = usernames_by_id(conn, {r.principal_id for r in rows})
    return {r.task_id: names[r.principal_id] for r in rows if r.principal_id in names}


def name_principals(conn: Connection, entity: str, record_id: int, after: int) -> None:
    """Mark the events logged after event ``after`` on a delegated task with whose task
    it was (``data.on_behalf_of``), so the history names both."""
    rows = conn.execute(_ON_BEHALF, {"p_entity": entity, "p_record": record_id,
                                     "p_after": after}).all()
    names = usernames_by_id(conn, {r.principal_id for r in rows}) if rows else {}
    for row in rows:
        conn.execute(events.update().where(events.c.id == row.id).values(
            data={**(row.data or {}), "on_behalf_of": names.get(row.principal_id)}))


#: The events after ``p_after`` an actor logged on a delegated task.
_ON_BEHALF = sa.select(events.c.id, events.c.data, task_principals.c.principal_id).join(
    task_principals, task_principals.c.task_id == events.c.task_id,
).where(events.c.entity == sa.bindparam("p_entity"),
        events.c.record_id == sa.bindparam("p_record"),
        events.c.id > sa.bindparam("p_after"), events.c.actor_id.is_not(None))
#: The delegations of users ``p_users`` running on ``p_day``.
_DEPUTIES = sa.select(delegations.c.user_id, delegations.c.deputy_id,
                      delegations.c.processes).where(
    delegations.c.user_id.in_(sa.bindparam("p_users", expanding=True)),
    delegations.c.starts_on <= sa.bindparam("p_day"),
    delegations.c.ends_on >= sa.bindparam("p_day"))
