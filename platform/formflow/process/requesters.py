"""Who a request is from, and who approves it when its requesters may not (审批人去重).

A record's *requesters* are its creator and the people its process's
``requester_fields`` name (a user field, or a link to a record with a user field: the
employee a claim is for, say).  Unless the process (or the state, which wins) sets
``allow_self_approval``, a requester never gets an approval task on the request: the
assignee rules' result is taken without them, and when that leaves nobody, the task goes
to the creator's manager (the first active one up the chain who is no requester), else
to the administrators who are no requesters, flagged as when the rules resolve to
nobody.  Only when no one else is left at all do the administrators get it even so: a
task nobody can decide would strand the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.tables import users
from formflow.metadata.model import Assignee, State
from formflow.process.assignees import Resolver

#: Who gets a task when a state's assignee rules resolve to nobody (the task is flagged).
ADMINS = (Assignee("role", "admin"),)
#: How far up the manager chain a stand-in is looked for.
_MAX_CHAIN = 20


@dataclass(frozen=True)
class Assignment:
    """The people a step's tasks go to."""

    people: list[int]
    #: The rules named nobody who may decide: a stand-in got the task.
    flagged: bool = False
    #: Requesters the rules named, left out.
    skipped: list[int] = field(default_factory=list)


def requester_ids(resolver: Resolver, case) -> set[int]:
    """The users the record is from: its creator and its requester fields."""
    rules = (Assignee("field", "_created_by"),) + tuple(
        Assignee("field", name) for name in case.process.requester_fields
    )
    return set(resolver.named(rules, case.entity, case.record))


def is_requester(resolver: Resolver, case, user) -> bool:
    """Whether ``user`` is one of the record's requesters (no query for its creator, nor
    for anyone when the process names no requester fields)."""
    creator = case.record.get("_created_by")
    if creator is not None and creator.lower() == user.username.lower():
        return True
    return bool(case.process.requester_fields) and user.id in requester_ids(resolver, case)


def assign(resolver: Resolver, case, state: State, rules: Iterable[Assignee], *,
           exclude: Iterable[int] = (), manager_of: str | None = None) -> Assignment:
    """The people ``rules`` give a task of ``state`` to on ``case`` (never those in
    ``exclude``), the requesters left out unless the step allows self-approval.  When
    nobody is left, a stand-in (flagged): the manager of ``manager_of`` (a user name; by
    default the creator when requesters were left out), else the administrators."""
    excluded = set(exclude)
    people = [p for p in resolver.users(rules, case.entity, case.record) if p not in excluded]
    allowed = case.process.allows_self_approval(state)
    requesters = set() if allowed else requester_ids(resolver, case)
    skipped = [p for p in people if p in requesters]
    people = [p for p in people if p not in requesters]
    if people:
        return Assignment(people, skipped=skipped)
    if manager_of is None and skipped:
        manager_of = case.record.get("_created_by")
    return Assignment(stand_in(resolver, case, requesters | excluded, manager_of), True, skipped)


def stand_in(resolver: Resolver, case, excluded: set[int], manager_of: str | None) -> list[int]:
    """Who decides when the rules leave nobody: the manager of ``manager_of`` (up the
    chain), else the administrators; those in ``excluded`` only as a last resort."""
    if manager_of:
        manager = _manager_up_chain(resolver.conn, manager_of, excluded)
        if manager is not None:
            return [manager]
    admins = resolver.users(ADMINS, case.entity, case.record)
    return [a for a in admins if a not in excluded] or admins


def _manager_up_chain(conn: Connection, username: str | None, excluded: set[int]) -> int | None:
    """The first active manager above ``username`` who is not in ``excluded``."""
    if not username:
        return None
    row = conn.execute(sa.select(users.c.manager_id).where(
        sa.func.lower(users.c.username) == username.lower())).first()
    current, seen = (row.manager_id if row else None), set()
    while current is not None and current not in seen and len(seen) < _MAX_CHAIN:
        seen.add(current)
        manager = conn.execute(sa.select(users.c.active, users.c.manager_id).where(
            users.c.id == current)).first()
        if manager is None:
            return None
        if manager.active and current not in excluded:
            return current
        current = manager.manager_id
    return None
