"""Sign-in throttling: after too many failures for a key, make the caller wait.

A key is whatever the caller wants limited, typically ``"user:<name>"`` and
``"ip:<address>"`` checked side by side.  Failures are counted in a sliding window.
The counts live in this process by default (one worker, or tests), or in Redis when a
URL is given and the ``redis`` package is installed, so every worker on every host
sees the same counts.  Should Redis be unreachable, sign-in is not blocked: the
failure is logged and the attempt allowed.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Past this many keys the in-process store drops the ones whose window has passed.
_SWEEP_THRESHOLD = 10_000


class LoginThrottle:
    """Allow ``max_attempts`` failures per key within ``window_seconds``."""

    def __init__(
        self,
        max_attempts: int = 5,
        window_seconds: int = 300,
        *,
        redis_url: str | None = None,
        key_prefix: str = "formflow:throttle:login:",
        clock: Callable[[], float] = time.time,
    ):
        if max_attempts < 1 or window_seconds < 1:
            raise ValueError("max_attempts and window_seconds must be positive")
        self.max_attempts = max_attempts
        self.window = window_seconds
        self._clock = clock
        self._store: _MemoryStore | _RedisStore = _MemoryStore(max_attempts)
        if redis_url:
            client = _redis_client(redis_url)
            if client is not None:
                self._store = _RedisStore(client, key_prefix, max_attempts)

    @property
    def shared(self) -> bool:
        """Whether the counts are shared through Redis."""
        return isinstance(self._store, _RedisStore)

    def retry_after(self, key: str) -> int:
        """Seconds to wait before the next attempt for ``key``; 0 when allowed now."""
        now = self._clock()
        try:
            times = self._store.recent(key, now - self.window)
        except Exception:  # a Redis outage must not lock everybody out
            log.warning("login throttle store unavailable; allowing the attempt", exc_info=True)
            return 0
        if len(times) < self.max_attempts:
            return 0
        # Allowed again once the failures still in the window number max_attempts - 1.
        frees_at = times[len(times) - self.max_attempts] + self.window
        return max(1, math.ceil(frees_at - now))

    def failed(self, key: str) -> None:
        """Count a failed attempt for ``key``."""
        try:
            self._store.add(key, self._clock(), self.window)
        except Exception:
            log.warning("login throttle store unavailable; failure not counted", exc_info=True)

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures."""
        try:
            self._store.clear(key)
        except Exception:
            log.warning("login throttle store unavailable", exc_info=True)


class _MemoryStore:
    """The latest ``keep`` failure times per key in this process (only those decide the
    wait); safe to share between threads."""

    def __init__(self, keep: int):
        self._keep = keep
        self._lock = threading.Lock()
        self._times: dict[str, deque[float]] = {}

    def recent(self, key: str, since: float) -> list[float]:
        with self._lock:
            times = self._times.get(key)
            if times is None:
                return []
            while times and times[0] <= since:
                times.popleft()
            if not times:
                del self._times[key]
            return list(times)

    def add(self, key: str, now: float, window: float) -> None:
        with self._lock:
            if len(self._times) >= _SWEEP_THRESHOLD:
                self._sweep(now - window)
            self._times.setdefault(key, deque(maxlen=self._keep)).append(now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._times.pop(key, None)

    def _sweep(self, since: float) -> None:
        for key in [k for k, times in self._times.items() if not times or times[-1] <= since]:
            del self._times[key]


class _RedisStore:
    """The latest ``keep`` failure times per key in a Redis sorted set that expires
    with its window."""

    def __init__(self, client, prefix: str, keep: int):
        self._client = client
        self._prefix = prefix
        self._keep = keep

    def recent(self, key: str, since: float) -> list[float]:
        name = self._prefix + key
        pipe = self._client.pipeline()
        pipe.zremrangebyscore(name, "-inf", since)
        pipe.zrange(name, 0, -1, withscores=True)
        _, members = pipe.execute()
        return sorted(score for _, score in members)

    def add(self, key: str, now: float, window: float) -> None:
        name = self._prefix + key
        pipe = self._client.pipeline()
        pipe.zadd(name, {f"{now!r}:{secrets.token_hex(4)}": now})
        pipe.zremrangebyrank(name, 0, -self._keep - 1)
        pipe.expire(name, math.ceil(window) + 1)
        pipe.execute()

    def clear(self, key: str) -> None:
        self._client.delete(self._prefix + key)


def _redis_client(url: str):
    try:
        import redis
    except ImportError:
        log.warning("redis is not installed; login throttling counts in this process only")
        return None
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
