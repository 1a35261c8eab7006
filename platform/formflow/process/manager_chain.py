"""The manager chain above a person (逐级审批): the ``managers_of`` assignee rule.

From a person's manager upwards, one manager per level: at most ``levels`` levels, or up
to and including the first manager ``until`` names — one holding a role
(``("role", R)``), or one heading the person's department or a department above it
(``("department_head", "")``); with neither, up to the top of the chain.  A level whose
manager is deactivated is skipped (it still counts as a level); a chain that loops
(a manager of their own manager) ends where it would repeat itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import user_ids_with_role
from formflow.auth.tables import departments, users
from formflow.metadata.model import Assignee

#: The most levels a chain is followed (org charts are far shallower).
MAX_LEVELS = 20


def managers_above(conn: Connection, person: int, rule: Assignee) -> list[int]:
    """The active managers above user ``person`` that ``rule`` names, lowest first."""
    limit = min(rule.levels or MAX_LEVELS, MAX_LEVELS)
    stop = _stop_set(conn, person, rule.until)
    found: list[int] = []
    seen = {person}
    current = _row(conn, person)
    level = 0
    while current is not None and current.manager_id is not None and level < limit:
        manager = _row(conn, current.manager_id)
        if manager is None or manager.id in seen:
            break
        seen.add(manager.id)
        level += 1
        if manager.active:
            found.append(manager.id)
        if stop is not None and manager.id in stop:
            break
        current = manager
    return found


def _row(conn: Connection, user_id: int) -> sa.Row | None:
    return conn.execute(sa.select(users.c.id, users.c.manager_id, users.c.active)
                        .where(users.c.id == user_id)).first()


def _stop_set(conn: Connection, person: int, until: tuple[str, str] | None) -> set[int] | None:
    """The managers at whom the chain ends (None: it runs to ``levels`` or the top)."""
    if until is None:
        return None
    kind, value = until
    if kind == "role":
        return user_ids_with_role(conn, value, active_only=False)
    return _heads_above(conn, person)


def _heads_above(conn: Connection, person: int) -> set[int]:
    """The heads of the person's department and of every department above it."""
    department = conn.scalar(sa.select(users.c.department_id).where(users.c.id == person))
    parents = {row.id: (row.parent_id, row.head_id) for row in conn.execute(
        sa.select(departments.c.id, departments.c.parent_id, departments.c.head_id))}
    heads: set[int] = set()
    seen: set[int] = set()
    while department is not None and department in parents and department not in seen:
        seen.add(department)
        parent, head = parents[department]
        if head is not None:
            heads.add(head)
        department = parent
    return heads
