"""People and departments as record pages show them: display names of user names and
names of department codes (the titles of user and department fields), and the choices
of their pickers.  Reads only; one read transaction per call."""

from __future__ import annotations

from collections.abc import Iterable

from formflow.auth import (
    Department,
    User,
    get_users,
    list_departments,
    list_users,
    user_ids_by_name,
)


class People:
    def __init__(self, db):
        self.db = db

    def titles(self, usernames: Iterable[str], departments: bool
               ) -> tuple[dict[str, str], dict[str, str]]:
        """Display names by user name (of those that exist) and, when ``departments``,
        every department's name by code."""
        usernames = set(usernames)
        names: dict[str, str] = {}
        by_code: dict[str, str] = {}
        with self.db.read() as conn:
            if usernames:
                ids = user_ids_by_name(conn, usernames)
                found = get_users(conn, ids.values())
                for name, user_id in ids.items():
                    user = found.get(user_id)
                    names[name] = user.display_name or user.username if user else name
            if departments:
                by_code = {d.code: d.name for d in list_departments(conn)}
        return names, by_code

    def active_users(self) -> list[User]:
        with self.db.read() as conn:
            return list_users(conn, include_inactive=False)

    def departments(self) -> list[Department]:
        with self.db.read() as conn:
            return list_departments(conn)
