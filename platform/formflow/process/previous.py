"""Where a record came from: the target of a move back (``@previous``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from formflow.process.tables import events

if TYPE_CHECKING:
    from formflow.process.engine import Case


def previous_state(case: Case) -> str:
    """The state the record came from into its current one.  A move back (to
    ``@previous``) is no coming-from, so sending back twice goes back two steps."""
    rows = case.conn.execute(
        sa.select(events.c.from_state, events.c.data).where(
            events.c.entity == case.entity.qualified_name,
            events.c.record_id == case.record["id"],
            events.c.to_state == case.record["_state"],
        ).order_by(events.c.id.desc())
    )
    for row in rows:
        if row.from_state and not (row.data or {}).get("back"):
            return row.from_state
    return case.process.start
