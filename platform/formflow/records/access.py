"""Row-level access: turn a permission scope into a SQL condition on an entity table.

Scopes: ``all``; ``department`` (records created by anyone in the user's department or
below it); ``own`` (records the user created); None (nothing).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User, subtree_ids
from formflow.auth.tables import users


def scope_condition(
    conn: Connection, table: sa.Table, scope: str | None, user: User
) -> sa.ColumnElement[bool] | None:
    """The WHERE condition limiting ``table`` to ``scope``; None means no limit."""
    if scope == "all":
        return None
    if scope == "department" and user.department_id is not None:
        departments = subtree_ids(conn, user.department_id)
        members = sa.select(users.c.id).where(users.c.department_id.in_(departments))
        return sa.or_(table.c._created_by == user.id, table.c._created_by.in_(members))
    if scope in ("own", "department"):
        return table.c._created_by == user.id
    return sa.false()


def in_scope(conn: Connection, table: sa.Table, scope: str | None, user: User, record_id: int):
    condition = scope_condition(conn, table, scope, user)
    if condition is None:
        return True
    query = sa.select(table.c.id).where(table.c.id == record_id, condition)
    return conn.execute(query).first() is not None
