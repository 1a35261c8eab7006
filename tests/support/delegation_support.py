"""Helpers of the delegation tests: a delegation's body as the service, the REST API and
the profile page take it, and one written straight into the table.

Days count from ``start`` (or from today, as the delegation service sees it): ``days``
is ``(first, length)``, so ``(0, 3)`` runs from today to three days on.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from formflow.fields.columns import utcnow
from formflow.process.delegation_tables import delegations


def delegation(deputy: str, start: date, length: int = 3, processes=None) -> dict:
    """The body of a delegation to ``deputy`` from ``start`` to ``length`` days on
    (``processes``, when given: only those)."""
    body = {"deputy": deputy, "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=length)).isoformat()}
    return body if processes is None else {**body, "processes": processes}


def away(runtime, user, deputy: str, *, days=(0, 3), processes=None) -> dict:
    """``user`` names ``deputy`` through the delegation service."""
    start = runtime.delegations.today() + timedelta(days=days[0])
    return runtime.delegations.create(user, delegation(deputy, start, days[1], processes))


def away_as_stored(runtime, user, deputy, *, days=(0, 3), processes=None) -> None:
    """A delegation of ``user`` to ``deputy`` (both users) written into the table as it
    stands, checks passed by (one that has ended, say)."""
    start = runtime.delegations.today() + timedelta(days=days[0])
    with runtime.db.write() as conn:
        conn.execute(sa.insert(delegations).values(
            user_id=user.id, deputy_id=deputy.id, starts_on=start,
            ends_on=start + timedelta(days=days[1]), processes=processes,
            created_at=utcnow()))
