"""The metadata revision: one number in the database that goes up each time changed
metadata is published (``formflow migrate``).

Every worker keeps the metadata it loaded in memory; the revision is how it learns,
with one cheap query, that another process has published something newer and it must
load the metadata again (see :mod:`formflow.reloading`).
"""

from __future__ import annotations

import hashlib
import json
import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.fields.columns import utcnow
from formflow.metadata.model import Model
from formflow.storage.database import Database
from formflow.storage.system import metadata_revision

log = logging.getLogger(__name__)
ROW = 1


def model_checksum(model: Model) -> str:
    """A digest of every document of every app of ``model``, as written."""
    documents = {name: dict(app.documents) for name, app in model.apps.items()}
    canonical = json.dumps(documents, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def publish_revision(conn: Connection, model: Model) -> int:
    """Record ``model`` as the published metadata; the revision goes up by one when its
    documents differ from the last published ones.  Returns the revision now current."""
    checksum = model_checksum(model)
    row = conn.execute(
        sa.select(metadata_revision.c.revision, metadata_revision.c.checksum)
        .where(metadata_revision.c.id == ROW)
        .with_for_update()
    ).first()
    if row is None:
        conn.execute(
            metadata_revision.insert().values(
                id=ROW, revision=1, checksum=checksum, published_at=utcnow()
            )
        )
        return 1
    if row.checksum == checksum:
        return row.revision
    conn.execute(
        metadata_revision.update()
        .where(metadata_revision.c.id == ROW)
        .values(revision=row.revision + 1, checksum=checksum, published_at=utcnow())
    )
    return row.revision + 1


def read_revision(conn: Connection) -> int | None:
    """The published revision; None before anything was published."""
    return conn.execute(
        sa.select(metadata_revision.c.revision).where(metadata_revision.c.id == ROW)
    ).scalar()


def current_revision(db: Database) -> int | None:
    """The published revision, or None when it cannot be read (no database yet, the
    database not reachable, or the table not created yet by ``formflow init``)."""
    try:
        with db.read() as conn:
            return read_revision(conn)
    except sa.exc.DBAPIError as error:
        log.debug("metadata revision not readable: %s", type(error.orig).__name__)
        return None
