"""Rows of a table in another database, for the import service: a legacy system's data
imported without exporting files first.

Any database SQLAlchemy reaches works (SQLite, PostgreSQL, MySQL with its driver
installed, ...); a plain ``postgresql://`` URL uses psycopg 3, as the platform's own.
The table is read once, in primary-key order, streamed: a server-side cursor where the
driver has one (``stream_results``), fetched in chunks of :data:`CHUNK` rows that the
importer checks and saves one after the other, so memory does not grow with the table.
Rows are numbered from 1 in that order; problems of the table's columns are keyed
``column.<name>``.  Only the columns asked for are selected.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.errors import ServiceError
from formflow.i18n import Message
from formflow.io.importing import Source
from formflow.storage.database import normalize_url

CHUNK = 1000


class SourceUnreadable(ServiceError):
    status = 400


@contextmanager
def sql_source(url: str, table: str, columns: Collection[str] | None = None,
               chunk: int = CHUNK) -> Iterator[Source]:
    """The rows of ``table`` (``schema.table`` works too) in the database at ``url``,
    while inside; ``columns`` (source column names, any case) limits what is read.
    Raises SourceUnreadable when the database or the table cannot be read."""
    try:
        engine = sa.create_engine(normalize_url(url))
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as error:
        raise _unreadable(error) from None
    chunks = None
    try:
        with _reading(), engine.connect() as conn:
            found = _table(conn, table)
            wanted = None if columns is None else {c.casefold() for c in columns}
            selected = [c for c in found.columns if wanted is None or c.name.casefold() in wanted]
        chunks = _chunks(engine, found, selected, chunk)
        yield Source([c.name for c in selected], 0, chunks)
    finally:
        if chunks is not None:
            chunks.close()  # ends the cursor when the import stopped early
        engine.dispose()


def _chunks(engine: sa.Engine, table: sa.Table, selected: list[sa.Column], chunk: int
            ) -> Iterator[list[tuple[int, list]]]:
    query = sa.select(*selected).order_by(*(table.primary_key.columns or selected[:1]))
    number = 0
    with _reading(), engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
        for partition in result.partitions():
            rows = []
            for row in partition:
                number += 1
                rows.append((number, list(row)))
            yield rows


def _table(conn: Connection, name: str) -> sa.Table:
    schema, _, table = name.rpartition(".")
    try:
        return sa.Table(table, sa.MetaData(), autoload_with=conn, schema=schema or None)
    except sa.exc.NoSuchTableError:
        raise SourceUnreadable(Message("sql_no_table", {"table": name[:200]})) from None


@contextmanager
def _reading() -> Iterator[None]:
    """Database errors of the source as SourceUnreadable."""
    try:
        yield
    except sa.exc.SQLAlchemyError as error:
        raise _unreadable(error) from None


def _unreadable(error: Exception) -> SourceUnreadable:
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return SourceUnreadable(Message("sql_unreachable", {"problem": first[:300]}))
