"""A process's event log for process-mining tools, as CSV or XES (IEEE 1849), streamed.

Each event has its case (the record's number, else ``app.entity:id``), activity (the
action: ``submit``, ``approve``, ...), timestamp (UTC), resource (the actor's user
name; empty for the system), role (``requester`` when the actor started the case,
``system`` for timers, else the actor's roles in the apps, ``|``-separated), lifecycle
(the XES lifecycle transition, see :data:`LIFECYCLE`) and process version.

Who gets which cases is decided as for the figures (:mod:`formflow.insights.service`).
Events are read in batches ordered by case, so a log of millions of events streams in
constant memory, holds no transaction open between batches and an XES trace is one
case.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

import sqlalchemy as sa

from formflow.auth import User
from formflow.auth.tables import user_roles, users
from formflow.insights.service import InsightsService
from formflow.process.eventlog import csv_chunks
from formflow.process.tables import events

COLUMNS = ("case_id", "activity", "timestamp", "resource", "role", "lifecycle",
           "process_version")
BATCH = 2000
#: XES lifecycle transitions of actions that are not a plain completion.
LIFECYCLE = {"start": "start", "transfer": "reassign", "reassign": "reassign",
             "add_approver": "assign", "withdraw": "withdraw", "cancel": "ate_abort",
             "timeout": "autoskip"}
#: Roles every user has: they say nothing about a resource.
_EVERYONE = frozenset({"user"})

XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<global scope="trace"><string key="concept:name" value=""/></global>
<global scope="event"><string key="concept:name" value=""/>
<date key="time:timestamp" value="1970-01-01T00:00:00.000Z"/>
<string key="lifecycle:transition" value="complete"/></global>
<classifier name="Activity" keys="concept:name"/>
"""


class EventExport:
    def __init__(self, db, insights: InsightsService):
        self.db = db
        self.insights = insights

    def rows(self, user: User, app: str, name: str) -> Iterator[dict]:
        """Check that ``user`` may watch the process (now, before the first row is
        read), then the events of the cases they may see, case by case."""
        process = self.insights.process(app, name)
        with self.db.read() as conn:
            creators = self.insights.visible_creators(conn, user, process)
        return self._rows(process.entity, creators)

    def csv(self, user: User, app: str, name: str) -> Iterator[str]:
        return csv_chunks(self.rows(user, app, name), COLUMNS)

    def xes(self, user: User, app: str, name: str) -> Iterator[str]:
        return _xes_chunks(self.rows(user, app, name), f"{app}.{name}")

    def _rows(self, entity: str, creators: set[int] | None) -> Iterator[dict]:
        main = self.insights.schema[entity].main
        where = [events.c.entity == entity]
        if creators is not None:
            where.append(events.c.record_id.in_(
                sa.select(main.c.id).where(main.c._created_by.in_(sorted(creators)))))
        last = (0, 0)
        while True:
            with self.db.read() as conn:
                rows = conn.execute(
                    sa.select(events.c.id, events.c.record_id, events.c.action, events.c.at,
                              events.c.actor_id, events.c.process_version)
                    .where(*where, sa.or_(events.c.record_id > last[0],
                                          sa.and_(events.c.record_id == last[0],
                                                  events.c.id > last[1])))
                    .order_by(events.c.record_id, events.c.id).limit(BATCH)).all()
                if not rows:
                    return
                ids = {r.record_id for r in rows}
                cases = dict(conn.execute(
                    sa.select(main.c.id, sa.func.coalesce(main.c._number, ""))
                    .where(main.c.id.in_(ids))).all())
                creators_of = dict(conn.execute(sa.select(main.c.id, main.c._created_by)
                                                .where(main.c.id.in_(ids))).all())
                people = _people(conn, {r.actor_id for r in rows} - {None})
            last = (rows[-1].record_id, rows[-1].id)
            for row in rows:
                name, roles = people.get(row.actor_id, ("", ""))
                if row.actor_id is None:
                    role = "system"
                elif row.actor_id == creators_of.get(row.record_id):
                    role = "requester"
                else:
                    role = roles
                yield {
                    "case_id": cases.get(row.record_id) or f"{entity}:{row.record_id}",
                    "activity": row.action,
                    "timestamp": row.at.isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"),
                    "resource": name,
                    "role": role,
                    "lifecycle": LIFECYCLE.get(row.action, "complete"),
                    "process_version": row.process_version,
                }


def _people(conn, ids: set[int]) -> dict[int, tuple[str, str]]:
    """User id -> (user name, their roles joined by ``|``)."""
    if not ids:
        return {}
    names = dict(conn.execute(sa.select(users.c.id, users.c.username)
                              .where(users.c.id.in_(ids))).all())
    roles: dict[int, list[str]] = {}
    for user_id, role in conn.execute(
            sa.select(user_roles.c.user_id, user_roles.c.role)
            .where(user_roles.c.user_id.in_(ids)).order_by(user_roles.c.role)):
        if role not in _EVERYONE:
            roles.setdefault(user_id, []).append(role)
    return {i: (names.get(i, ""), "|".join(roles.get(i, ())) or "user") for i in ids}


def _xes_chunks(rows: Iterator[dict], process: str) -> Iterator[str]:
    yield XES_HEAD + f'<string key="concept:name" value={quoteattr(process)}/>\n'
    case, parts = None, []
    for row in rows:
        if row["case_id"] != case:
            if case is not None:
                parts.append("</trace>\n")
            case = row["case_id"]
            parts.append(f'<trace><string key="concept:name" value={quoteattr(case)}/>\n')
        parts.append(
            f'<event><string key="concept:name" value={quoteattr(row["activity"])}/>'
            f'<date key="time:timestamp" value="{row["timestamp"]}"/>'
            f'<string key="org:resource" value={quoteattr(row["resource"])}/>'
            f'<string key="org:role" value={quoteattr(row["role"])}/>'
            f'<string key="lifecycle:transition" value="{row["lifecycle"]}"/>'
            f'<int key="process_version" value="{int(row["process_version"])}"/></event>\n')
        if len(parts) >= 500:
            yield "".join(parts)
            parts = []
    if case is not None:
        parts.append("</trace>\n")
    parts.append("</log>\n")
    yield "".join(parts)
