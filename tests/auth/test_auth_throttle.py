"""Rate limits on guessing: counted atomically before the check, in process, in the
database and (when Redis answers) in Redis; and 20 sign-ins at once get at most the
limit's number of password checks."""

from __future__ import annotations

import socket
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from formflow.auth import create_token, create_user, get_user_by_name
from formflow.auth import throttle as throttle_module
from formflow.auth.tables import rate_limits
from formflow.auth.throttle import LoginThrottle
from formflow.storage.database import Database
from support import PASSWORD
from support.web_support import csrf

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
        "database",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(not redis_available(), reason="no redis at 127.0.0.1:6379"),
        ),
    ]
)
def store(request):
    return request.param


@pytest.fixture
def make_throttle(store, clock, database_url):
    made = []
    databases = []

    def make(max_attempts=5, window_seconds=300):
        if store == "memory":
            return LoginThrottle(max_attempts, window_seconds, clock=clock)
        if store == "database":
            if not databases:
                databases.append(Database(database_url))
                rate_limits.create(databases[0].engine, checkfirst=True)
            return LoginThrottle(max_attempts, window_seconds, db=databases[0], clock=clock)
        prefix = f"formflow-test:{uuid.uuid4().hex}:"
        throttle = LoginThrottle(
            max_attempts, window_seconds, redis_url=REDIS_URL, key_prefix=prefix, clock=clock
        )
        made.append(throttle)
        return throttle

    yield make
    for throttle in made:
        client = throttle._store._client
        keys = list(client.scan_iter(match=throttle._store._prefix + "*"))
        if keys:
            client.delete(*keys)
    for database in databases:
        database.dispose()


def test_attempts_are_allowed_up_to_the_limit(make_throttle):
    throttle = make_throttle(max_attempts=3)
    assert [throttle.attempt("k") for _ in range(3)] == [0, 0, 0]
    assert throttle.attempt("k") == 300
    assert throttle.retry_after("k") == 300


def test_retry_after_only_reads(make_throttle):
    throttle = make_throttle(max_attempts=1)
    for _ in range(5):
        assert throttle.retry_after("k") == 0
    assert throttle.attempt("k") == 0
    assert throttle.retry_after("k") > 0


def test_success_forgets_the_attempts(make_throttle):
    throttle = make_throttle(max_attempts=2)
    throttle.attempt("k")
    throttle.attempt("k")
    assert throttle.attempt("k") > 0
    throttle.succeeded("k")
    assert throttle.retry_after("k") == 0
    assert throttle.attempt("k") == 0


def test_keys_are_counted_apart(make_throttle):
    throttle = make_throttle(max_attempts=1)
    throttle.attempt("login:alice")
    assert throttle.attempt("login:alice") > 0
    assert throttle.attempt("login:bob") == 0
    assert throttle.attempt("token:10.0.0.1") == 0


def test_hostile_keys_are_just_keys(make_throttle):
    throttle = make_throttle(max_attempts=1)
    key = "user:*\r\nFLUSHALL\x00ü' OR 1=1 --" * 20
    throttle.attempt(key)
    assert throttle.retry_after(key) > 0
    assert throttle.retry_after("user:*") == 0


def test_concurrent_attempts_never_overrun_the_limit(make_throttle):
    throttle = make_throttle(max_attempts=5)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: throttle.attempt("k"), range(40)))
    assert answers.count(0) == 5


@pytest.mark.parametrize("store", ["memory", "database"])
def test_the_window_ends_and_a_new_one_opens(make_throttle, clock):
    throttle = make_throttle(max_attempts=2, window_seconds=60)
    throttle.attempt("k")
    clock.now += 20
    throttle.attempt("k")
    assert throttle.attempt("k") == 40
    clock.now += 39.5
    assert throttle.retry_after("k") == 1  # rounded up, never 0 while blocked
    clock.now += 0.5
    assert throttle.retry_after("k") == 0
    assert throttle.attempt("k") == 0  # the first of a new window
    assert throttle.attempt("k") == 0
    assert throttle.attempt("k") == 60


@pytest.mark.skipif(not redis_available(), reason="no redis at 127.0.0.1:6379")
def test_redis_counts_are_shared_between_throttles_and_expire(clock):
    prefix = f"formflow-test:{uuid.uuid4().hex}:"
    first, second = (
        LoginThrottle(2, 60, redis_url=REDIS_URL, key_prefix=prefix, clock=clock) for _ in range(2)
    )
    assert first.shared
    first.attempt("k")
    second.attempt("k")
    assert 59 <= first.attempt("k") <= 60
    client = first._store._client
    assert 0 < client.ttl(prefix + "k") <= 60
    first.succeeded("k")
    assert second.retry_after("k") == 0


def test_database_counts_are_shared_between_throttles(database_url, clock):
    database = Database(database_url)
    rate_limits.create(database.engine, checkfirst=True)
    try:
        first, second = (LoginThrottle(2, 60, db=database, clock=clock) for _ in range(2))
        assert first.shared
        first.attempt("k")
        second.attempt("k")
        assert first.attempt("k") == 60
        second.succeeded("k")
        assert first.retry_after("k") == 0
    finally:
        database.dispose()


def test_the_database_store_deletes_passed_windows(monkeypatch, database_url, clock):
    monkeypatch.setattr(throttle_module, "_DB_SWEEP_EVERY", 5)
    database = Database(database_url)
    rate_limits.create(database.engine, checkfirst=True)
    try:
        throttle = LoginThrottle(3, 60, db=database, clock=clock)
        for i in range(4):
            throttle.attempt(f"old{i}")
        clock.now += 61
        throttle.attempt("new")
        with database.read() as conn:
            assert conn.execute(rate_limits.select()).all() == [
                (throttle_module._digest("new"), 1, clock.now + 60)
            ]
    finally:
        database.dispose()


def test_the_in_process_store_is_thread_safe():
    throttle = LoginThrottle(max_attempts=1000, window_seconds=300)
    errors = []

    def hammer(n):
        try:
            for i in range(300):
                throttle.attempt(f"k{i % 3}")
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
        throttle.attempt(f"old{i}")
    clock.now += 61
    throttle.attempt("new")
    assert set(throttle._store._windows) == {"new"}


def test_without_the_redis_package_counts_stay_in_process(monkeypatch):
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis -> ImportError
    throttle = LoginThrottle(max_attempts=1, redis_url=REDIS_URL)
    assert not throttle.shared
    throttle.attempt("k")
    assert throttle.attempt("k") > 0


@pytest.mark.skipif(not redis_importable(), reason="the redis package is not installed")
def test_an_unreachable_redis_does_not_lock_anybody_out():
    throttle = LoginThrottle(max_attempts=1, redis_url="redis://127.0.0.1:1/0")
    assert throttle.shared
    assert [throttle.attempt("k") for _ in range(3)] == [0, 0, 0]
    assert throttle.retry_after("k") == 0
    throttle.succeeded("k")


# -- the places that check a secret ------------------------------------------------------


@pytest.fixture
def counted_checks(monkeypatch):
    """Counts the password checks, each slowed down so that parallel requests overlap."""
    import time

    from formflow.auth import sessions

    checks = []
    real = sessions.verify_password

    def slow_verify(stored, password):
        checks.append(password)
        time.sleep(0.05)
        return real(stored, password)

    monkeypatch.setattr(sessions, "verify_password", slow_verify)
    return checks


def parallel(count, call):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: call(), range(count)))


def test_twenty_parallel_wrong_passwords_get_at_most_five_checks(app, make_user, counted_checks):
    make_user("alice")

    def sign_in():
        client = app.test_client()
        client.get("/login")
        return client.post("/login", data={"username": "alice", "password": "wrong-guess",
                                           "csrf_token": csrf(client)}).status_code

    statuses = parallel(20, sign_in)
    assert len(counted_checks) <= 5
    assert sorted(statuses) == [401] * 5 + [429] * 15


@pytest.mark.skipif(not redis_available(), reason="no redis at 127.0.0.1:6379")
def test_twenty_parallel_wrong_passwords_get_at_most_five_checks_with_redis(
    make_app, metadata_path, counted_checks
):
    app = make_app(metadata_path, REDIS_URL=REDIS_URL)
    runtime = app.extensions["formflow"]
    assert isinstance(runtime.login_throttle._store, throttle_module._RedisStore)
    name = f"u{uuid.uuid4().hex[:10]}"  # a key of its own in the shared Redis database
    with runtime.db.write() as conn:
        create_user(conn, name, PASSWORD)

    def sign_in():
        client = app.test_client()
        client.get("/login")
        return client.post("/login", data={"username": name, "password": "wrong-guess",
                                           "csrf_token": csrf(client)}).status_code

    try:
        statuses = parallel(20, sign_in)
    finally:
        runtime.login_throttle.succeeded(f"login:{name}|127.0.0.1")
    assert len(counted_checks) <= 5
    assert sorted(statuses) == [401] * 5 + [429] * 15


def test_the_throttle_is_shared_through_the_database(runtime):
    assert runtime.login_throttle.shared


def test_twenty_parallel_wrong_tokens_get_at_most_five_plain_refusals(make_app, metadata_path):
    app = make_app(metadata_path, TOKEN_ATTEMPTS=5)

    def call():
        return app.test_client().get(
            "/api/v1/meta", headers={"Authorization": "Bearer ff_" + "x" * 43}
        ).status_code

    statuses = parallel(20, call)
    assert sorted(statuses) == [401] * 5 + [429] * 15


def test_wrong_tokens_have_a_limit_of_their_own(app, runtime):
    assert runtime.token_throttle.max_attempts == 100
    assert runtime.token_throttle.shared
    for _ in range(8):
        response = app.test_client().get("/api/v1/meta", headers={"Authorization": "Bearer x"})
        assert response.status_code == 401


def test_a_right_token_still_works_after_wrong_ones(make_app, metadata_path):
    app = make_app(metadata_path, TOKEN_ATTEMPTS=2)
    with app.extensions["formflow"].db.write() as conn:
        _, token = create_token(conn, get_user_by_name(conn, "admin").id, "t")
    for _ in range(8):
        app.test_client().get("/api/v1/meta", headers={"Authorization": "Bearer nonsense"})
    right = app.test_client().get("/api/v1/meta", headers={"Authorization": f"Bearer {token}"})
    assert right.status_code == 200


def test_a_right_password_resets_the_count(client, make_user):
    make_user("alice")
    client.get("/login")
    for _ in range(4):
        client.post("/login", data={"username": "alice", "password": "wrong-guess",
                                    "csrf_token": csrf(client)})
    client.post("/login", data={"username": "alice", "password": PASSWORD,
                                "csrf_token": csrf(client)})
    client.post("/logout", data={"csrf_token": csrf(client)})
    client.get("/login")
    for _ in range(4):
        response = client.post("/login", data={"username": "alice", "password": "wrong-guess",
                                               "csrf_token": csrf(client)})
        assert response.status_code == 401


@pytest.mark.parametrize(("attempts", "window"), [(0, 300), (5, 0), (-1, -1)])
def test_limits_must_be_positive(attempts, window):
    with pytest.raises(ValueError):
        LoginThrottle(attempts, window)
