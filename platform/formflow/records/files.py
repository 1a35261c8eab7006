"""File storage for file and image fields: storage keys and what is accepted.

An upload is stored once per content in the deployment's content store
(:mod:`formflow.storage.contents`: the database, S3 or a folder); the field's value is
the storage key ``<sha256>/<name>`` (:data:`formflow.storage.files.KEY`, where the table
remembering who uploaded what lives).  Accepted are the types below, by extension;
images must also look like images.  Who may upload and download is the caller's check
(:mod:`formflow.web.records.files`, :mod:`formflow.records.attachments`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from formflow.storage.contents import ContentStore
from formflow.storage.files import KEY

IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
FILE_TYPES = {
    **IMAGE_TYPES,
    "pdf": "application/pdf",
    "txt": "text/plain",
    "csv": "text/csv",
    "md": "text/markdown",
    "zip": "application/zip",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def allowed_types(field_type: str) -> dict[str, str]:
    return IMAGE_TYPES if field_type == "image" else FILE_TYPES


def looks_like_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def safe_name(filename: str) -> str:
    """A file name made of letters, digits, ``.``, ``_`` and ``-`` (kept short)."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = extension, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-.")[:80] or "file"
    extension = re.sub(r"[^A-Za-z0-9]", "", extension)[:10].lower()
    return f"{stem}.{extension}" if extension else stem


def file_name(key: str) -> str | None:
    """The file name a storage key carries, or None when ``key`` is not one."""
    match = KEY.match(key or "")
    return match.group(2) if match else None


class FileStore:
    """Files by storage key, their bytes in the deployment's content store."""

    def __init__(self, contents: ContentStore):
        self.contents = contents

    def store(self, data: bytes, filename: str) -> str:
        """Store ``data`` (once per content) and return its key."""
        return f"{self.contents.put(data)}/{safe_name(filename)}"

    def chunks(self, key: str) -> Iterator[bytes] | None:
        """The content of ``key`` in chunks, or None (no such key or content)."""
        match = KEY.match(key or "")
        return self.contents.chunks(match.group(1)) if match else None
