"""Rate limits on guessing: count an attempt first, then check it.

A key is whatever the caller wants limited, such as ``"login:<name>|<address>"``.
:meth:`LoginThrottle.attempt` counts one attempt for the key and answers, from the same
atomic step, whether it is within the limit; only then does the caller check the
password or token.  Twenty attempts sent at once therefore get at most ``max_attempts``
checks between them: there is no gap between reading a count and raising it.

A window opens with a key's first attempt and lasts ``window_seconds``; a success
(:meth:`LoginThrottle.succeeded`) forgets the key.  The counts live

- in Redis when a URL is given and the ``redis`` package is installed (``INCR`` inside
  ``MULTI``), shared by every worker on every host;
- else in the database when one is given (``INSERT ... ON CONFLICT DO UPDATE ...
  RETURNING`` on ``ff_rate_limits``), shared by every worker using it;
- else in this process (one worker, or tests).

Should the store be unreachable, nobody is locked out: the failure is logged and the
attempt allowed.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa

from formflow.auth.tables import rate_limits

log = logging.getLogger(__name__)

#: Past this many keys the in-process store drops the ones whose window has passed.
_SWEEP_THRESHOLD = 10_000
#: The database store deletes the rows of passed windows once per this many attempts.
_DB_SWEEP_EVERY = 200


class LoginThrottle:
    """Allow ``max_attempts`` attempts per key within a window of ``window_seconds``
    that opens with the key's first attempt."""

    def __init__(
        self,
        max_attempts: int = 5,
        window_seconds: int = 300,
        *,
        redis_url: str | None = None,
        db=None,
        key_prefix: str = "formflow:throttle:",
        clock: Callable[[], float] = time.time,
    ):
        if max_attempts < 1 or window_seconds < 1:
            raise ValueError("max_attempts and window_seconds must be positive")
        self.max_attempts = max_attempts
        self.window = window_seconds
        self._clock = clock
        self._store: _MemoryStore | _DatabaseStore | _RedisStore = _MemoryStore()
        client = _redis_client(redis_url) if redis_url else None
        if client is not None:
            self._store = _RedisStore(client, key_prefix)
        elif db is not None:
            self._store = _DatabaseStore(db)

    @property
    def shared(self) -> bool:
        """Whether the counts are shared with other processes."""
        return not isinstance(self._store, _MemoryStore)

    def attempt(self, key: str) -> int:
        """Count one attempt for ``key``, before it is checked: 0 when it is within the
        limit and may be checked, else the seconds until the window ends (at least 1)."""
        now = self._clock()
        try:
            count, ends = self._store.add(key, now, self.window)
        except Exception:  # an outage of the store must not lock everybody out
            log.warning("throttle store unavailable; allowing the attempt", exc_info=True)
            return 0
        return 0 if count <= self.max_attempts else max(1, math.ceil(ends - now))

    def retry_after(self, key: str) -> int:
        """Seconds to wait before ``key`` may be tried again; 0 when it may now.  Only
        reads: decide on an attempt with :meth:`attempt`."""
        now = self._clock()
        try:
            count, ends = self._store.get(key, now)
        except Exception:
            log.warning("throttle store unavailable; allowing the attempt", exc_info=True)
            return 0
        return 0 if count < self.max_attempts else max(1, math.ceil(ends - now))

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s attempts."""
        try:
            self._store.clear(key)
        except Exception:
            log.warning("throttle store unavailable", exc_info=True)


class _MemoryStore:
    """Counts and window ends per key in this process; safe to share between threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}

    def add(self, key: str, now: float, window: float) -> tuple[int, float]:
        with self._lock:
            if len(self._windows) >= _SWEEP_THRESHOLD:
                self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
            count, ends = self._windows.get(key, (0, now))
            if ends <= now:
                count, ends = 0, now + window
            self._windows[key] = (count + 1, ends)
            return count + 1, ends

    def get(self, key: str, now: float) -> tuple[int, float]:
        with self._lock:
            count, ends = self._windows.get(key, (0, now))
            return (count, ends) if ends > now else (0, now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


class _DatabaseStore:
    """One row per key in ``ff_rate_limits`` (the key's SHA-256, so any key fits),
    raised and read back in one statement."""

    def __init__(self, db):
        self._db = db
        self._calls = itertools.count(1)
        dialect = db.engine.dialect.name
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        self._insert = insert

    def add(self, key: str, now: float, window: float) -> tuple[int, float]:
        passed = rate_limits.c.expires_at <= now
        statement = (
            self._insert(rate_limits)
            .values(key=_digest(key), count=1, expires_at=now + window)
            .on_conflict_do_update(
                index_elements=[rate_limits.c.key],
                set_={
                    "count": sa.case((passed, 1), else_=rate_limits.c.count + 1),
                    "expires_at": sa.case((passed, now + window), else_=rate_limits.c.expires_at),
                },
            )
            .returning(rate_limits.c.count, rate_limits.c.expires_at)
        )
        with self._db.write() as conn:
            count, ends = conn.execute(statement).one()
            if next(self._calls) % _DB_SWEEP_EVERY == 0:
                conn.execute(rate_limits.delete().where(rate_limits.c.expires_at <= now))
        return count, ends

    def get(self, key: str, now: float) -> tuple[int, float]:
        with self._db.read() as conn:
            row = conn.execute(
                sa.select(rate_limits.c.count, rate_limits.c.expires_at).where(
                    rate_limits.c.key == _digest(key), rate_limits.c.expires_at > now
                )
            ).first()
        return (row.count, row.expires_at) if row else (0, now)

    def clear(self, key: str) -> None:
        with self._db.write() as conn:
            conn.execute(rate_limits.delete().where(rate_limits.c.key == _digest(key)))


class _RedisStore:
    """A counter per key that expires with its window: ``SET NX EX``, ``INCR`` and
    ``PTTL`` in one ``MULTI`` transaction."""

    def __init__(self, client, prefix: str):
        self._client = client
        self._prefix = prefix

    def add(self, key: str, now: float, window: float) -> tuple[int, float]:
        name = self._prefix + key
        pipe = self._client.pipeline(transaction=True)
        pipe.set(name, 0, ex=math.ceil(window), nx=True)
        pipe.incr(name)
        pipe.pttl(name)
        _, count, ttl_ms = pipe.execute()
        return count, now + max(ttl_ms, 0) / 1000

    def get(self, key: str, now: float) -> tuple[int, float]:
        name = self._prefix + key
        pipe = self._client.pipeline(transaction=True)
        pipe.get(name)
        pipe.pttl(name)
        count, ttl_ms = pipe.execute()
        return (int(count), now + ttl_ms / 1000) if count is not None and ttl_ms > 0 else (0, now)

    def clear(self, key: str) -> None:
        self._client.delete(self._prefix + key)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _redis_client(url: str):
    try:
        import redis
    except ImportError:
        log.warning("redis is not installed; rate limits are counted without it")
        return None
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
