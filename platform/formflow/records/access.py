"""Row-level access: turn a permission scope into a SQL condition on an entity table.

Scopes: ``all``; ``department`` (records created by anyone in the user's department or
below it, and the user's own); ``own`` (records the user created, or that the plugins'
``record_read_scope`` conditions give them: the process engine's, records they hold or
held a task on); None (nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User, subtree_ids
from formflow.auth.tables import users


def scope_condition(
    conn: Connection, table: sa.Table, scope: str | None, user: User,
    also_own: Iterable[sa.ColumnElement[bool]] = (),
) -> sa.ColumnElement[bool] | None:
    """The WHERE condition limiting ``table`` to ``scope``; None means no limit.  A
    record is also the user's own when one of the ``also_own`` conditions holds."""
    if scope == "all":
        return None
    if scope is None:
        return sa.false()
    own = sa.or_(table.c._created_by == user.id, *also_own)
    if scope == "department" and user.department_id is not None:
        departments = subtree_ids(conn, user.department_id)
        members = sa.select(users.c.id).where(users.c.department_id.in_(departments))
        return sa.or_(own, table.c._created_by.in_(members))
    return own


def in_scope(
    conn: Connection, table: sa.Table, scope: str | None, user: User, record_id: int,
    also_own: Iterable[sa.ColumnElement[bool]] = (),
) -> bool:
    condition = scope_condition(conn, table, scope, user, also_own)
    if condition is None:
        return True
    query = sa.select(table.c.id).where(table.c.id == record_id, condition)
    return conn.execute(query).first() is not None
