"""User ids as one process action needs them: the record's creator is looked up to
exclude them from approving, to tell them the outcome and to ask for their rating, a
role's holders to give its tasks, with the delegations they run on the action's day
(whether a task goes to a deputy).  Each name and each role is asked of the database
once per action (a case carries its lookups, shared by the copies a branch or a nested
move makes of it), by statements built once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.tables import user_roles, users
from formflow.auth.users import is_valid_username
from formflow.process.delegation_tables import delegations

#: Up to this many names go in one query.
_CHUNK = 500

_LOWER_NAME = sa.func.lower(users.c.username)
#: The ids of the names ``p_keys`` (lower case).
_BY_NAME = sa.select(users.c.id, _LOWER_NAME.label("key")).where(
    _LOWER_NAME.in_(sa.bindparam("p_keys", expanding=True)))
#: The id of the user named ``p_name`` (any case): a subquery for a query of its own.
ID_BY_NAME = sa.select(users.c.id).where(
    sa.func.lower(users.c.username) == sa.func.lower(sa.bindparam("p_name"))).scalar_subquery()
_DAY = sa.bindparam("p_day", type_=sa.Date)
#: Every active user with the delegations they run on day ``p_day`` (none: nulls).
_ACTIVE = sa.select(users.c.id, delegations.c.deputy_id, delegations.c.processes).outerjoin(
    delegations, sa.and_(delegations.c.user_id == users.c.id, delegations.c.starts_on <= _DAY,
                         delegations.c.ends_on >= _DAY),
).where(users.c.active.is_(True))
#: The same of the holders of role ``p_role``.
_ROLE_HOLDERS = _ACTIVE.join(user_roles, user_roles.c.user_id == users.c.id).where(
    user_roles.c.role == sa.bindparam("p_role"))

#: A delegation as :func:`~formflow.process.delegation.delegate` reads it: (user id,
#: deputy id, qualified process names or None for every process).
Delegation = tuple[int, int, Any]


class People:
    def __init__(self, conn: Connection):
        self.conn = conn
        #: The day (in the business time zone) delegations are read for; see ``on_day``.
        self.day: date | None = None
        self._ids: dict[str, int | None] = {}
        self._roles: dict[str, list[int]] = {}
        #: The delegations running on ``day`` of the users read with a role.
        self._delegations: dict[int, list[Delegation]] = {}

    def on_day(self, day: date) -> None:
        """Read role holders with the delegations they run on ``day`` (the first day
        given counts: one action, one day)."""
        if self.day is None:
            self.day = day

    def know(self, name: str, user_id: int | None) -> None:
        """Keep what a query of the caller's found: ``name`` is user ``user_id`` (None: no
        such user)."""
        self._ids[name] = user_id

    def ids_by_name(self, names: Iterable[str]) -> dict[str, int]:
        """User ids keyed by the names as given (matched regardless of case; unknown and
        malformed names left out), asking only for names not seen before in this
        action."""
        names = list(names)
        missing = [name for name in names if name not in self._ids]
        if missing:
            found = self._look_up(missing)
            self._ids.update((name, found.get(name)) for name in missing)
        return {name: self._ids[name] for name in names if self._ids[name] is not None}

    def role_holders(self, role: str) -> list[int]:
        """The ids of the active users holding ``role`` (``"user"``: everybody), in order."""
        found = self._roles.get(role)
        if found is None:
            rows = (self.conn.execute(_ACTIVE, {"p_day": self.day}) if role == "user"
                    else self.conn.execute(_ROLE_HOLDERS, {"p_role": role, "p_day": self.day}))
            holders: dict[int, list[Delegation]] = {}
            for user_id, deputy_id, processes in rows:
                running = holders.setdefault(user_id, [])
                if deputy_id is not None:
                    running.append((user_id, deputy_id, processes))
            if self.day is not None:
                self._delegations.update(holders)
            found = self._roles[role] = sorted(holders)
        return list(found)

    def delegations(self, user_ids: Iterable[int], day: date) -> list[Delegation] | None:
        """The delegations ``user_ids`` run on ``day`` as read with their roles; None
        when some of them were not (or on another day)."""
        if day != self.day:
            return None
        found: list[Delegation] = []
        for user_id in user_ids:
            running = self._delegations.get(user_id)
            if running is None:
                return None
            found.extend(running)
        return found

    def _look_up(self, names: list[str]) -> dict[str, int]:
        wanted: dict[str, list[str]] = {}
        for name in names:
            if is_valid_username(name):
                wanted.setdefault(name.lower(), []).append(name)
        keys = sorted(wanted)
        result: dict[str, int] = {}
        for start in range(0, len(keys), _CHUNK):
            for row in self.conn.execute(_BY_NAME, {"p_keys": keys[start:start + _CHUNK]}):
                for name in wanted.get(row.key, ()):
                    result[name] = row.id
        return result
