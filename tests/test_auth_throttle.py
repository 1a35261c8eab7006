"""Sign-in throttling, in process and (when Redis answers) shared through Redis."""

from __future__ import annotations

import socket
import sys
import threading
import uuid

import pytest

from formflow.auth import throttle as throttle_module
from formflow.auth.throttle import LoginThrottle

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_importable() -> bool:
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    return True


def redis_available() -> bool:
    if not redis_importable():
        return False
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(
    params=[
        "memory",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(not redis_available(), reason="no redis at 127.0.0.1:6379"),
        ),
    ]
)
def make_throttle(request, clock):
    made = []

    def make(max_attempts=5, window_seconds=300):
        if request.param == "memory":
            return LoginThrottle(max_attempts, window_seconds, clock=clock)
        prefix = f"formflow-test:{uuid.uuid4().hex}:"
        throttle = LoginThrottle(
            max_attempts, window_seconds, redis_url=REDIS_URL, key_prefix=prefix, clock=clock
        )
        assert throttle.shared
        made.append(throttle)
        return throttle

    yield make
    for throttle in made:
        client = throttle._store._client
        keys = list(client.scan_iter(match=throttle._store._prefix + "*"))
        if keys:
            client.delete(*keys)


def test_attempts_are_allowed_until_the_limit(make_throttle):
    throttle = make_throttle(max_attempts=3)
    for _ in range(2):
        assert throttle.retry_after("user:alice") == 0
        throttle.failed("user:alice")
    assert throttle.retry_after("user:alice") == 0
    throttle.failed("user:alice")
    assert throttle.retry_after("user:alice") == 300


def test_the_wait_ends_when_the_oldest_failure_leaves_the_window(make_throttle, clock):
    throttle = make_throttle(max_attempts=5, window_seconds=300)
    for _ in range(5):
        throttle.failed("k")
        clock.now += 10
    assert throttle.retry_after("k") == 300 - 50
    clock.now += 249.5
    assert throttle.retry_after("k") == 1  # rounded up, never 0 while blocked
    clock.now += 0.5
    assert throttle.retry_after("k") == 0
    throttle.failed("k")  # the sliding window now holds failures 2..6
    assert throttle.retry_after("k") == 10


def test_failures_beyond_the_limit_extend_the_wait(make_throttle, clock):
    throttle = make_throttle(max_attempts=2, window_seconds=60)
    throttle.failed("k")
    clock.now += 30
    throttle.failed("k")
    throttle.failed("k")
    assert throttle.retry_after("k") == 60


def test_success_forgets_the_failures(make_throttle):
    throttle = make_throttle(max_attempts=2)
    throttle.failed("k")
    throttle.failed("k")
    assert throttle.retry_after("k") > 0
    throttle.succeeded("k")
    assert throttle.retry_after("k") == 0


def test_keys_are_counted_apart(make_throttle):
    throttle = make_throttle(max_attempts=1)
    throttle.failed("user:alice")
    assert throttle.retry_after("user:alice") > 0
    assert throttle.retry_after("user:bob") == 0
    assert throttle.retry_after("ip:10.0.0.1") == 0


def test_hostile_keys_are_just_keys(make_throttle):
    throttle = make_throttle(max_attempts=1)
    key = "user:*\r\nFLUSHALL\x00ü" * 20
    throttle.failed(key)
    assert throttle.retry_after(key) > 0
    assert throttle.retry_after("user:*") == 0


@pytest.mark.skipif(not redis_available(), reason="no redis at 127.0.0.1:6379")
def test_redis_counts_are_shared_between_throttles(clock):
    prefix = f"formflow-test:{uuid.uuid4().hex}:"
    first, second = (
        LoginThrottle(2, 60, redis_url=REDIS_URL, key_prefix=prefix, clock=clock) for _ in range(2)
    )
    first.failed("k")
    second.failed("k")
    assert first.retry_after("k") == second.retry_after("k") == 60
    client = first._store._client
    assert 0 < client.ttl(prefix + "k") <= 61
    first.succeeded("k")
    assert second.retry_after("k") == 0


def test_the_in_process_store_is_thread_safe():
    throttle = LoginThrottle(max_attempts=1000, window_seconds=300)
    errors = []

    def hammer(n):
        try:
            for i in range(300):
                throttle.failed(f"k{i % 3}")
                throttle.retry_after(f"k{(i + n) % 3}")
                if i % 50 == 0:
                    throttle.succeeded(f"k{n % 3}")
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_the_in_process_store_forgets_expired_keys(monkeypatch, clock):
    monkeypatch.setattr(throttle_module, "_SWEEP_THRESHOLD", 10)
    throttle = LoginThrottle(max_attempts=3, window_seconds=60, clock=clock)
    for i in range(10):
        throttle.failed(f"old{i}")
    clock.now += 61
    throttle.failed("new")
    assert set(throttle._store._times) == {"new"}


def test_the_in_process_store_keeps_only_what_decides_the_wait(clock):
    throttle = LoginThrottle(max_attempts=3, window_seconds=60, clock=clock)
    for _ in range(1000):
        throttle.failed("k")
    assert len(throttle._store._times["k"]) == 3


def test_without_the_redis_package_counts_stay_in_process(monkeypatch):
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis -> ImportError
    throttle = LoginThrottle(redis_url=REDIS_URL)
    assert not throttle.shared
    throttle.failed("k")
    assert throttle.retry_after("k") == 0


@pytest.mark.skipif(not redis_importable(), reason="the redis package is not installed")
def test_an_unreachable_redis_does_not_lock_anybody_out():
    throttle = LoginThrottle(max_attempts=1, redis_url="redis://127.0.0.1:1/0")
    assert throttle.shared
    throttle.failed("k")
    assert throttle.retry_after("k") == 0
    throttle.succeeded("k")


@pytest.mark.parametrize(("attempts", "window"), [(0, 300), (5, 0), (-1, -1)])
def test_limits_must_be_positive(attempts, window):
    with pytest.raises(ValueError):
        LoginThrottle(attempts, window)
