"""The credentials revision: one number in the database that goes up whenever what an
API token stands for may have changed (a token revoked; a user's roles, department,
manager, profile or active flag changed), in the same transaction as the change.

A worker that remembers verified tokens (:mod:`~formflow.auth.remembered_tokens`)
reads it inside a request's own first transaction: the same number means nothing it
remembers can be out of date.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from formflow.storage.sequences import next_value
from formflow.storage.system import sequences

#: Its counter in ``ff_sequences`` (record numbers use ``app.entity`` keys).
REVISION_KEY = "formflow:credentials"
#: Built once: it runs in every request that recalls a token.
_READ = sa.select(sequences.c.value).where(sequences.c.key == REVISION_KEY)
#: The same read as constant SQL text (no parameters), for PostgreSQL to send in one
#: round trip with a transaction's BEGIN (see ``storage.database``).
REVISION_QUERY = str(_READ.compile(dialect=postgresql.dialect(),
                                   compile_kwargs={"literal_binds": True}))


def credentials_changed(conn: Connection) -> None:
    """Record, inside the transaction making it, that a token or a user changed."""
    next_value(conn, REVISION_KEY)


def credentials_revision(conn: Connection) -> int:
    return conn.execute(_READ).scalar() or 0
