"""The worker that runs background imports (:mod:`formflow.io.import_jobs`).

Several workers may run at once, on several machines: each claims the oldest queued job
in a write transaction (PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``, so two
workers never take the same job; SQLite: the transaction holds the write lock), copies
its file from the database into a temporary file a piece at a time, then imports it
streamed in chunks (:func:`formflow.io.reading.stream_sheet`) through
:meth:`Importer.run_source` as the user who started it, writing the rows done after each
chunk and stopping when the job was cancelled meanwhile.  Neither the file nor its rows
are ever held whole: memory does not grow with the file.

On SQLite an ``all`` job holds the database's single write lock until it ends, so its
progress is only written at the end (a cancel waits for it); ``chunks`` jobs report
progress and stop on cancel after every chunk on both databases.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa

from formflow.auth.users import get_user
from formflow.errors import ServiceError
from formflow.fields.columns import utcnow
from formflow.i18n import LANGUAGES, Message
from formflow.io.import_jobs import (
    CANCELLED,
    DONE,
    FAILED,
    JOB_COLUMNS,
    QUEUED,
    RUNNING,
    import_jobs,
)
from formflow.io.importing import ANALYZE_AFTER_ROWS, Importer, ImportFailed, Source, error_lines
from formflow.io.reading import ReadLimits, stream_sheet
from formflow.storage.database import Database

logger = logging.getLogger(__name__)

#: Rows checked and saved together (one transaction each in a ``chunks`` job).
CHUNK = 1000
#: Problem lines kept with a failed job, per language.
MAX_ERROR_LINES = 200
#: Bytes of a job's file read from the database at a time.
PIECE = 1024 * 1024


class _Cancelled(Exception):
    """The job was cancelled while it ran."""


@dataclass(frozen=True)
class _Claimed:
    id: int
    user_id: int
    entity: str
    mode: str
    key: str | None
    resume_row: int | None


class ImportWorker:
    def __init__(self, db: Database, importer: Importer, limits: ReadLimits,
                 chunk: int = CHUNK):
        self.db = db
        self.importer = importer
        #: How much of a file a background import reads.
        self.limits = limits
        self.chunk = chunk

    def run_due(self, limit: int | None = None) -> int:
        """Run queued jobs one after the other until none is left (or ``limit`` ran);
        returns how many ran."""
        ran = 0
        while limit is None or ran < limit:
            job = self.claim()
            if job is None:
                break
            self.run(job)
            ran += 1
        return ran

    def claim(self) -> _Claimed | None:
        """Take the oldest queued job, marking it running."""
        with self.db.write() as conn:
            row = conn.execute(
                sa.select(*JOB_COLUMNS).where(import_jobs.c.status == QUEUED)
                .order_by(import_jobs.c.id).limit(1).with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return None
            conn.execute(import_jobs.update().where(import_jobs.c.id == row.id)
                         .values(status=RUNNING, started_at=utcnow()))
        return _Claimed(row.id, row.user_id, row.entity, row.mode, row.key, row.resume_row)

    def run(self, job: _Claimed) -> None:
        """Import the job's file; the job ends done, failed or cancelled."""
        try:
            with tempfile.TemporaryFile() as file:
                self._spool(job.id, file)
                if job.mode == "chunks":
                    self._run_chunks(job, file)
                else:
                    self._run_all(job, file)
        except _Cancelled:
            if job.mode == "all":  # rolled back: no row was imported
                with self.db.write() as conn:
                    conn.execute(import_jobs.update().where(import_jobs.c.id == job.id)
                                 .values(rows_done=0))
        except ImportFailed as failure:
            self._fail(job, failure.errors)
        except ServiceError as problem:
            self._fail(job, {"": [problem.message]})
        except Exception:  # the job must not stay "running" for ever
            logger.exception("import job %s failed", job.id)
            self._fail(job, {"": [Message("import_job_crashed")]})

    def _spool(self, job_id: int, file: BinaryIO) -> None:
        """Copy the job's file into ``file``, a piece at a time."""
        data = import_jobs.c.data
        with self.db.read() as conn:
            size = conn.execute(sa.select(sa.func.length(data))
                                .where(import_jobs.c.id == job_id)).scalar_one()
            for start in range(0, size, PIECE):  # substr counts from 1, in bytes for both
                piece = conn.execute(sa.select(sa.func.substr(data, start + 1, PIECE))
                                     .where(import_jobs.c.id == job_id)).scalar_one()
                file.write(piece)
        file.seek(0)

    def _run_all(self, job: _Claimed, file: BinaryIO) -> None:
        user = self._user(job)
        header, header_row, chunks = stream_sheet(file, self.limits, self.chunk)
        progress_each = not self.db.is_sqlite  # SQLite: the import holds the write lock
        result = self.importer.run_source(
            user, job.entity, Source(header, header_row, chunks), key=job.key,
            refresh=False, on_chunk=lambda done: self._progress(job.id, done, progress_each))
        self._finish(job, result.created + result.updated, result.rows)

    def _run_chunks(self, job: _Claimed, file: BinaryIO) -> None:
        user = self._user(job)
        header, header_row, chunks = stream_sheet(file, self.limits, self.chunk)
        with self.db.read() as conn:
            done = conn.execute(sa.select(import_jobs.c.rows_done)
                                .where(import_jobs.c.id == job.id)).scalar_one()
        written = 0
        for chunk in _from_row(chunks, job.resume_row):
            self._progress(job.id, done, write=False)  # cancelled meanwhile?
            try:
                result = self.importer.run_source(
                    user, job.entity, Source(header, header_row, [chunk]), key=job.key,
                    refresh=False)
            except ImportFailed as failure:
                self._fail(job, failure.errors, resume_row=chunk[0][0])
                self._refresh(job, written)
                return
            done += result.rows
            written += result.created + result.updated
            self._progress(job.id, done, write=True, resume_row=None)
        self._finish(job, written, done)

    def _user(self, job: _Claimed):
        with self.db.read() as conn:
            user = get_user(conn, job.user_id)
        if user is None or not user.active:
            raise ServiceError(Message("import_job_user_gone"))
        return user

    def _progress(self, job_id: int, done: int, write: bool = True, **values) -> None:
        """Record the rows done (``write``) or only look; raise _Cancelled when the job
        is no longer running."""
        if not write:
            with self.db.read() as conn:
                status = conn.execute(sa.select(import_jobs.c.status)
                                      .where(import_jobs.c.id == job_id)).scalar_one()
            if status != RUNNING:
                raise _Cancelled
            return
        with self.db.write() as conn:  # rows saved count, cancelled meanwhile or not
            conn.execute(import_jobs.update().where(import_jobs.c.id == job_id,
                                                    import_jobs.c.status.in_((RUNNING, CANCELLED)))
                         .values(rows_done=done, **values))
            status = conn.execute(sa.select(import_jobs.c.status)
                                  .where(import_jobs.c.id == job_id)).scalar_one()
        if status != RUNNING:
            raise _Cancelled

    def _finish(self, job: _Claimed, written: int, rows: int) -> None:
        with self.db.write() as conn:
            conn.execute(import_jobs.update().where(import_jobs.c.id == job.id,
                                                    import_jobs.c.status == RUNNING)
                         .values(status=DONE, rows_done=rows, rows_total=rows,
                                 resume_row=None, finished_at=utcnow()))
        self._refresh(job, written)

    def _refresh(self, job: _Claimed, written: int) -> None:
        if written >= ANALYZE_AFTER_ROWS:
            self.importer.refresh_statistics(job.entity)

    def _fail(self, job: _Claimed, errors, resume_row: int | None = None) -> None:
        entity = self.importer.model.entity(job.entity)
        lines = {lang: error_lines(errors, lang, entity)[:MAX_ERROR_LINES]
                 for lang in LANGUAGES}
        with self.db.write() as conn:
            conn.execute(import_jobs.update().where(import_jobs.c.id == job.id,
                                                    import_jobs.c.status.in_((RUNNING, QUEUED)))
                         .values(status=FAILED, errors=lines, resume_row=resume_row,
                                 finished_at=utcnow()))


def _from_row(chunks: Iterator[list[tuple[int, list]]], first: int | None
              ) -> Iterator[list[tuple[int, list]]]:
    """The chunks' rows numbered ``first`` or more (all of them without ``first``)."""
    for chunk in chunks:
        rows = chunk if first is None else [row for row in chunk if row[0] >= first]
        if rows:
            yield rows

