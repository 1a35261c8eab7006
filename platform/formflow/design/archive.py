"""An app's documents as a zip of its folder, and back.

The zip holds ``<app>/app.json``, ``<app>/entities/<e>.json``,
``<app>/processes/<p>.json`` and ``<app>/dashboards/<d>.json``: the same form as
``metadata/apps/<app>/``, so an export can be put on the metadata path and a folder
zipped by hand can be imported.  Reading is bounded: the number of entries, each one's
size as actually decompressed and the total, and only the documents of an app are
accepted (no other files, no absolute paths, no ``..``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from typing import Any

from formflow.errors import ValidationFailed
from formflow.i18n import Message

MAX_ZIP_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 500
MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
_DOCUMENT = re.compile(
    r"(?:app\.json|(?:entities|processes|dashboards)/[a-z_][a-z0-9_]{0,99}\.json)")


def write_zip(app: str, documents: Mapping[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(documents):
            text = json.dumps(documents[key], ensure_ascii=False, indent=2) + "\n"
            archive.writestr(f"{app}/{key}", text)
    return buffer.getvalue()


def _refuse(key: str, **params: Any) -> ValidationFailed:
    return ValidationFailed({"file": [Message(key, params)]})


def read_zip(data: bytes) -> dict[str, Any]:
    """The documents of the app folder zipped in ``data``, keyed like ``write_zip``'s
    (without the folder); a folder around them is optional."""
    if len(data) > MAX_ZIP_BYTES:
        raise _refuse("design_zip_too_large", max=f"{MAX_ZIP_BYTES // 1024} KB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse("design_zip_invalid") from None
    if len(entries) > MAX_ENTRIES:
        raise _refuse("design_zip_too_many", max=MAX_ENTRIES)
    names = [info.filename for info in entries]
    folder = _common_folder(names)
    documents: dict[str, Any] = {}
    total = 0
    for info in entries:
        key = info.filename[len(folder):]
        if not _DOCUMENT.fullmatch(key) or "\\" in info.filename:
            raise _refuse("design_zip_entry", name=info.filename[:200])
        if info.file_size > MAX_DOCUMENT_BYTES:
            raise _refuse("design_zip_entry_too_large", name=key)
        try:
            with archive.open(info) as member:
                raw = member.read(MAX_DOCUMENT_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
            raise _refuse("design_zip_invalid") from None
        total += len(raw)
        if len(raw) > MAX_DOCUMENT_BYTES or total > MAX_TOTAL_BYTES:
            raise _refuse("design_zip_entry_too_large", name=key)
        try:
            documents[key] = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _refuse("design_zip_json", name=key) from None
    if "app.json" not in documents:
        raise _refuse("design_zip_no_app")
    return documents


def _common_folder(names: list[str]) -> str:
    """``"<app>/"`` when every entry sits in one top folder holding app.json, else ``""``."""
    if "app.json" in names:
        return ""
    tops = {name.partition("/")[0] for name in names}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/app.json" in names and top not in ("", ".", ".."):
            return f"{top}/"
    return ""
