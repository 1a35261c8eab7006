"""Write rows of cells as CSV or XLSX, in bounded memory.

CSV is produced in chunks of text, starting with a UTF-8 byte-order mark so that
spreadsheet programs (Excel in particular) read Chinese text correctly.  XLSX is
written with openpyxl's write-only mode, which streams rows to a temporary file; the
finished workbook is assembled in a spooled temporary file and read back in chunks.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

CHUNK = 64 * 1024
#: An XLSX export is kept in memory up to this size, beyond it in a temporary file.
SPOOL = 8 * 1024 * 1024


def csv_chunks(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """The rows as UTF-8 CSV (with a byte-order mark), in chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(rows: Iterable[list[Any]], sheet_title: str) -> Iterator[bytes]:
    """The rows as one worksheet of an XLSX workbook, in chunks."""
    return workbook_chunks([(sheet_title, rows)])


def workbook_chunks(sheets: Iterable[tuple[str, Iterable[list[Any]]]]) -> Iterator[bytes]:
    """Each (title, rows) as a worksheet of one XLSX workbook, in order, in chunks."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title[:31])
        for row in rows:
            sheet.append([
                ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell
                for cell in row
            ])
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as target:
        book.save(target)
        target.seek(0)
        while chunk := target.read(CHUNK):
            yield chunk
