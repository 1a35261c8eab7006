"""File storage for file and image fields: the content store on disk and what it
accepts.

An upload is stored once per content under ``<root>/<aa>/<sha256>`` (the same bytes
uploaded twice are one file); the field's value is the storage key ``<sha256>/<name>``
(:data:`formflow.storage.files.KEY`, where the table remembering who uploaded what
lives).  Accepted are the types below, by extension; images must also look like images.
Who may upload and download is the caller's check (:mod:`formflow.web.files`,
:mod:`formflow.records.attachments`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

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
    """The files under ``root`` (the instance folder's ``files``)."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path | None:
        """Where the content of ``key`` is stored, or None (no such key or file)."""
        match = KEY.match(key or "")
        if not match:
            return None
        digest = match.group(1)
        path = self.root / digest[:2] / digest
        return path if path.is_file() else None

    def store(self, data: bytes, filename: str) -> str:
        """Store ``data`` (once per content) and return its key."""
        digest = hashlib.sha256(data).hexdigest()
        folder = self.root / digest[:2]
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / digest
        if not target.exists():
            descriptor, temporary = tempfile.mkstemp(dir=folder)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, target)  # whole or nothing, even with two uploads at once
        return f"{digest}/{safe_name(filename)}"
