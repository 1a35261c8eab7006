"""Published process versions.

Publishing stores each process document of the model; a changed document becomes a new
version.  Records keep the version they started with, so a definition is looked up by
(process, version) from the database — the one place every worker agrees on — and
cached, since a published version never changes.  A fork of a process (``forked_from``)
numbers its versions after those of the process it was forked from, and a record on one
of those older versions finds it there.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.fields.columns import utcnow
from formflow.metadata.loader import build_process
from formflow.metadata.model import Model, Process
from formflow.process.tables import process_versions


def _checksum(document) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def publish_processes(conn: Connection, model: Model) -> dict[str, int]:
    """Store a new version of every process whose document changed; returns the
    current version of each process ("app.process" -> version)."""
    current = {}
    for app in model.apps.values():
        for name in app.processes:
            qualified = f"{app.name}.{name}"
            document = app.documents[f"processes/{name}.json"]
            checksum = _checksum(document)
            latest = conn.execute(
                sa.select(process_versions.c.version, process_versions.c.checksum)
                .where(process_versions.c.process == qualified)
                .order_by(process_versions.c.version.desc())
                .limit(1)
            ).first()
            version = latest.version if latest else _forked_at(conn, app.name, document)
            if latest is None or latest.checksum != checksum:
                version += 1
                conn.execute(sa.insert(process_versions).values(
                    process=qualified, version=version, checksum=checksum,
                    document=document, published_at=utcnow(),
                ))
            current[qualified] = version
    return current


def _forked_at(conn: Connection, app: str, document) -> int:
    """The version a fork's first version follows: the newest of the process it was
    forked from (0 for a process that is no fork)."""
    source = document.get("forked_from")
    if not source:
        return 0
    return conn.execute(
        sa.select(sa.func.max(process_versions.c.version))
        .where(process_versions.c.process == f"{app}.{source}")
    ).scalar() or 0


def _source(conn: Connection, qualified: str, version: int) -> str | None:
    """For a fork's version older than its first: the process that version is of."""
    first = conn.execute(
        sa.select(process_versions.c.version, process_versions.c.document)
        .where(process_versions.c.process == qualified)
        .order_by(process_versions.c.version).limit(1)
    ).first()
    if first is None or version >= first.version or not first.document.get("forked_from"):
        return None
    return f"{qualified.split('.')[0]}.{first.document['forked_from']}"


class ProcessRegistry:
    """Process definitions by (process, version), read from the database once each."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], Process] = {}

    def latest_version(self, conn: Connection, qualified: str) -> int | None:
        return conn.execute(
            sa.select(sa.func.max(process_versions.c.version))
            .where(process_versions.c.process == qualified)
        ).scalar()

    def get(self, conn: Connection, qualified: str, version: int) -> Process:
        key = (qualified, version)
        process = self._cache.get(key)
        if process is None:
            document = conn.execute(
                sa.select(process_versions.c.document).where(
                    process_versions.c.process == qualified, process_versions.c.version == version
                )
            ).scalar()
            source = _source(conn, qualified, version) if document is None else None
            if source is not None:
                return self.get(conn, source, version)
            if document is None:
                raise sa.exc.NoResultFound(f"{qualified} has no version {version}")
            process = build_process(qualified.split(".")[0], document)
            self._cache[key] = process
        return process
