"""User ids by name as one process action needs them: the record's creator is looked up
to exclude them from approving, to tell them the outcome and to ask for their rating;
each name is asked of the database once per action (a case carries its lookup, shared
by the copies a branch or a nested move makes of it)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection

from formflow.auth import user_ids_by_name


class People:
    def __init__(self, conn: Connection):
        self.conn = conn
        self._ids: dict[str, int | None] = {}

    def ids_by_name(self, names: Iterable[str]) -> dict[str, int]:
        """Like :func:`formflow.auth.user_ids_by_name`, asking only for names not seen
        before in this action."""
        names = list(names)
        missing = [name for name in names if name not in self._ids]
        if missing:
            found = user_ids_by_name(self.conn, missing)
            self._ids.update((name, found.get(name)) for name in missing)
        return {name: self._ids[name] for name in names if self._ids[name] is not None}
