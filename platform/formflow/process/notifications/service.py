"""Notifications: what the process engine tells a user (a new task, a copy, a reminder, a
breached deadline, a nudge; the requester: an approval, rejection, send-back, transfer or
comment, with who did it and their comment), and what plugins tell users through
:meth:`NotificationService.send` in the kinds they register, listed in the user's inbox
and, when SMTP is configured, sent by e-mail (:mod:`formflow.process.notifications.mail`).

:func:`describe` turns stored notifications into :class:`Notice` objects that name the
record and the step, and :func:`render` words one in a language; the list API and the
e-mails use the same words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User
from formflow.auth.tables import users
from formflow.errors import NotFound
from formflow.fields.columns import utcnow
from formflow.i18n import Message, negotiate
from formflow.metadata.model import Label, Model
from formflow.process.outcomes import OUTCOMES
from formflow.process.tables import events, notifications, tasks
from formflow.storage.repository import insert_returning_ids
from formflow.storage.tables import Schema

MAX_LIST = 200

#: (subject label, sentence) per language.
Texts = Mapping[str, tuple[str, str]]

#: The built-in kinds: (subject label, sentence) per kind and language.
TEXTS: dict[str, Texts] = {
    "task": {
        "en": ("To do", "{entity} “{title}” awaits your decision in the step {state}."),
        "zh-CN": ("待办", "{entity}“{title}”在“{state}”环节等待您处理。"),
    },
    "cc": {
        "en": ("For your information", "{entity} “{title}” has reached the step {state}."),
        "zh-CN": ("抄送", "{entity}“{title}”已进入“{state}”环节。"),
    },
    "reminder": {
        "en": ("Reminder", "{entity} “{title}” awaits your decision in the step {state}; "
                           "it is due {due}."),
        "zh-CN": ("提醒", "{entity}“{title}”在“{state}”环节等待您处理，将于 {due} 到期。"),
    },
    "breach": {
        "en": ("Overdue", "{entity} “{title}” is overdue in the step {state}: "
                          "the deadline was {due}."),
        "zh-CN": ("超时", "{entity}“{title}”在“{state}”环节已超时，期限为 {due}。"),
    },
    "nudge": {
        "en": ("Please act", "The requester of {entity} “{title}” asks you to act on the "
                             "step {state}."),
        "zh-CN": ("催办", "{entity}“{title}”的申请人催促您处理“{state}”环节。"),
    },
}
#: The outcomes of the requester's record (:mod:`formflow.process.outcomes`): the notice
#: names who brought it about, and their comment follows (:data:`COMMENT`).
TEXTS.update({
    "approved": {
        "en": ("Approved", "{actor} approved {entity} “{title}”."),
        "zh-CN": ("已通过", "{actor}已通过您的{entity}“{title}”。"),
    },
    "rejected": {
        "en": ("Rejected", "{actor} rejected {entity} “{title}”."),
        "zh-CN": ("已驳回", "{actor}驳回了您的{entity}“{title}”。"),
    },
    "sent_back": {
        "en": ("Sent back", "{actor} sent {entity} “{title}” back to you: change it and "
                            "submit it again."),
        "zh-CN": ("已退回", "{actor}退回了您的{entity}“{title}”，请修改后重新提交。"),
    },
    "transferred": {
        "en": ("Transferred", "{actor} handed the step {state} of {entity} “{title}” to "
                              "{target}."),
        "zh-CN": ("已转交", "{actor}将{entity}“{title}”的“{state}”环节转交给了{target}。"),
    },
    "commented": {
        "en": ("New comment", "{actor} commented on {entity} “{title}”."),
        "zh-CN": ("新评论", "{actor}评论了您的{entity}“{title}”。"),
    },
})
COMMENT = {"en": " Comment: {comment}", "zh-CN": "意见：{comment}"}
SYSTEM = {"en": "The system", "zh-CN": "系统"}
OTHER = {
    "en": ("Update", "{entity} “{title}” has news."),
    "zh-CN": ("动态", "{entity}“{title}”有新动态。"),
}
NO_DUE = {"en": "soon", "zh-CN": "近期"}


#: (entity, record id) pairs -> the records' titles in the reader's language.
TitlesOf = Callable[[set[tuple[str, int]]], Mapping[tuple[str, int], str]]


@dataclass(frozen=True)
class Notice:
    id: int
    user_id: int
    kind: str
    entity: str  # qualified
    record_id: int
    task_id: int | None
    created_at: datetime
    read_at: datetime | None
    emailed_at: datetime | None
    entity_label: Label | str
    title: str
    state: Label | str
    due_at: datetime | None  # local time (the business time zone)
    #: For outcomes: who brought it about (display name; "" for the system), their
    #: comment, and whom a task was handed to.
    actor: str = ""
    comment: str | None = None
    target: str = ""

    def as_json(self, lang: str, kinds: Mapping[str, Texts] = TEXTS) -> dict[str, Any]:
        subject, text = render(self, lang, kinds)
        app, _, entity = self.entity.partition(".")
        return {
            "id": self.id, "kind": self.kind, "app": app, "entity": entity,
            "record_id": self.record_id, "record_title": self.title, "task_id": self.task_id,
            "subject": subject, "text": text, "created_at": _iso(self.created_at),
            "read_at": _iso(self.read_at),
        }


def render(notice: Notice, lang: str | None,
           kinds: Mapping[str, Texts] = TEXTS) -> tuple[str, str]:
    """The subject line and the sentence of a notice in ``lang`` (zh-CN or en); ``kinds``
    holds the texts of every kind known (the built-in ones and the plugins')."""
    lang = negotiate(lang)
    label, sentence = kinds.get(notice.kind, OTHER)[lang]
    due = notice.due_at.strftime("%Y-%m-%d %H:%M") if notice.due_at else NO_DUE[lang]
    text = sentence.format(entity=_text(notice.entity_label, lang), title=notice.title,
                           state=_text(notice.state, lang), due=due,
                           actor=notice.actor or SYSTEM[lang], target=notice.target)
    if notice.kind in OUTCOMES and notice.comment:
        text += COMMENT[lang].format(comment=notice.comment)
    return f"{label}: {notice.title}" if lang == "en" else f"{label}：{notice.title}", text


def store(conn: Connection, recipients: Sequence[tuple[int, int | None]], kind: str,
          entity: str, record_id: int) -> list[int]:
    """Write a notification for each (user id, task id or None) of ``recipients``
    (``entity`` qualified) in one statement; their ids, in order."""
    return insert_returning_ids(conn, notifications, _rows(recipients, kind, entity, record_id))


def _rows(recipients: Sequence[tuple[int, int | None]], kind: str, entity: str,
          record_id: int) -> list[dict[str, Any]]:
    now = utcnow()
    return [{"user_id": user_id, "kind": kind, "entity": entity, "record_id": record_id,
             "task_id": task_id, "created_at": now} for user_id, task_id in recipients]


#: The notifications waiting in a :func:`together` block of a connection.
_WAITING = "formflow.process.notifications.waiting"


@contextmanager
def together(conn: Connection) -> Iterator[None]:
    """The notifications :func:`store_later` is given on ``conn`` in the block are
    written in one statement at its end (a block inside another joins the outer one)."""
    if _WAITING in conn.info:
        yield
        return
    waiting = conn.info[_WAITING] = []
    try:
        yield
    finally:
        conn.info.pop(_WAITING, None)
    ids = insert_returning_ids(conn, notifications, [row for rows, _ in waiting for row in rows])
    for rows, then in waiting:
        mine, ids = ids[:len(rows)], ids[len(rows):]
        if then is not None:
            then(mine)


def store_later(conn: Connection, recipients: Sequence[tuple[int, int | None]], kind: str,
                entity: str, record_id: int,
                then: Callable[[list[int]], None] | None = None) -> None:
    """:func:`store`, then ``then(ids)``; inside a :func:`together` block, at its end."""
    if not recipients:
        return
    rows = _rows(recipients, kind, entity, record_id)
    waiting = conn.info.get(_WAITING)
    if waiting is not None:
        waiting.append((rows, then))
        return
    ids = insert_returning_ids(conn, notifications, rows)
    if then is not None:
        then(ids)


def describe(conn: Connection, model: Model, schema: Schema, timezone: tzinfo,
             rows: Sequence[sa.Row]) -> list[Notice]:
    """Notices for notification rows, with the record title, step and deadline."""
    task_ids = {r.task_id for r in rows if r.task_id is not None}
    task_rows = {}
    if task_ids:
        query = sa.select(tasks.c.id, tasks.c.state, tasks.c.due_at).where(tasks.c.id.in_(task_ids))
        task_rows = {t.id: t for t in conn.execute(query)}
    records = _records(conn, schema, rows)
    outcomes = _outcome_events(conn, rows)
    found = []
    for row in rows:
        entity = model.entity(row.entity)
        record = records.get((row.entity, row.record_id))
        task = task_rows.get(row.task_id)
        state_name = task.state if task else (record._state if record is not None else None)
        process = model.process_for(entity) if entity else None
        state = process.state(state_name) if process and state_name else None
        title = (record._title if record is not None else None) or (
            f"{record._number}" if record is not None and record._number else f"#{row.record_id}")
        found.append(Notice(
            id=row.id, user_id=row.user_id, kind=row.kind, entity=row.entity,
            record_id=row.record_id, task_id=row.task_id, created_at=row.created_at,
            read_at=row.read_at, emailed_at=row.emailed_at,
            entity_label=entity.label if entity else row.entity, title=title,
            state=state.label if state else (state_name or ""),
            due_at=task.due_at.astimezone(timezone) if task and task.due_at else None,
            **outcomes.get(row.id, {}),
        ))
    return found


def _outcome_events(conn: Connection, rows: Sequence[sa.Row]) -> dict[int, dict[str, Any]]:
    """For each outcome notification, the actor, comment and transfer target of the
    event it tells of: the record's latest event of that sort before the notification
    (both are written in the action's transaction)."""
    wanted = [r for r in rows if r.kind in OUTCOMES]
    if not wanted:
        return {}
    by_entity: dict[str, set[int]] = {}
    for row in wanted:
        by_entity.setdefault(row.entity, set()).add(row.record_id)
    latest = max(r.created_at for r in wanted)
    found_events: dict[tuple[str, int], list[sa.Row]] = {}
    for qualified, ids in by_entity.items():
        query = sa.select(events).where(
            events.c.entity == qualified, events.c.record_id.in_(ids), events.c.at <= latest,
            sa.or_(events.c.to_state.is_not(None), events.c.action.in_(("transfer", "comment"))),
        ).order_by(events.c.id)
        for event in conn.execute(query):
            found_events.setdefault((qualified, event.record_id), []).append(event)
    chosen = {row.id: _told(row, found_events.get((row.entity, row.record_id), []))
              for row in wanted}
    people = {e.actor_id for e in chosen.values() if e is not None}
    targets = {(e.data or {}).get("to") for e in chosen.values() if e is not None}
    names = _display_names(conn, people, {t for t in targets if isinstance(t, str)})
    return {
        notification_id: {
            "actor": names.get(event.actor_id, ""), "comment": event.comment,
            "target": names.get((event.data or {}).get("to"), ""),
        }
        for notification_id, event in chosen.items() if event is not None
    }


def _told(row: sa.Row, record_events: list[sa.Row]) -> sa.Row | None:
    """The event an outcome notification tells of."""
    action = {"transferred": "transfer", "commented": "comment"}.get(row.kind)
    for event in reversed(record_events):
        if event.at > row.created_at:
            continue
        if (event.action == action) if action else event.to_state is not None:
            return event
    return None


def _display_names(conn: Connection, ids: set[int], usernames: set[str]) -> dict:
    """Display names keyed by user id and by user name."""
    if not ids and not usernames:
        return {}
    query = sa.select(users.c.id, users.c.username, users.c.display_name).where(
        sa.or_(users.c.id.in_(ids), users.c.username.in_(usernames)))
    names: dict[Any, str] = {}
    for person in conn.execute(query):
        names[person.id] = names[person.username] = person.display_name or person.username
    return names


def _records(conn: Connection, schema: Schema, rows: Sequence[sa.Row]) -> dict:
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.entity, set()).add(row.record_id)
    found = {}
    for qualified, ids in wanted.items():
        if qualified not in schema.entities:
            continue
        main = schema[qualified].main
        query = sa.select(main.c.id, main.c._title, main.c._number, main.c._state).where(
            main.c.id.in_(ids))
        for record in conn.execute(query):
            found[(qualified, record.id)] = record
    return found


class NotificationService:
    """The caller's notifications: list them, mark them read; and :meth:`send`, for
    plugins."""

    def __init__(self, db, model: Model, schema: Schema, timezone: tzinfo, *,
                 kinds: Mapping[str, Texts] = TEXTS,
                 on_notify: Callable[[Connection, int], None] | None = None):
        self.db = db
        self.model = model
        self.schema = schema
        self.timezone = timezone
        self.kinds = kinds
        #: Called as ``on_notify(conn, notification_id)`` for each one sent (e-mail).
        self.on_notify = on_notify

    def send(self, conn: Connection, user_ids: Iterable[int], kind: str, entity: str,
             record_id: int) -> list[int]:
        """Notify each of ``user_ids`` about record ``record_id`` of ``entity``
        (qualified), in the caller's transaction: the notification is listed once it
        commits and mailed after the commit.  ``kind`` is a registered kind (see the
        ``register_notification_kinds`` hook); returns the notification ids."""
        if kind not in self.kinds:
            raise ValueError(f"unknown notification kind {kind!r}")
        if self.model.entity(entity) is None:
            raise ValueError(f"unknown entity {entity!r}")
        ids = store(conn, [(user_id, None) for user_id in sorted(set(user_ids))], kind, entity,
                    record_id)
        if self.on_notify is not None:
            for notification_id in ids:
                self.on_notify(conn, notification_id)
        return ids

    def list(self, user: User, lang: str, *, unread: bool = False, limit: int = 50,
             offset: int = 0, titles: TitlesOf | None = None) -> dict[str, Any]:
        """Newest first: ``{"items", "total", "unread"}`` (total counts what matched).
        ``titles`` gives the records' titles in ``lang`` for the (entity, id) pairs it is
        handed (the stored title, in the default language, stands for the others)."""
        mine = notifications.c.user_id == user.id
        where = [mine, notifications.c.read_at.is_(None)] if unread else [mine]
        limit = max(1, min(limit, MAX_LIST))
        with self.db.read() as conn:
            rows = conn.execute(sa.select(notifications).where(*where).order_by(
                notifications.c.id.desc()).limit(limit).offset(max(0, offset))).all()
            total = conn.execute(sa.select(sa.func.count()).select_from(notifications)
                                 .where(*where)).scalar_one()
            unread_count = total if unread else conn.execute(
                sa.select(sa.func.count()).select_from(notifications)
                .where(mine, notifications.c.read_at.is_(None))).scalar_one()
            notices = describe(conn, self.model, self.schema, self.timezone, rows)
        if titles is not None and notices:
            found = titles({(n.entity, n.record_id) for n in notices})
            notices = [replace(n, title=found.get((n.entity, n.record_id)) or n.title)
                       for n in notices]
        return {"items": [n.as_json(lang, self.kinds) for n in notices], "total": total,
                "unread": unread_count}

    def unread_count(self, user: User) -> int:
        """How many of the caller's notifications are unread (one count on its index)."""
        with self.db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(notifications).where(
                notifications.c.user_id == user.id, notifications.c.read_at.is_(None),
            )).scalar_one()

    def mark_read(self, user: User, notification_id: int, lang: str) -> dict[str, Any]:
        """Mark one of the caller's notifications read (again: no change)."""
        with self.db.write() as conn:
            mine = [notifications.c.id == notification_id, notifications.c.user_id == user.id]
            conn.execute(notifications.update().where(
                *mine, notifications.c.read_at.is_(None)).values(read_at=utcnow()))
            rows = conn.execute(sa.select(notifications).where(*mine)).all()
            if not rows:
                raise NotFound(Message("not_found"))
            notice = describe(conn, self.model, self.schema, self.timezone, rows)[0]
            return notice.as_json(lang, self.kinds)

    def mark_all_read(self, user: User) -> int:
        with self.db.write() as conn:
            return conn.execute(notifications.update().where(
                notifications.c.user_id == user.id, notifications.c.read_at.is_(None),
            ).values(read_at=utcnow())).rowcount


def _text(value: Label | str, lang: str) -> str:
    return value.text(lang) if isinstance(value, Label) else str(value)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
