"""Where the bytes of uploaded files live: the database, an S3 bucket or a folder.

A content is stored once, under its SHA-256 digest (the same bytes uploaded twice are
one content), so storing is idempotent and two hosts storing the same upload at once
agree.  Every store answers the same three questions — store these bytes, does this
content exist, stream it back in chunks — so the rest of Formflow never knows which one
a deployment chose (setting ``FILE_STORAGE``):

- ``database`` (the default): chunks in table ``ff_file_chunks``; works for every
  deployment, several hosts included, and is backed up with the records.
- ``s3``: any S3-compatible object store (AWS, MinIO, Ceph, the clouds' own), through
  boto3; for many or large files.
- ``disk``: a folder (the instance folder's ``files``), for a single host.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from formflow.storage.system import system_metadata

#: Bytes per stored chunk and per chunk streamed back.
CHUNK = 256 * 1024

file_chunks = sa.Table(
    "ff_file_chunks",
    system_metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)


class ContentStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data`` (once per content); returns its digest."""

    def has(self, digest: str) -> bool:
        """Whether the content ``digest`` is stored."""

    def chunks(self, digest: str) -> Iterator[bytes] | None:
        """The content in chunks, or None when it is not stored."""


def digest_of_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DatabaseContents:
    """Contents as rows of ``ff_file_chunks``, each write its own short transaction."""

    def __init__(self, db):
        self.db = db

    def put(self, data: bytes) -> str:
        digest = digest_of_bytes(data)
        if self.has(digest):
            return digest
        rows = [
            {"digest": digest, "seq": seq, "data": data[start:start + CHUNK]}
            for seq, start in enumerate(range(0, max(len(data), 1), CHUNK))
        ]
        try:
            with self.db.write() as conn:
                conn.execute(file_chunks.insert(), rows)
        except IntegrityError:
            pass  # the same content stored at the same moment elsewhere: it is there
        return digest

    def has(self, digest: str) -> bool:
        with self.db.read() as conn:
            return conn.execute(
                sa.select(file_chunks.c.seq).where(file_chunks.c.digest == digest,
                                                   file_chunks.c.seq == 0)
            ).first() is not None

    def chunks(self, digest: str) -> Iterator[bytes] | None:
        if not self.has(digest):
            return None
        return self._stream(digest)

    def _stream(self, digest: str) -> Iterator[bytes]:
        seq = 0
        while True:  # one short read per chunk: a slow download holds no transaction open
            with self.db.read() as conn:
                data = conn.execute(
                    sa.select(file_chunks.c.data).where(file_chunks.c.digest == digest,
                                                        file_chunks.c.seq == seq)
                ).scalar()
            if data is None:
                return
            yield bytes(data)
            seq += 1


class DiskContents:
    """Contents under ``root/<aa>/<sha256>``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = digest_of_bytes(data)
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, target)  # whole or nothing, even with two uploads at once
        return digest

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def chunks(self, digest: str) -> Iterator[bytes] | None:
        path = self.path(digest)
        if not path.is_file():
            return None
        return self._stream(path)

    @staticmethod
    def _stream(path: Path) -> Iterator[bytes]:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def digests(self) -> Iterator[str]:
        """Every stored digest (for moving the files to another store)."""
        for path in sorted(self.root.glob("??/*")):
            if path.is_file() and len(path.name) == 64 and path.name.startswith(path.parent.name):
                yield path.name


class S3Contents:
    """Contents as objects ``<prefix><sha256>`` of an S3-compatible bucket."""

    def __init__(self, client: Any, bucket: str, prefix: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def put(self, data: bytes) -> str:
        digest = digest_of_bytes(data)
        if not self.has(digest):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + digest, Body=data)
        return digest

    def has(self, digest: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + digest)
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def chunks(self, digest: str) -> Iterator[bytes] | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + digest)
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].iter_chunks(CHUNK)


def make_contents(settings: Mapping[str, Any], db, instance_path: Path) -> ContentStore:
    """The store the settings choose."""
    kind = settings.get("FILE_STORAGE") or "database"
    if kind == "disk":
        return DiskContents(Path(instance_path) / "files")
    if kind == "s3":
        import boto3  # only deployments that store files in S3 need it

        client = boto3.client("s3", endpoint_url=settings.get("S3_ENDPOINT_URL") or None,
                              region_name=settings.get("S3_REGION") or None)
        return S3Contents(client, settings["S3_BUCKET"], settings.get("S3_PREFIX") or "")
    return DatabaseContents(db)
