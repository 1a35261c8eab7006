"""The log of administrative actions: who changed users, roles, departments, API tokens,
the working calendar or webhooks, when, and what changed.

:func:`record` writes one entry on the caller's connection, so it commits or rolls back
with the change it describes; the functions making such changes call it (a page, the
REST API and the CLI reach them alike).  Details never hold a password, a hash or a
token's secret: keys naming one are dropped before writing.  :class:`AdminLog` is the
admins' reading service behind ``GET /api/v1/admin/audit`` and ``/admin/audit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.tables import admin_log
from formflow.errors import Forbidden, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message

#: The actions written by the platform (plugins add theirs: ``register_admin_log_actions``).
ACTIONS = (
    "user.create", "user.update", "user.password", "user.activate", "user.deactivate",
    "role.grant", "role.revoke", "department.create", "department.update", "department.move",
    "org.import",
    "token.create", "token.revoke", "calendar.hours", "calendar.holiday",
    "calendar.holiday.remove", "overlay.accept", "overlay.reapply", "overlay.drop",
    "overlay.reset", "process.fork",
)
#: Keys never written into an entry's details, at any depth.
SECRET_KEYS = frozenset({"password", "password_hash", "token", "token_hash", "secret"})
MAX_PER_PAGE = 200
PER_PAGE = 50


@dataclass(frozen=True)
class Actor:
    """Who acted: a user (``id`` and user name) or the command line (``id`` None)."""

    id: int | None
    name: str


#: The operator running ``formflow`` commands on the server.
CLI = Actor(None, "cli")


@dataclass(frozen=True)
class Target:
    """What an action changed: its kind (``user``, ``department``, ``token``,
    ``calendar``, ``webhook``), id and a name a reader recognises."""

    kind: str
    id: object = None
    name: str | None = None


def actor_of(who: Any) -> Actor:
    """An :class:`Actor` from an actor or a :class:`~formflow.auth.users.User`."""
    if isinstance(who, Actor):
        return who
    return Actor(who.id, who.username)


def record(
    conn: Connection, actor: Any, action: str, target: Target,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Write one entry in the caller's transaction.  ``actor`` is an :class:`Actor` or a
    user; ``details`` a JSON-able mapping of what changed."""
    who = actor_of(actor)
    conn.execute(admin_log.insert().values(
        at=utcnow(), actor_id=who.id, actor=who.name, action=action,
        target_kind=target.kind, target_id=None if target.id is None else str(target.id),
        target_name=target.name, details=_without_secrets(dict(details or {})),
    ))


def _without_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_secrets(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, list | tuple):
        return [_without_secrets(v) for v in value]
    return value


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogQuery:
    """Filters of a reading: ``action`` matches itself and the actions below it
    (``user`` matches ``user.create``); ``actor`` a user name (any case) or ``cli``;
    ``since``/``until`` bound the time (``until`` excluded)."""

    action: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class LogPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int


def parse_query(args: Mapping[str, str], timezone: tzinfo) -> LogQuery:
    """A :class:`LogQuery` from request arguments; every bad one named in one
    :class:`~formflow.errors.ValidationFailed`.  A date alone means the start of that
    day (for ``until``: the end of it) in ``timezone``, as does a time without offset."""
    errors: dict[str, list[Message]] = {}
    values: dict[str, Any] = {}
    for name in ("action", "actor"):
        text = (args.get(name) or "").strip()
        if len(text) > 64:
            errors[name] = [Message("max_length", {"max": 64})]
        elif text:
            values[name] = text
    for name in ("since", "until"):
        text = (args.get(name) or "").strip()
        if text:
            try:
                values[name] = _moment(text, timezone, end_of_day=name == "until")
            except ValueError:
                errors[name] = [Message("invalid_datetime")]
    for name, low, high in (("page", 1, 100000), ("per_page", 1, MAX_PER_PAGE)):
        text = (args.get(name) or "").strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit() and len(text) < 7):
            errors[name] = [Message("invalid_integer")]
        elif int(text) < low:
            errors[name] = [Message("min_value", {"min": low})]
        elif int(text) > high:
            errors[name] = [Message("max_value", {"max": high})]
        else:
            values[name] = int(text)
    if errors:
        raise ValidationFailed(errors)
    return LogQuery(**values)


def _moment(text: str, timezone: tzinfo, *, end_of_day: bool) -> datetime:
    if len(text) == 10:
        day = date.fromisoformat(text)
        start = datetime.combine(day, time(), tzinfo=timezone)
        return start + timedelta(days=1) if end_of_day else start
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone)


def entries(conn: Connection, query: LogQuery) -> LogPage:
    """One page of entries matching ``query``, newest first."""
    where: list[sa.ColumnElement[bool]] = []
    if query.action:
        where.append(sa.or_(admin_log.c.action == query.action,
                            admin_log.c.action.startswith(query.action + ".", autoescape=True)))
    if query.actor:
        where.append(sa.func.lower(admin_log.c.actor) == query.actor.lower())
    if query.since:
        where.append(admin_log.c.at >= query.since)
    if query.until:
        where.append(admin_log.c.at < query.until)
    total = conn.scalar(sa.select(sa.func.count()).select_from(admin_log).where(*where))
    rows = conn.execute(
        sa.select(admin_log).where(*where).order_by(admin_log.c.at.desc(), admin_log.c.id.desc())
        .limit(query.per_page).offset((query.page - 1) * query.per_page)
    ).all()
    return LogPage([_entry_json(row) for row in rows], total, query.page, query.per_page)


def _entry_json(row: sa.Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at.isoformat().replace("+00:00", "Z"),
        "actor": {"id": row.actor_id, "name": row.actor},
        "action": row.action,
        "target": {"kind": row.target_kind, "id": row.target_id, "name": row.target_name},
        "details": row.details,
    }


class AdminLog:
    """The admins' view of the log (anyone else: :class:`~formflow.errors.Forbidden`)."""

    def __init__(self, db, timezone: tzinfo, plugin_actions: Iterable[str] = ()):
        self.db = db
        self.timezone = timezone
        #: The actions the log may hold: the platform's, then the plugins'.
        self.actions = (*ACTIONS, *(a for a in plugin_actions if a not in ACTIONS))

    def page(self, user, args: Mapping[str, str]) -> tuple[LogQuery, LogPage]:
        if not user.is_admin:
            raise Forbidden(Message("forbidden"))
        query = parse_query(args, self.timezone)
        with self.db.read() as conn:
            return query, entries(conn, query)
