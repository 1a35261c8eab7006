"""Background imports: a big file becomes a job, kept in ``ff_import_jobs``.

A file of ``IMPORT_BACKGROUND_ROWS`` data rows or more is not imported within the
request: it is stored with the job (in the database, so every machine of the deployment
sees it) and imported by the worker (:mod:`formflow.io.import_worker`, run by
``formflow import-worker`` or ``formflow tick``), which records its progress as it goes.

A job has a mode: ``all`` (all or nothing, as an import in the request) or ``chunks``
(each chunk of rows is saved in its own transaction; when a chunk has problems the job
stops there, the chunks before it stay, and the job can be resumed from that chunk,
with the same file or a corrected one).  Only the user who started a job sees it,
cancels it or resumes it; anyone else is told it does not exist.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from formflow.auth import User
from formflow.errors import NotFound, ServiceError
from formflow.fields.columns import UtcDateTime, utcnow
from formflow.i18n import Message
from formflow.io.importing import Importer
from formflow.io.reading import ZIP_MAGIC, ReadLimits, UnreadableFile, stream_sheet
from formflow.storage.database import Database
from formflow.storage.system import system_metadata

MODES = ("all", "chunks")
#: Status of a job; the last three are final.
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINAL = frozenset({DONE, FAILED, CANCELLED})

import_jobs = sa.Table(
    "ff_import_jobs",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("ff_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("key", sa.String(64), nullable=True),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("rows_total", sa.Integer, nullable=False),
    sa.Column("rows_done", sa.Integer, nullable=False),
    #: The first row of the chunk a ``chunks`` job stopped at (and resumes from).
    sa.Column("resume_row", sa.Integer, nullable=True),
    #: The problems that stopped it, as lines per language: {"en": [...], "zh-CN": [...]}.
    sa.Column("errors", sa.JSON, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Index("ix_ff_import_jobs_status", "status", "id"),
)


class JobConflict(ServiceError):
    status = 409


@dataclass(frozen=True)
class ImportJob:
    id: int
    user_id: int
    entity: str
    mode: str
    key: str | None
    status: str
    rows_total: int
    rows_done: int
    resume_row: int | None
    errors: dict[str, list[str]] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0

    @property
    def resumable(self) -> bool:
        return self.status == FAILED and self.resume_row is not None

    def as_json(self, lang: str | None) -> dict[str, Any]:
        errors = self.errors or {}
        return {
            "id": self.id, "entity": self.entity, "mode": self.mode, "key": self.key,
            "status": self.status, "rows_total": self.rows_total, "rows_done": self.rows_done,
            "percent": self.percent, "resume_row": self.resume_row,
            "errors": errors.get(lang or "en", errors.get("en", [])),
            "created_at": _iso(self.created_at), "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
        }


JOB_COLUMNS = [c for c in import_jobs.c if c.name != "data"]


class ImportJobs:
    """Starting, watching, cancelling and resuming background imports."""

    def __init__(self, db: Database, importer: Importer, threshold: int, limits: ReadLimits):
        self.db = db
        self.importer = importer
        #: How much of a file a background import reads.
        self.limits = limits
        #: Data rows from which a file is imported in the background.
        self.threshold = threshold

    def wants_job(self, entity_name: str, data: bytes) -> bool:
        """Whether ``data`` has enough rows to be imported in the background (into an
        entity without line items: their sheets are read whole, in the request)."""
        entity = self.importer.model.entity(entity_name)
        if entity is None or entity.table_fields:
            return False
        return estimate_rows(data) >= self.threshold

    def submit(self, user: User, entity_name: str, data: bytes, *, key: str | None = None,
               mode: str = "all") -> ImportJob:
        """Queue the import of ``data``; the caller's grants are checked now (and again
        when the worker runs it)."""
        entity = self.importer.allowed_entity(user, entity_name, key)
        self.importer.check_size(len(data))
        if mode not in MODES:
            raise ServiceError(Message("import_mode", {"modes": ", ".join(MODES)}))
        stream_sheet(data, self.limits, 1)  # a file unreadable or too big is refused now
        values = {
            "user_id": user.id, "entity": entity.qualified_name, "mode": mode, "key": key,
            "status": QUEUED, "data": data, "rows_total": estimate_rows(data), "rows_done": 0,
            "created_at": utcnow(),
        }
        with self.db.write() as conn:
            job_id = conn.execute(import_jobs.insert().values(values)).inserted_primary_key[0]
            return _job(conn, job_id)

    def get(self, user: User, job_id: int) -> ImportJob:
        with self.db.read() as conn:
            return _own(conn, user, job_id)

    def latest(self, user: User, entity_name: str) -> ImportJob | None:
        """The user's most recent job into ``entity_name``."""
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(*JOB_COLUMNS).where(import_jobs.c.user_id == user.id,
                                              import_jobs.c.entity == entity_name)
                .order_by(import_jobs.c.id.desc()).limit(1)).first()
        return None if row is None else ImportJob(**row._mapping)

    def cancel(self, user: User, job_id: int) -> ImportJob:
        """Stop a queued or running job; a running one stops after its current chunk
        (an ``all`` job writes nothing, a ``chunks`` job keeps the chunks saved)."""
        with self.db.write() as conn:
            job = _own(conn, user, job_id)
            if job.status in FINAL:
                raise JobConflict(Message("import_job_finished", {"status": job.status}))
            conn.execute(import_jobs.update().where(import_jobs.c.id == job_id)
                         .values(status=CANCELLED, finished_at=utcnow()))
            return _job(conn, job_id)

    def resume(self, user: User, job_id: int, data: bytes | None = None) -> ImportJob:
        """Queue a failed ``chunks`` job again from the chunk that failed, reading the
        corrected file ``data`` when given (its rows numbered as in the first one)."""
        if data is not None:
            self.importer.check_size(len(data))
            stream_sheet(data, self.limits, 1)
        with self.db.write() as conn:
            job = _own(conn, user, job_id)
            if not job.resumable:
                raise JobConflict(Message("import_job_not_resumable"))
            values: dict[str, Any] = {"status": QUEUED, "errors": None, "finished_at": None}
            if data is not None:
                values.update(data=data, rows_total=estimate_rows(data))
            conn.execute(import_jobs.update().where(import_jobs.c.id == job_id).values(values))
            return _job(conn, job_id)


def estimate_rows(data: bytes) -> int:
    """About how many data rows ``data`` holds, without reading it: its lines (a CSV
    file) or its first sheet's declared dimension (an XLSX file)."""
    if not data.startswith(ZIP_MAGIC):
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        return max(0, lines - 1)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        problem = f"{type(error).__name__}: {error}"[:200]
        raise UnreadableFile(Message("import_unreadable", {"problem": problem})) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        return max(0, (sheet.max_row or 1) - 1) if sheet is not None else 0
    finally:
        book.close()


def _own(conn: sa.Connection, user: User, job_id: int) -> ImportJob:
    job = _job(conn, job_id)
    if job is None or job.user_id != user.id:
        raise NotFound(Message("not_found"))
    return job


def _job(conn: sa.Connection, job_id: int) -> ImportJob | None:
    if not 0 < job_id < 2**31:  # no such id; PostgreSQL would refuse to compare it
        return None
    row = conn.execute(sa.select(*JOB_COLUMNS).where(import_jobs.c.id == job_id)).first()
    return None if row is None else ImportJob(**row._mapping)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
