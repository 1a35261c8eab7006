"""The log of automation runs: which automation ran, on what trigger and record, whether
it succeeded, and why not.  Admins read it on ``/admin/automations``.

A run that succeeded is written in the transaction of its trigger, so it exists exactly
when the work it did was kept.  A run that failed rolled its trigger back, so its entry
is written afterwards in a transaction of its own; a run with webhooks is written as
``pending`` and finished once the calls, made after the commit, are answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User
from formflow.auth.tables import users
from formflow.errors import Forbidden
from formflow.fields.columns import UtcDateTime, utcnow
from formflow.i18n import LANGUAGES, Message
from formflow.metadata.model import Label
from formflow.storage.system import system_metadata

_BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")
#: A run's outcomes: done (its work is kept), failed (nothing kept, or a webhook call
#: failed), pending (its webhooks are being called).
STATUSES = ("done", "failed", "pending")
MAX_ERROR = 2000
PER_PAGE = 50
MAX_PER_PAGE = 200

automation_runs = sa.Table(
    "ff_automation_runs",
    system_metadata,
    sa.Column("id", _BIGINT, primary_key=True),
    sa.Column("automation", sa.String(130), nullable=False),  # "app.automation"
    sa.Column("trigger", sa.String(16), nullable=False),  # create, update, enter, schedule
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.JSON),  # {"en": ..., "zh-CN": ...}: why it failed
    sa.Column("actor_id", sa.Integer),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("ix_ff_automation_runs_at", "at"),
    sa.Index("ix_ff_automation_runs_status", "status"),
)


def record_run(conn: Connection, automation: str, trigger: str, entity: str,
               record_id: int | None, status: str, actor_id: int | None,
               error: Message | str | None = None) -> int:
    """Write one run on ``conn``; returns its id."""
    return conn.execute(automation_runs.insert().values(
        automation=automation, trigger=trigger, entity=entity, record_id=record_id,
        status=status, error=_texts(error), actor_id=actor_id, at=utcnow(),
    ).returning(automation_runs.c.id)).scalar_one()


def finish_run(conn: Connection, run_id: int, error: str | None) -> None:
    """Mark a pending run done, or failed with ``error``."""
    conn.execute(automation_runs.update().where(automation_runs.c.id == run_id).values(
        status="failed" if error else "done", error=_texts(error)))


def _texts(error: Message | str | None) -> dict[str, str] | None:
    """An error in every language (a technical one, from a webhook, in English only)."""
    if error is None:
        return None
    if isinstance(error, str):
        return {"en": error[:MAX_ERROR]}
    return {lang: error.render(lang)[:MAX_ERROR] for lang in LANGUAGES}


@dataclass(frozen=True)
class Run:
    id: int
    automation: str
    trigger: str
    entity: str
    record_id: int | None
    status: str
    error: Label | None
    actor: str | None
    at: datetime  # local time


class AutomationLog:
    """The admins' reading service of the run log."""

    def __init__(self, db, timezone: tzinfo | None = None):
        self.db = db
        self.timezone = timezone

    def runs(self, user: User, *, status: str | None = None, automation: str | None = None,
             page: int = 1, per_page: int = PER_PAGE) -> dict[str, Any]:
        """Newest first: ``{"items": [Run], "total", "page", "per_page"}``; admins only.
        An unknown ``status`` matches nothing rather than everything."""
        if not user.is_admin:
            raise Forbidden(Message("forbidden"))
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        where = []
        if status:
            where.append(automation_runs.c.status == status)
        if automation:
            where.append(automation_runs.c.automation == automation)
        query = (sa.select(automation_runs, users.c.username)
                 .join(users, users.c.id == automation_runs.c.actor_id, isouter=True)
                 .where(*where).order_by(automation_runs.c.id.desc())
                 .limit(per_page).offset((page - 1) * per_page))
        with self.db.read() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(automation_runs)
                                 .where(*where)).scalar_one()
            rows = conn.execute(query).all()
        return {"items": [self._run(row._mapping) for row in rows], "total": total,
                "page": page, "per_page": per_page}

    def _run(self, row: Mapping[str, Any]) -> Run:
        at = row["at"].astimezone(self.timezone) if self.timezone else row["at"]
        error = Label.of(row["error"]) if row["error"] else None
        return Run(row["id"], row["automation"], row["trigger"], row["entity"],
                   row["record_id"], row["status"], error, row["username"], at)
