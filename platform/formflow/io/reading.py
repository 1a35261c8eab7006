"""Read an uploaded CSV or XLSX file into a header and data rows, within bounds.

The format comes from the content (an XLSX file is a zip archive), so a file's name
cannot mislead.  CSV is read as UTF-8 (with or without a byte-order mark), else as
GB 18030, the encoding spreadsheet programs in Chinese use when saving CSV.  XLSX is
read from its first sheet with openpyxl in read-only mode, formulas as their last
computed value.  Blank rows are skipped; rows keep their number in the file, which is
how errors name them (the header is row 1 unless blank rows come first).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from formflow.errors import ServiceError
from formflow.i18n import Message

MAX_COLUMNS = 500
#: An XLSX file may expand to this many times its size, and at least this many bytes.
MAX_EXPANSION = 50
MIN_EXPANDED = 50 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class UnreadableFile(ServiceError):
    status = 400


class FileTooLarge(ServiceError):
    status = 413


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    #: The header's row number in the file (1 unless blank rows come first).
    header_row: int
    #: (row number in the file, cells) of every non-blank data row.
    rows: list[tuple[int, list[Any]]]
    format: str


def read_sheet(data: bytes, *, max_rows: int) -> Sheet:
    """The file's header and data rows; UnreadableFile or FileTooLarge when it cannot be
    read or holds more than ``max_rows`` data rows."""
    if data.startswith(ZIP_MAGIC):
        return _collect(_xlsx_rows(data), max_rows, "xlsx")
    return _collect(_csv_rows(data), max_rows, "csv")


def _collect(rows: Iterator[list[Any]], max_rows: int, kind: str) -> Sheet:
    header: list[str] | None = None
    header_row = 0
    data: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(rows, start=1):
        if len(cells) > MAX_COLUMNS:
            raise FileTooLarge(Message("import_too_many_columns", {"max": MAX_COLUMNS}))
        if header is None:
            if any(is_filled(c) for c in cells):
                header = ["" if c is None else str(c) for c in cells]
                header_row = number
            continue
        if any(is_filled(c) for c in cells):
            if len(data) >= max_rows:
                raise FileTooLarge(Message("import_too_many_rows", {"max": max_rows}))
            data.append((number, cells))
    if header is None:
        raise UnreadableFile(Message("import_empty"))
    return Sheet(header, header_row, data, kind)


def is_filled(cell: Any) -> bool:
    """Whether a cell holds anything but spaces."""
    return cell is not None and str(cell).strip() != ""


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise UnreadableFile(Message("import_unreadable", {"problem": "NUL"}))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as error:
        problem = f"line {reader.line_num}: {error}"
        raise UnreadableFile(Message("import_unreadable", {"problem": problem})) from None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(Message("import_unreadable", {"problem": "not UTF-8 or GB 18030 text"}))


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook  # imported when needed: most imports are CSV

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise UnreadableFile(Message("import_unreadable", {"problem": str(error)[:200]})) from None
    if expanded > max(MIN_EXPANDED, MAX_EXPANSION * len(data)):
        raise FileTooLarge(Message("import_unreadable", {"problem": "archive expands too far"}))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        problem = f"{type(error).__name__}: {error}"[:200]
        raise UnreadableFile(Message("import_unreadable", {"problem": problem})) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is not None:
            yield from _trimmed(sheet.iter_rows(values_only=True))
    finally:
        book.close()


def _trimmed(rows: Iterable[tuple]) -> Iterator[list[Any]]:
    """Rows without their trailing empty cells (a sheet's rows are as wide as its widest)."""
    for row in rows:
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        yield cells
