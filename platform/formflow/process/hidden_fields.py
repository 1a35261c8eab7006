"""A process state's ``hidden`` fields (隐藏), as a built-in plugin: while a record sits
in a state, the holders of that state's tasks on it (a sequential approval's later turns,
and those who already decided while the record stays, included) do not see the state's
hidden fields, unless they created the record or are admins.  Each task is read against
the process version its record runs on; one query answers for any number of records.
"""

from __future__ import annotations

import sqlalchemy as sa

from formflow.metadata.model import Model
from formflow.plugins import hookimpl
from formflow.process.registry import ProcessRegistry
from formflow.process.tables import process_versions, tasks

#: The task statuses of a state's actors while the record is in it.
HOLDING = ("open", "waiting")
#: The status of a task its holder decided: theirs still while the record stays in its state.
DECIDED = "done"


class HiddenAtStep:
    """Answers ``record_hidden_fields`` and ``record_hidden_anywhere`` from the user's
    tasks in the state their records are in."""

    def __init__(self, model: Model, registry: ProcessRegistry):
        self.model = model
        self.registry = registry
        #: The queries of each (main table, what is asked), built once.
        self._queries: dict[tuple[sa.Table, str], sa.Select] = {}
        #: Process -> whether any of its versions hides a field.
        self._hiding: dict[str, bool] = {}

    @hookimpl
    def record_hidden_fields(self, conn, user, entity, table, record_ids):
        process = self.model.process_for(entity)
        if process is None or user.is_admin or record_ids == []:
            return None
        if not self._hides_anything(conn, process.qualified_name):
            return None
        params: dict[str, object] = {"entity": entity.qualified_name, "user": user.id}
        if record_ids is not None:
            params["ids"] = list(record_ids)
        rows = conn.execute(self._query(table, "all" if record_ids is None else "ids"), params)
        hidden: dict[int, set[str]] = {}
        steps: dict[tuple[int, str], tuple[str, ...]] = {}
        for record_id, version, name in rows:
            if (version, name) not in steps:
                steps[(version, name)] = self._hidden(conn, process, version, name)
            if steps[(version, name)]:
                hidden.setdefault(record_id, set()).update(steps[(version, name)])
        return hidden

    @hookimpl
    def record_hidden_anywhere(self, conn, user, entity, table):
        process = self.model.process_for(entity)
        if process is None or user.is_admin:
            return None
        if not self._hides_anything(conn, process.qualified_name):
            return None
        params = {"entity": entity.qualified_name, "user": user.id}
        rows = conn.execute(self._query(table, "steps"), params)
        return {f for version, name in rows for f in self._hidden(conn, process, version, name)}

    def _hides_anything(self, conn, qualified: str) -> bool:
        """Whether a version of process ``qualified`` (or, for a fork, of the process it
        was forked from) hides a field: most hide nothing, and their readers are spared
        the task queries.  Remembered for this runtime's life: a new version comes with
        new metadata, and so with a new runtime."""
        known = self._hiding.get(qualified)
        if known is None:
            app = qualified.split(".")[0]
            names, known, seen = [qualified], False, set()
            while names and not known:
                name = names.pop()
                seen.add(name)
                documents = conn.execute(
                    sa.select(process_versions.c.document)
                    .where(process_versions.c.process == name)
                ).scalars().all()
                known = any(state.get("hidden") for document in documents
                            for state in document.get("states", []) if isinstance(state, dict))
                names += [f"{app}.{d['forked_from']}" for d in documents
                          if d.get("forked_from") and f"{app}.{d['forked_from']}" not in seen]
            self._hiding[qualified] = known
        return known

    def _hidden(self, conn, process, version: int, name: str) -> tuple[str, ...]:
        """The fields state ``name`` of ``process`` in ``version`` hides."""
        state = self.registry.get(conn, process.qualified_name, version).state(name)
        return state.hidden if state is not None else ()

    def _query(self, table: sa.Table, asked: str) -> sa.Select:
        """The user's tasks on records they did not create, while the tasks are theirs to
        act on: (record, version, state) of every record (``all``) or of some (``ids``),
        or the distinct (version, state) (``steps``)."""
        query = self._queries.get((table, asked))
        if query is None:
            columns = [tasks.c.process_version, tasks.c.state]
            if asked != "steps":
                columns.insert(0, tasks.c.record_id)
            query = (
                sa.select(*columns)
                .join(table, table.c.id == tasks.c.record_id)
                .where(
                    tasks.c.entity == sa.bindparam("entity"),
                    tasks.c.assignee_id == sa.bindparam("user"),
                    tasks.c.kind == "approve",
                    sa.or_(
                        tasks.c.status.in_(HOLDING),
                        sa.and_(tasks.c.status == DECIDED, table.c._state == tasks.c.state),
                    ),
                    sa.or_(
                        table.c._created_by.is_(None),
                        table.c._created_by != sa.bindparam("user"),
                    ),
                )
                .distinct()
            )
            if asked == "ids":
                query = query.where(tasks.c.record_id.in_(sa.bindparam("ids", expanding=True)))
            self._queries[(table, asked)] = query
        return query
