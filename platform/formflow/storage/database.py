"""The database handle: one engine per app, with explicit read and write transactions.

SQLite runs in WAL mode; a write transaction starts with ``BEGIN IMMEDIATE`` so two
writers queue for the lock instead of failing half-way with "database is locked".
A plain ``postgresql://`` URL is served by psycopg 3.

Work that must wait until a write transaction has committed (sending e-mail, say)
registers itself with :func:`after_commit`; it runs only when the commit succeeded.
Work that must happen when a write transaction fails (logging why an automation failed,
counting a refused save) registers itself with :func:`after_rollback`; it runs in a
transaction of its own.

:func:`is_outage` tells a database that cannot be used right now (unreachable, gone
away mid-request, locked past the busy timeout) from a statement that is wrong.  On
PostgreSQL the pool pings a connection that sat idle for :data:`IDLE_PING_SECONDS` before
handing it out (one that was in use a moment ago needs no round trip to prove it is
alive), and a dropped connection invalidates the pool, so the first request after an
outage gets a fresh connection.

:func:`check_each_access` arms a check (a callable given the connection) that every
transaction opened in this context, read or write, runs first: how a request whose
caller was recognised from memory proves, inside its own first transaction, that the
database still agrees (see :mod:`formflow.auth.remembered_tokens`).  On PostgreSQL a
write transaction sends a check's constant query together with its BEGIN, in one round
trip, where psycopg would send the BEGIN alone first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: A pooled PostgreSQL connection idle for longer than this is pinged before it is used.
IDLE_PING_SECONDS = 1.0
#: SQLite primary result codes that mean the file cannot be used now rather than a wrong
#: statement: BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
_SQLITE_OUTAGE_CODES = frozenset({5, 6, 8, 10, 13, 14, 15})
#: The keys in ``Connection.info`` of the callbacks waiting for the write to commit, or
#: to roll back.
_AFTER_COMMIT = "formflow_after_commit"
_AFTER_ROLLBACK = "formflow_after_rollback"
logger = logging.getLogger(__name__)
#: The read every :meth:`Database.read` of this context joins (see ``one_read``).
_SHARED_READ: ContextVar[tuple[Database, Connection] | None] = ContextVar(
    "formflow_shared_read", default=None)
#: The check every transaction of this context runs first (see ``check_each_access``).
_ACCESS_CHECK: ContextVar[Callable[[Connection], object] | None] = ContextVar(
    "formflow_access_check", default=None)


def normalize_url(url: str | URL) -> URL:
    url = sa.make_url(url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


class Database:
    """Owns the engine.  ``write()`` and ``read()`` open one transaction each."""

    def __init__(self, url: str | URL, **engine_options):
        url = normalize_url(url)
        if url.get_backend_name() == "sqlite":
            engine_options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        self.engine: Engine = sa.create_engine(url, **engine_options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        else:
            _ping_idle_connections(self.engine)
        self._writer = self.engine.execution_options(formflow_write=True)
        # PostgreSQL: a write that an access check with a leading query opens sends its
        # BEGIN itself, after that query and in the same round trip (see _begin_after).
        self._self_beginning_writer = (None if self.is_sqlite else self.engine.execution_options(
            formflow_write=True, isolation_level="AUTOCOMMIT"))
        # PostgreSQL reads run in autocommit: under READ COMMITTED each statement sees its
        # own snapshot anyway, so BEGIN and ROLLBACK would only cost two round trips.
        # SQLite keeps its read transaction: one WAL snapshot for every statement of it.
        self._reader = (self.engine if self.is_sqlite
                        else self.engine.execution_options(isolation_level="AUTOCOMMIT"))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on error.
        Then the callbacks registered with :func:`after_commit` run, in order (those of
        :func:`after_rollback` when it rolled back)."""
        waiting: dict[Hashable, Callable[[], object]] = {}
        undone: dict[Hashable, Callable[[], object]] = {}
        check = _ACCESS_CHECK.get()
        leading = None if self.is_sqlite else _leading_query(check)
        writer = self._writer if leading is None else self._self_beginning_writer
        try:
            with writer.begin() as conn:
                conn.info[_AFTER_COMMIT] = waiting
                conn.info[_AFTER_ROLLBACK] = undone
                try:
                    if leading is None:
                        _check_access(conn)
                    else:
                        check.settle(conn, _begin_after(conn, leading))
                    yield conn
                finally:
                    # A connection the database dropped is discarded with its info; asking
                    # for its info would raise and hide the error that dropped it.
                    if not conn.invalidated:
                        conn.info.pop(_AFTER_COMMIT, None)
                        conn.info.pop(_AFTER_ROLLBACK, None)
        except BaseException:
            _run(undone, "after-rollback")
            raise
        _run(waiting, "after-commit")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (SQLite: one transaction, rolled back at the end);
        inside :meth:`one_read`, that read's connection."""
        shared = _SHARED_READ.get()
        if shared is not None and shared[0] is self:
            yield shared[1]
            return
        with self._reader.connect() as conn:
            _check_access(conn)
            yield conn

    @contextmanager
    def one_read(self) -> Iterator[Connection]:
        """One read for everything read inside the block: each :meth:`read` in it, by
        any service, joins it instead of opening a transaction of its own.  For a page
        that shows what several services know (one snapshot, one transaction)."""
        with self.read() as conn:
            token = _SHARED_READ.set((self, conn))
            try:
                yield conn
            finally:
                _SHARED_READ.reset(token)

    @contextmanager
    def read_transaction(self) -> Iterator[Connection]:
        """A read-only transaction on every backend (rolled back at the end): for reads
        that need one, such as streaming rows through a server-side cursor."""
        with self.engine.connect() as conn:
            _check_access(conn)
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def check_each_access(check: Callable[[Connection], object]) -> Iterator[None]:
    """Inside the block, each read and write transaction of this context calls
    ``check(conn)`` before anything else; an exception it raises ends that transaction
    (rolled back) and reaches whoever opened it.  A check that first reads one constant
    query may offer it as ``leading_query()`` (SQL text without parameters, or None): a
    write on PostgreSQL then runs it with its BEGIN and calls ``check.settle(conn,
    value)`` with its first value instead."""
    token = _ACCESS_CHECK.set(check)
    try:
        yield
    finally:
        _ACCESS_CHECK.reset(token)


def _check_access(conn: Connection) -> None:
    check = _ACCESS_CHECK.get()
    if check is not None:
        check(conn)


def _leading_query(check: Callable[[Connection], object] | None) -> str | None:
    """The constant query a check would run first, when it offers one (``leading_query``):
    a write on PostgreSQL then sends it with its BEGIN and gives the check its value
    (``settle(conn, value)``) instead of calling it."""
    offer = getattr(check, "leading_query", None)
    return offer() if offer is not None else None


def _begin_after(conn: Connection, query: str) -> object:
    """Begin the transaction of ``conn`` (its driver in autocommit) in the round trip of
    ``query``, which runs first; returns the query's first value.  Under READ COMMITTED
    the query sees what it would see as the transaction's first statement: PostgreSQL
    makes a BEGIN in a query of several statements a transaction of all of them."""
    return conn.exec_driver_sql(f"{query}; BEGIN",
                                execution_options={"no_parameters": True}).scalar()


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be used right now (worth a retry),
    as opposed to a bug in a statement or a constraint the data broke."""
    if isinstance(error, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return False
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is None or code & 0xFF in _SQLITE_OUTAGE_CODES


def after_commit(conn: Connection, callback: Callable[[], object],
                 key: Hashable | None = None) -> Callable[[], object] | None:
    """Run ``callback()`` once the write transaction of ``conn`` has committed (never when
    it rolls back).  With ``key``, only the first callback registered under it is kept;
    the kept callback is returned, so callers can gather work into one batch.  Returns
    None outside a ``Database.write()`` transaction (nothing is registered)."""
    waiting = conn.info.get(_AFTER_COMMIT)
    if waiting is None:
        return None
    return waiting.setdefault(key if key is not None else object(), callback)


def after_rollback(conn: Connection, callback: Callable[[], object],
                   key: Hashable | None = None) -> None:
    """Run ``callback()`` once the write transaction of ``conn`` has rolled back because
    of an error (never when it commits); with ``key``, only the first callback registered
    under it.  Nothing is registered outside a ``Database.write()`` transaction."""
    undone = conn.info.get(_AFTER_ROLLBACK)
    if undone is not None:
        undone.setdefault(key if key is not None else object(), callback)


def _run(callbacks: dict[Hashable, Callable[[], object]], when: str) -> None:
    for callback in callbacks.values():
        try:
            callback()
        except Exception:  # the transaction is over: report the failure, go on
            logger.exception("%s work %r failed", when, callback)


def _ping_idle_connections(engine: Engine) -> None:
    """Before handing out a connection that sat idle in the pool, check that the server
    still answers; a dead one is replaced (the pool retries on DisconnectionError)."""

    @sa.event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError(str(error)) from error


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Take over transaction control from the sqlite3 module (it would otherwise
        # begin transactions lazily and never with IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(conn: Connection):
        write = conn.get_execution_options().get("formflow_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
