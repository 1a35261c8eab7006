"""Row-level access: turn a permission scope into a SQL condition on an entity table.

Scopes: ``all``; ``department`` (records created by anyone in the user's department or
below it, and the user's own); ``own`` (records the user created or holds or held a task
on); None (nothing).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User, subtree_ids
from formflow.auth.tables import users
from formflow.process.tables import tasks


def scope_condition(
    conn: Connection, table: sa.Table, scope: str | None, user: User, entity_name: str
) -> sa.ColumnElement[bool] | None:
    """The WHERE condition limiting ``table`` to ``scope``; None means no limit.  A
    record is also the user's own when they hold or held a task on it (or a copy)."""
    if scope == "all":
        return None
    if scope is None:
        return sa.false()
    own = sa.or_(table.c._created_by == user.id, table.c.id.in_(
        sa.select(tasks.c.record_id).where(tasks.c.entity == entity_name,
                                           tasks.c.assignee_id == user.id)
    ))
    if scope == "department" and user.department_id is not None:
        departments = subtree_ids(conn, user.department_id)
        members = sa.select(users.c.id).where(users.c.department_id.in_(departments))
        return sa.or_(own, table.c._created_by.in_(members))
    return own


def in_scope(
    conn: Connection, table: sa.Table, scope: str | None, user: User, entity_name: str,
    record_id: int,
) -> bool:
    condition = scope_condition(conn, table, scope, user, entity_name)
    if condition is None:
        return True
    query = sa.select(table.c.id).where(table.c.id == record_id, condition)
    return conn.execute(query).first() is not None
