"""Which entities have subscribed endpoints, remembered per worker.

Every save of every record asks whether an endpoint wants its event; reading the
endpoints table each time cost a query per write (a tenth of a create's time).  A worker
keeps the active endpoints in memory instead and reads them again after
``subscriptions_seconds``.  The memory only ever answers "nobody subscribes": when it
names a candidate, the endpoints table is read as before and decides, so a deactivated,
changed or deleted endpoint never gets a delivery it should not.  An endpoint added or
widened through this worker counts at once; through another worker, within
``subscriptions_seconds``.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

import sqlalchemy as sa

from .delivery import MANUAL_EVENTS
from .tables import endpoints

_BY_DATABASE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class Subscriptions:
    """The events each entity's active endpoints want, read at most every ``seconds``."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._events: dict[str, set[str]] | None = None  # entity -> events wanted
        self._read_at = 0.0

    def wanted(self, conn, entity_name: str, event: str) -> bool:
        """Whether some active endpoint of the entity may want ``event`` (a manual event:
        whether the entity has an active endpoint at all)."""
        events = self._events
        if events is None or self._clock() - self._read_at >= self.seconds:
            events = self._read(conn)
        wanted = events.get(entity_name)
        return wanted is not None and (event in MANUAL_EVENTS or event in wanted)

    def forget(self) -> None:
        """Read the endpoints again at the next question (they were just changed)."""
        self._events = None

    def _read(self, conn) -> dict[str, set[str]]:
        events: dict[str, set[str]] = {}
        query = sa.select(endpoints.c.entity, endpoints.c.events).where(
            endpoints.c.active.is_(True))
        for row in conn.execute(query):
            events.setdefault(row.entity, set()).update(row.events or ())
        self._events, self._read_at = events, self._clock()
        return events


def subscriptions(db, seconds: float) -> Subscriptions:
    """The worker's memory of the subscriptions in the database of ``db``."""
    with _LOCK:
        found = _BY_DATABASE.get(db)
        if found is None:
            found = _BY_DATABASE[db] = Subscriptions(seconds)
        return found
