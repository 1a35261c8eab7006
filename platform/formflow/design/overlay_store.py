"""Reading and writing overlays: the draft operations of each shipped app, its
revision, and the published overlay versions the runtime loads."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.design.overlay_tables import overlay_heads, overlay_versions, overlays
from formflow.errors import StaleVersion
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.storage.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Head:
    app: str
    revision: int
    published_version: int | None


def read_head(conn: Connection, app: str, *, lock: bool = False) -> Head:
    """The overlay's revision (0 and nothing published while it has none)."""
    query = sa.select(overlay_heads).where(overlay_heads.c.app == app)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None and lock:
        conn.execute(overlay_heads.insert().values(app=app, revision=0, published_version=None))
        row = conn.execute(query.with_for_update()).first()
    return Head(app, 0, None) if row is None else Head(app, row.revision, row.published_version)


def locked(conn: Connection, app: str, expected: int | None) -> Head:
    head = read_head(conn, app, lock=True)
    if expected is not None and head.revision != expected:
        raise StaleVersion(Message("design_stale", {"revision": head.revision}))
    return head


def read_items(conn: Connection, app: str) -> list[dict]:
    """The draft overlay: ``[{"seq", "op", "was"}]`` in order."""
    rows = conn.execute(sa.select(overlays.c.seq, overlays.c.op, overlays.c.was)
                        .where(overlays.c.app == app).order_by(overlays.c.seq))
    return [{"seq": r.seq, "op": r.op, "was": r.was} for r in rows]


def replace(conn: Connection, head: Head, items: list[dict], actor: str) -> int:
    """The draft overlay becomes ``items`` (``{"op", "was"}``, in order); returns the new
    revision.  An item keeps its ``seq`` (its id) when it has one; new items are numbered
    after the highest."""
    conn.execute(overlays.delete().where(overlays.c.app == head.app))
    now = utcnow()
    seqs = _numbered(items)
    if items:
        conn.execute(overlays.insert(), [
            {"app": head.app, "seq": seq, "op": item["op"], "was": item.get("was") or {},
             "created_by": item.get("created_by", actor),
             "created_at": item.get("created_at", now)}
            for seq, item in zip(seqs, items, strict=True)])
    revision = head.revision + 1
    conn.execute(overlay_heads.update().where(overlay_heads.c.app == head.app)
                 .values(revision=revision))
    return revision


def _numbered(items: list[dict]) -> list[int]:
    """Each item's id: its ``seq`` while they stay in increasing order, else a new one."""
    seqs, last = [], 0
    for item in items:
        seq = item.get("seq")
        last = seq if isinstance(seq, int) and seq > last else last + 1
        seqs.append(last)
    return seqs


def read_published(conn: Connection) -> dict[str, list[dict]]:
    """Every shipped app's published overlay: ``{app: [{"op", "was"}]}``."""
    rows = conn.execute(
        sa.select(overlay_versions.c.app, overlay_versions.c.operations)
        .join(overlay_heads, sa.and_(
            overlay_heads.c.app == overlay_versions.c.app,
            overlay_heads.c.published_version == overlay_versions.c.version)))
    return {row.app: row.operations for row in rows if row.operations}


def published_overlays(db: Database) -> dict[str, list[dict]]:
    """The published overlays; none before ``formflow init`` made the tables."""
    try:
        with db.read() as conn:
            return read_published(conn)
    except sa.exc.DBAPIError as error:
        log.debug("overlays not readable: %s", type(error.orig).__name__)
        return {}


def list_versions(conn: Connection, app: str) -> list[dict[str, Any]]:
    """The published overlays of ``app``, newest first, as the design service lists a
    site app's versions (``changes``: none; ``operations``: how many changes each holds)."""
    rows = conn.execute(
        sa.select(overlay_versions.c.version, overlay_versions.c.author,
                  overlay_versions.c.published_at, overlay_versions.c.note,
                  overlay_versions.c.operations)
        .where(overlay_versions.c.app == app).order_by(overlay_versions.c.version.desc()))
    return [{"version": r.version, "author": r.author, "published_at": r.published_at.isoformat(),
             "note": r.note, "changes": [], "operations": len(r.operations or [])}
            for r in rows]


def add_version(conn: Connection, app: str, items: list[dict], author: str,
                note: str) -> int:
    last = conn.execute(sa.select(sa.func.max(overlay_versions.c.version))
                        .where(overlay_versions.c.app == app)).scalar()
    version = (last or 0) + 1
    conn.execute(overlay_versions.insert().values(
        app=app, version=version, author=author, published_at=utcnow(), note=note,
        operations=[plain(item) for item in items]))
    conn.execute(overlay_heads.update().where(overlay_heads.c.app == app)
                 .values(published_version=version))
    return version


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {"op": item["op"], "was": item.get("was") or {}}
