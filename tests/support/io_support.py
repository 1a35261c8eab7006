"""Helpers for the import and export tests: files in and out, and the depot app
(``tests/metadata/io``) whose roles cover every import/export grant and scope."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook, load_workbook

DEPOT = Path(__file__).resolve().parents[1] / "metadata" / "io"
ITEM = "depot.item"


def csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    target = io.BytesIO()
    book.save(target)
    return target.getvalue()


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode()), "an export starts with a byte-order mark"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def exported(runtime, user, entity: str, args=None, file_format: str = "csv") -> bytes:
    export = runtime.exporter.export(user, entity, args or {}, file_format)
    return b"".join(export.chunks)


def items(count: int, bad: set[int] = frozenset()) -> bytes:
    """A file of ``count`` items; the items numbered in ``bad`` have a negative qty."""
    rows = [["name", "sku", "qty"]]
    rows += [[f"Item {n}", f"S{n}", "-1" if n in bad else str(n)] for n in range(1, count + 1)]
    return csv_bytes(rows)



def item_count(runtime, admin) -> int:
    """How many depot items ``admin`` sees."""
    return runtime.records.list(admin, ITEM, {}).total
