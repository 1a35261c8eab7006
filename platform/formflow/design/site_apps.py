"""The published site apps, as the runtime loads them beside the file apps."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.design.tables import design_apps, design_versions
from formflow.storage.database import Database

log = logging.getLogger(__name__)


def read_published(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every site app's published documents, by app name (apps never published are
    left out)."""
    rows = conn.execute(
        sa.select(design_versions.c.app, design_versions.c.documents)
        .join(design_apps, sa.and_(design_apps.c.app == design_versions.c.app,
                                   design_apps.c.published_version == design_versions.c.version))
    )
    return {row.app: row.documents for row in rows}


def published_site_apps(db: Database) -> dict[str, dict[str, Any]]:
    """The published site apps; none when the database or its tables are not there
    yet (before ``formflow init``)."""
    try:
        with db.read() as conn:
            return read_published(conn)
    except sa.exc.DBAPIError as error:
        log.debug("site apps not readable: %s", type(error.orig).__name__)
        return {}


def published_site_apps_at(url: str) -> dict[str, dict[str, Any]]:
    """The published site apps of the database at ``url`` (for ``formflow check``)."""
    return read_at(url, published_site_apps)


def read_at(url: str, read: Callable[[Database], dict]) -> dict:
    """``read(db)`` on the database at ``url`` (for ``formflow check``); a SQLite file
    that does not exist is not created (nothing is read)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and (
            not parsed.database or not Path(parsed.database).is_file()):
        return {}
    db = Database(url)
    try:
        return read(db)
    finally:
        db.dispose()
