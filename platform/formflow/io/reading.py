"""Read an uploaded CSV or XLSX file into a header and data rows, within bounds.

The format comes from the content (an XLSX file is a zip archive), so a file's name
cannot mislead.  CSV is read as UTF-8 (with or without a byte-order mark), else as
GB 18030, the encoding spreadsheet programs in Chinese use when saving CSV.  XLSX is
read from its first sheet with openpyxl in read-only mode, formulas as their last
computed value.  Blank rows are skipped; rows keep their number in the file, which is
how errors name them (the header is row 1 unless blank rows come first).

Reading is bounded before and while it happens (:class:`ReadLimits`): an XLSX sheet
whose declared dimension is beyond the limits (or beyond what a spreadsheet can hold)
is refused before a row is read; then every row read counts, blank ones too (a gap
down to row 1,000,000 is a million rows), and so do its columns, the cells of all
rows together and the time spent.  A CSV line longer than :data:`MAX_LINE_LENGTH`
is refused before it is parsed.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from formflow.errors import ServiceError
from formflow.i18n import Message

#: What a spreadsheet program can hold: a sheet past these is not a real one.
SHEET_ROWS = 1_048_576
SHEET_COLUMNS = 16_384
#: Characters of one physical CSV line.
MAX_LINE_LENGTH = 1_000_000
#: How many rows go by between two looks at the clock.
CLOCK_EVERY = 256
#: An XLSX file may expand to this many times its size, and at least this many bytes.
MAX_EXPANSION = 50
MIN_EXPANDED = 50 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class UnreadableFile(ServiceError):
    status = 400


class FileTooLarge(ServiceError):
    status = 413


@dataclass(frozen=True)
class ReadLimits:
    """How much of a file is read (settings ``FORMFLOW_IMPORT_MAX_*``)."""

    #: Data rows; the rows read, blank ones and the header included, may be one more.
    rows: int = 50_000
    columns: int = 500
    #: Cells of all rows read together, blank ones included.
    cells: int = 2_000_000
    seconds: float = 60


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    #: The header's row number in the file (1 unless blank rows come first).
    header_row: int
    #: (row number in the file, cells) of every non-blank data row.
    rows: list[tuple[int, list[Any]]]
    format: str


def read_sheet(data: bytes, limits: ReadLimits, index: int = 0) -> Sheet:
    """The file's header and data rows (of the XLSX sheet ``index``); UnreadableFile, or
    FileTooLarge when it goes past one of the ``limits``."""
    if data.startswith(ZIP_MAGIC):
        return _collect(_xlsx_rows(data, limits, index), limits, "xlsx")
    return _collect(_csv_stream(io.BytesIO(data)), limits, "csv")


def sheet_titles(data: bytes) -> list[str]:
    """The titles of an XLSX file's sheets, in order (a CSV file: none)."""
    if not data.startswith(ZIP_MAGIC):
        return []
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        problem = f"{type(error).__name__}: {error}"[:200]
        raise UnreadableFile(Message("import_unreadable", {"problem": problem})) from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _collect(rows: Iterator[list[Any]], limits: ReadLimits, kind: str) -> Sheet:
    numbered = _numbered(rows, limits)
    header_row, header = next(numbered)
    return Sheet(header, header_row, list(numbered), kind)


def stream_sheet(source: bytes | BinaryIO, limits: ReadLimits, chunk: int
                 ) -> tuple[list[str], int, Iterator[list[tuple[int, list[Any]]]]]:
    """The file's header, its row number and its data rows in chunks of ``chunk``
    rows, read as they are asked for (the limits apply as in :func:`read_sheet`).
    ``source`` may be an open binary file (seekable): it is then read a piece at a
    time, never whole, so memory stays flat however long the file."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    handle.seek(0)
    is_xlsx = handle.read(len(ZIP_MAGIC)) == ZIP_MAGIC
    handle.seek(0)
    rows = _xlsx_rows(handle, limits) if is_xlsx else _csv_stream(handle)
    numbered = _numbered(rows, limits)
    header_row, header = next(numbered)
    return header, header_row, _chunked(numbered, chunk)


def _chunked(rows: Iterator[tuple[int, list[Any]]], size: int
             ) -> Iterator[list[tuple[int, list[Any]]]]:
    chunk: list[tuple[int, list[Any]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _numbered(rows: Iterator[list[Any]], limits: ReadLimits) -> Iterator[tuple[int, Any]]:
    """(header row number, header), then (row number, cells) of each non-blank data row,
    within ``limits``; UnreadableFile when the file has no header."""
    header_seen = False
    cells = 0
    deadline = time.monotonic() + limits.seconds
    for number, row in enumerate(rows, start=1):
        if number > limits.rows + 1:  # blank rows count: reading them is work too
            raise FileTooLarge(Message("import_too_many_rows", {"max": limits.rows}))
        if len(row) > limits.columns:
            raise FileTooLarge(Message("import_too_many_columns", {"max": limits.columns}))
        cells += len(row)
        if cells > limits.cells:
            raise FileTooLarge(Message("import_too_many_cells", {"max": limits.cells}))
        if number % CLOCK_EVERY == 0 and time.monotonic() > deadline:
            raise FileTooLarge(Message("import_too_slow", {"seconds": f"{limits.seconds:g}"}))
        if not any(is_filled(c) for c in row):
            continue
        if not header_seen:
            header_seen = True
            yield number, ["" if c is None else str(c) for c in row]
        else:
            yield number, row
    if not header_seen:
        raise UnreadableFile(Message("import_empty"))


def is_filled(cell: Any) -> bool:
    """Whether a cell holds anything but spaces."""
    return cell is not None and str(cell).strip() != ""


def _csv_stream(handle: BinaryIO) -> Iterator[list[str]]:
    """The rows of a CSV file read a piece at a time, after a first pass over its bytes
    that picks the encoding and refuses NUL characters."""
    encoding = _stream_encoding(handle)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    reader = csv.reader(_bounded_lines(text))
    try:
        yield from reader
    except csv.Error as error:
        problem = f"line {reader.line_num}: {error}"
        raise UnreadableFile(Message("import_unreadable", {"problem": problem})) from None
    finally:
        text.detach()  # the caller owns the file


#: Bytes read at a time when a file is looked over.
PIECE = 1024 * 1024


def _stream_encoding(handle: BinaryIO) -> str:
    """UTF-8 (with or without a byte-order mark) if the whole file decodes so, else
    GB 18030; then back to the file's start."""
    chosen = None
    for encoding in ("utf-8-sig", "gb18030"):
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while piece := handle.read(PIECE):
                if b"\x00" in piece:
                    raise UnreadableFile(Message("import_unreadable", {"problem": "NUL"}))
                decoder.decode(piece)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        chosen = encoding
        break
    handle.seek(0)
    if chosen is None:
        raise UnreadableFile(Message("import_unreadable",
                                     {"problem": "not UTF-8 or GB 18030 text"}))
    return chosen


def _bounded_lines(lines: Iterable[str]) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_LENGTH:
            raise FileTooLarge(Message("import_line_too_long", {
                "line": number, "max": MAX_LINE_LENGTH}))
        yield line


def _xlsx_rows(data: bytes | BinaryIO, limits: ReadLimits, index: int = 0
               ) -> Iterator[list[Any]]:
    """The rows of the sheet ``index``, read as asked for (openpyxl's read-only mode)."""
    from openpyxl import load_workbook  # imported when needed: most imports are CSV

    handle = io.BytesIO(data) if isinstance(data, bytes) else data
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
        expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise UnreadableFile(Message("import_unreadable", {"problem": str(error)[:200]})) from None
    if expanded > max(MIN_EXPANDED, MAX_EXPANSION * size):
        raise FileTooLarge(Message("import_unreadable", {"problem": "archive expands too far"}))
    try:
        handle.seek(0)
        book = load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        problem = f"{type(error).__name__}: {error}"[:200]
        raise UnreadableFile(Message("import_unreadable", {"problem": problem})) from None
    try:
        sheet = book.worksheets[index] if len(book.worksheets) > index else None
        if sheet is not None:
            _check_dimension(sheet.max_row, sheet.max_column, limits)
            sheet.reset_dimensions()  # rows past a dimension that lies are read, not lost
            yield from _trimmed(_within_sheet(sheet.iter_rows(values_only=True)))
    except ServiceError:
        raise
    except Exception as error:  # a sheet damaged past its first rows
        problem = f"{type(error).__name__}: {error}"[:200]
        raise UnreadableFile(Message("import_unreadable", {"problem": problem})) from None
    finally:
        book.close()


def _check_dimension(last_row: int | None, last_column: int | None,
                     limits: ReadLimits) -> None:
    """Refuse a sheet whose declared dimension (``<dimension ref="A1:XFD1048576"/>``)
    is past the limits; a sheet that declares none is counted as it is read."""
    if not last_row or not last_column:
        return
    if last_row > SHEET_ROWS or last_column > SHEET_COLUMNS:
        raise UnreadableFile(Message("import_unreadable", {
            "problem": f"the sheet declares {last_row:,} rows and {last_column:,} columns; "
                       f"a sheet holds at most {SHEET_ROWS:,} and {SHEET_COLUMNS:,}"}))
    if last_row > limits.rows + 1:
        raise FileTooLarge(Message("import_too_many_rows", {"max": limits.rows}))
    if last_column > limits.columns:
        raise FileTooLarge(Message("import_too_many_columns", {"max": limits.columns}))
    if last_row * last_column > limits.cells:
        raise FileTooLarge(Message("import_too_many_cells", {"max": limits.cells}))


def _within_sheet(rows: Iterable[tuple]) -> Iterator[tuple]:
    """The rows, refusing any numbered past what a spreadsheet can hold."""
    for number, row in enumerate(rows, start=1):
        if number > SHEET_ROWS:
            raise UnreadableFile(Message("import_unreadable", {
                "problem": f"rows past row {SHEET_ROWS:,}"}))
        yield row


def _trimmed(rows: Iterable[tuple]) -> Iterator[list[Any]]:
    """Rows without their trailing empty cells (a sheet's rows are as wide as its widest)."""
    for row in rows:
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        yield cells
