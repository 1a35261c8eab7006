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

from formflow.auth import User, grant_for, subtree_ids
from formflow.auth.permissions import EntityGrant
from formflow.auth.tables import users
from formflow.metadata.model import Entity
from formflow.plugins.manager import PluginSet
from formflow.records.hiding import joined
from formflow.storage.tables import Schema


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


class ReadScopes:
    """The users' read scopes on the entities' main tables, widened by the plugins'
    ``record_read_scope`` conditions (the process engine's task holders)."""

    def __init__(self, schema: Schema, plugins: PluginSet):
        self.schema = schema
        self.plugins = plugins

    def grant(self, user: User, entity: Entity) -> EntityGrant:
        """The union of ``user``'s roles' permissions on ``entity``."""
        return grant_for(entity, user.roles)

    def condition(
        self, conn: Connection, user: User, entity: Entity, scope: str | None
    ) -> sa.ColumnElement[bool] | None:
        """The condition on the main table of ``entity`` limiting it to ``scope`` (one
        of the grant's scopes) for ``user``; None when the scope is ``all``."""
        main = self.schema[entity.qualified_name].main
        return scope_condition(conn, main, scope, user, self._also_own(user, entity, scope))

    def read_condition(
        self, conn: Connection, user: User, entity: Entity
    ) -> sa.ColumnElement[bool] | None:
        """The condition limiting ``entity`` to the records ``user`` may read; None when
        the scope is ``all``."""
        return self.condition(conn, user, entity, self.grant(user, entity).read)

    def holds(self, conn: Connection, user: User, entity: Entity, scope: str | None,
              record_id: int) -> bool:
        """Whether the record ``record_id`` is within ``scope`` for ``user``."""
        main = self.schema[entity.qualified_name].main
        return in_scope(conn, main, scope, user, record_id, self._also_own(user, entity, scope))

    def hidden_fields(self, conn: Connection, user: User, entity: Entity,
                      record_ids: Iterable[int] | None = None) -> dict[int, frozenset[str]]:
        """The fields hidden from ``user`` on records of ``entity`` (``record_ids``, or
        every record) beyond their read roles: record id -> names, by the plugins'
        ``record_hidden_fields`` (a process state's ``hidden`` fields)."""
        main = self.schema[entity.qualified_name].main
        ids = None if record_ids is None else list(record_ids)
        return joined(self.plugins.hooks_for(entity.app).record_hidden_fields(
            conn=conn, user=user, entity=entity, table=main, record_ids=ids))

    def hidden_anywhere(self, conn: Connection, user: User, entity: Entity) -> frozenset[str]:
        """The fields hidden from ``user`` on at least one record of ``entity`` (the
        plugins' ``record_hidden_anywhere``)."""
        main = self.schema[entity.qualified_name].main
        answers = self.plugins.hooks_for(entity.app).record_hidden_anywhere(
            conn=conn, user=user, entity=entity, table=main)
        return frozenset(name for answer in answers for name in answer or ())

    def _also_own(self, user: User, entity: Entity, scope: str | None
                  ) -> list[sa.ColumnElement[bool]]:
        """The plugins' conditions under which a record is also ``user``'s own (none
        asked for a scope of all records or of none)."""
        if scope == "all" or scope is None:
            return []
        main = self.schema[entity.qualified_name].main
        answers = self.plugins.hooks_for(entity.app).record_read_scope(
            user=user, entity=entity, table=main)
        return [condition for condition in answers if condition is not None]
