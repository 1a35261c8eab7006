"""Who is editing an app in the designer: each designer page (and each read of the draft
through the API) marks its user as present on the app; a mark older than
:data:`EXPIRES` no longer counts.  The pages poll, so an open page stays present."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.design.tables import design_presence

#: How long a user counts as editing after their page last asked.
EXPIRES = timedelta(minutes=2)


def touch(conn: Connection, app: str, username: str, display_name: str, now: datetime) -> None:
    """Mark ``username`` present on ``app`` at ``now`` and forget the expired marks."""
    table = design_presence
    conn.execute(table.delete().where(table.c.app == app, table.c.seen_at < now - EXPIRES))
    where = (table.c.app == app, table.c.username == username)
    changed = conn.execute(
        table.update().where(*where).values(display_name=display_name, seen_at=now)
    ).rowcount
    if not changed:
        conn.execute(
            table.insert().values(
                app=app, username=username, display_name=display_name, seen_at=now
            )
        )


def others(conn: Connection, app: str, username: str, now: datetime) -> list[dict]:
    """The other users present on ``app``: ``{"user", "name", "last_seen"}``, by name."""
    table = design_presence
    rows = conn.execute(
        sa.select(table.c.username, table.c.display_name, table.c.seen_at)
        .where(table.c.app == app, table.c.username != username, table.c.seen_at >= now - EXPIRES)
        .order_by(table.c.display_name, table.c.username)
    )
    return [
        {"user": row.username, "name": row.display_name, "last_seen": row.seen_at.isoformat()}
        for row in rows
    ]
