"""The drafts of site apps in the database: documents, revision, operation log.

Every change of a draft is one transaction: the revision the caller saw is checked
under a row lock (a stale one is refused), the changed documents are written, the
change is logged with what each changed document was before and became after, and the
revision goes up.  Undo writes an entry's "before" back, redo its "after"; both
survive a reload because the log is in the database.  A new change forgets what was
undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.design.diff import describe_changes
from formflow.design.tables import design_apps, design_documents, design_log, design_versions
from formflow.errors import Conflict, StaleVersion
from formflow.fields.columns import utcnow
from formflow.i18n import Message

#: Undoable changes kept per app; older entries are forgotten.
MAX_LOG = 200


@dataclass(frozen=True)
class DraftRow:
    app: str
    revision: int
    published_version: int | None


def read_app(conn: Connection, app: str, *, lock: bool = False) -> DraftRow | None:
    query = sa.select(design_apps).where(design_apps.c.app == app)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return None if row is None else DraftRow(row.app, row.revision, row.published_version)


def list_apps(conn: Connection) -> list[DraftRow]:
    rows = conn.execute(sa.select(design_apps).order_by(design_apps.c.app))
    return [DraftRow(r.app, r.revision, r.published_version) for r in rows]


def read_documents(conn: Connection, app: str) -> dict[str, Any]:
    rows = conn.execute(sa.select(design_documents.c.key, design_documents.c.document)
                        .where(design_documents.c.app == app).order_by(design_documents.c.key))
    return {row.key: row.document for row in rows}


def create(conn: Connection, app: str, documents: Mapping[str, Any], actor: str) -> None:
    now = utcnow()
    conn.execute(design_apps.insert().values(
        app=app, revision=1, published_version=None, created_by=actor, created_at=now,
        updated_by=actor, updated_at=now))
    if documents:
        conn.execute(design_documents.insert(),
                     [{"app": app, "key": k, "document": d} for k, d in documents.items()])


def locked(conn: Connection, app: str, expected: int | None) -> DraftRow:
    """The app's row, locked for a change; ``expected`` (when given) must be its revision."""
    row = read_app(conn, app, lock=True)
    if expected is not None and row.revision != expected:
        raise StaleVersion(Message("design_stale", {"revision": row.revision}))
    return row


def save(
    conn: Connection,
    row: DraftRow,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    kind: str,
    ops: Any,
    actor: str,
) -> int:
    """Write the documents that differ between ``before`` and ``after`` and log the
    change; returns the new revision."""
    keys = sorted(k for k in set(before) | set(after)
                  if before.get(k) is not after.get(k) and before.get(k) != after.get(k))
    revision = _write(conn, row, {k: after.get(k) for k in keys}, actor)
    conn.execute(design_log.delete().where(design_log.c.app == row.app, design_log.c.undone))
    conn.execute(design_log.insert().values(
        app=row.app, revision=revision, kind=kind, ops=ops, undone=False, actor=actor,
        at=utcnow(), before={k: before.get(k) for k in keys},
        after={k: after.get(k) for k in keys}))
    _trim(conn, row.app)
    return revision


def undo(conn: Connection, row: DraftRow, actor: str) -> int:
    entry = conn.execute(
        sa.select(design_log).where(design_log.c.app == row.app, ~design_log.c.undone)
        .order_by(design_log.c.revision.desc()).limit(1)).first()
    if entry is None:
        raise Conflict(Message("design_nothing_to_undo"))
    _mark(conn, row.app, entry.revision, undone=True)
    return _write(conn, row, entry.before, actor)


def redo(conn: Connection, row: DraftRow, actor: str) -> int:
    entry = conn.execute(
        sa.select(design_log).where(design_log.c.app == row.app, design_log.c.undone)
        .order_by(design_log.c.revision).limit(1)).first()
    if entry is None:
        raise Conflict(Message("design_nothing_to_redo"))
    _mark(conn, row.app, entry.revision, undone=False)
    return _write(conn, row, entry.after, actor)


def history_counts(conn: Connection, app: str) -> tuple[int, int]:
    """How many changes can be undone and redone."""
    rows = conn.execute(sa.select(design_log.c.undone, sa.func.count())
                        .where(design_log.c.app == app).group_by(design_log.c.undone))
    counts = {bool(undone): count for undone, count in rows}
    return counts.get(False, 0), counts.get(True, 0)


def _mark(conn: Connection, app: str, revision: int, *, undone: bool) -> None:
    conn.execute(design_log.update().where(design_log.c.app == app,
                                           design_log.c.revision == revision)
                 .values(undone=undone))


def _write(conn: Connection, row: DraftRow, documents: Mapping[str, Any], actor: str) -> int:
    """Store ``documents`` (None removes one) and raise the revision."""
    for key, document in documents.items():
        where = (design_documents.c.app == row.app, design_documents.c.key == key)
        conn.execute(design_documents.delete().where(*where))
        if document is not None:
            conn.execute(design_documents.insert().values(app=row.app, key=key,
                                                          document=document))
    revision = row.revision + 1
    conn.execute(design_apps.update().where(design_apps.c.app == row.app)
                 .values(revision=revision, updated_by=actor, updated_at=utcnow()))
    return revision


def _trim(conn: Connection, app: str) -> None:
    oldest = conn.execute(
        sa.select(design_log.c.revision).where(design_log.c.app == app)
        .order_by(design_log.c.revision.desc()).offset(MAX_LOG).limit(1)).scalar()
    if oldest is not None:
        conn.execute(design_log.delete().where(design_log.c.app == app,
                                               design_log.c.revision <= oldest))


# -- versions ------------------------------------------------------------------------


def read_version(conn: Connection, app: str, version: int) -> dict[str, Any] | None:
    return conn.execute(sa.select(design_versions.c.documents).where(
        design_versions.c.app == app, design_versions.c.version == version)).scalar()


def list_versions(conn: Connection, app: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(design_versions.c.version, design_versions.c.author,
                  design_versions.c.published_at, design_versions.c.note,
                  design_versions.c.changes)
        .where(design_versions.c.app == app).order_by(design_versions.c.version.desc()))
    return [{"version": r.version, "author": r.author, "published_at": r.published_at.isoformat(),
             "note": r.note, "changes": r.changes} for r in rows]


def add_version(conn: Connection, app: str, documents: Mapping[str, Any], author: str,
                note: str) -> int:
    """Record ``documents`` as the app's next published version, with what it changes
    from the version published before; returns its number."""
    last = conn.execute(sa.select(sa.func.max(design_versions.c.version))
                        .where(design_versions.c.app == app)).scalar()
    version = (last or 0) + 1
    current = read_app(conn, app)
    previous = {}
    if current is not None and current.published_version is not None:
        previous = read_version(conn, app, current.published_version) or {}
    conn.execute(design_versions.insert().values(
        app=app, version=version, author=author, published_at=utcnow(), note=note,
        documents=dict(documents), changes=describe_changes(previous, documents)))
    conn.execute(design_apps.update().where(design_apps.c.app == app)
                 .values(published_version=version))
    return version
