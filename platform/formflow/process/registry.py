"""Published process versions.

Publishing stores each process document of the model; a changed document becomes a new
version.  Records keep the version they started with, so a definition is looked up by
(process, version) from the database — the one place every worker agrees on — and
cached, since a published version never changes.
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
            version = latest.version if latest else 0
            if latest is None or latest.checksum != checksum:
                version += 1
                conn.execute(sa.insert(process_versions).values(
                    process=qualified, version=version, checksum=checksum,
                    document=document, published_at=utcnow(),
                ))
            current[qualified] = version
    return current


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
            ).scalar_one()
            process = build_process(qualified.split(".")[0], document)
            self._cache[key] = process
        return process
