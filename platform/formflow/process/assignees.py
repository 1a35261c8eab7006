"""Resolve assignee rules to users.

Rules: ``{"role": R}``, ``{"user": NAME}``, ``{"field": F}`` (a user field, or a link to
a record with a user field — an employee, say), ``{"manager_of": F}`` (that person's
manager), ``{"department_head": F}`` (the head of a department field, or of that
person's department), ``{"managers_of": F, "levels": N | "until": ...}`` (the manager
chain above that person, see :mod:`formflow.process.manager_chain`).  ``F`` may be
``_created_by``.  A rule with ``when`` applies only while its condition holds for the
record (evaluated through the ``condition`` callback).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import department_ids_by_code, head_of
from formflow.auth.tables import users
from formflow.metadata.model import Assignee, Entity, Model
from formflow.process.manager_chain import managers_above
from formflow.process.people import People

#: Loads a linked record (internal form): (qualified entity, id) -> mapping or None.
Follow = Callable[[str, int], Mapping[str, Any] | None]


#: Whether a rule's ``when`` holds for a record: (expression, record) -> bool.
Condition = Callable[[str, Mapping[str, Any]], bool]


class Resolver:
    def __init__(self, conn: Connection, model: Model, follow: Follow,
                 condition: Condition | None = None, *, people: People | None = None):
        self.conn = conn
        self.model = model
        self.follow = follow
        self.condition = condition
        #: Looks user names and role holders up once per action (the caller's, if kept).
        self.people = people if people is not None else People(conn)

    def users(
        self, rules: Iterable[Assignee], entity: Entity, record: Mapping[str, Any]
    ) -> list[int]:
        """Active user ids the rules name, in rule order, without repeats."""
        rules = tuple(rules)
        found = self.named(rules, entity, record)
        if all(rule.kind == "role" for rule in rules):
            return found  # role holders are looked up among active users already
        active = self.active(found)
        return [u for u in found if u in active]

    def named(
        self, rules: Iterable[Assignee], entity: Entity, record: Mapping[str, Any]
    ) -> list[int]:
        """User ids the rules name, active or not, in rule order, without repeats."""
        found: list[int] = []
        for rule in rules:
            if rule.when and (self.condition is None or not self.condition(rule.when, record)):
                continue  # a conditional rule whose condition does not hold
            for user_id in self._resolve(rule, entity, record):
                if user_id not in found:
                    found.append(user_id)
        return found

    def _resolve(self, rule: Assignee, entity: Entity, record) -> list[int]:
        if rule.kind == "role":
            return self.people.role_holders(rule.value)
        if rule.kind == "user":
            return list(self.people.ids_by_name([rule.value]).values())
        if rule.kind == "field":
            return self._people(entity, record, rule.value)
        if rule.kind == "manager_of":
            people = self._people(entity, record, rule.value)
            rows = self.conn.execute(sa.select(users.c.manager_id).where(users.c.id.in_(people)))
            return [row.manager_id for row in rows if row.manager_id is not None]
        if rule.kind == "department_head":
            return self._heads(entity, record, rule.value)
        if rule.kind == "managers_of":
            people = self._people(entity, record, rule.value)
            return [m for person in people for m in managers_above(self.conn, person, rule)]
        return []

    def _people(self, entity: Entity, record, name: str) -> list[int]:
        """The user ids a field names: a user field, or a link to a record with one."""
        value = record.get(name)
        if value is None:
            return []
        field = entity.field(name)
        if field is not None and field.type == "link":
            target = self.model.entity(field.to or "")
            linked = self.follow(field.to or "", value)
            person = _first_user_field(target) if target else None
            return self._people(target, linked, person) if linked and person else []
        return list(self.people.ids_by_name([value]).values())

    def _heads(self, entity: Entity, record, name: str) -> list[int]:
        field = entity.field(name)
        if field is not None and field.type == "department":
            ids = department_ids_by_code(self.conn, [record.get(name)] if record.get(name) else [])
            department_ids = list(ids.values())
        else:
            people = self._people(entity, record, name)
            rows = self.conn.execute(sa.select(users.c.department_id).where(users.c.id.in_(people)))
            department_ids = [row.department_id for row in rows if row.department_id is not None]
        heads = [head_of(self.conn, d) for d in department_ids]
        return [h for h in heads if h is not None]

    def active(self, ids: Iterable[int]) -> set[int]:
        """Which of the user ids are active users."""
        ids = list(ids)
        if not ids:
            return set()
        return set(self.conn.scalars(_ACTIVE_AMONG, {"p_ids": ids}))


#: Which of users ``p_ids`` are active.
_ACTIVE_AMONG = sa.select(users.c.id).where(
    users.c.id.in_(sa.bindparam("p_ids", expanding=True)), users.c.active.is_(True))


def _first_user_field(entity: Entity) -> str | None:
    return next((f.name for f in entity.scalar_fields if f.type == "user"), None)
