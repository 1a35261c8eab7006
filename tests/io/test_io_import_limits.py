"""Hostile import files are refused within bounds: an XLSX sheet declaring a huge
dimension before a row is read, gaps of blank rows (they count), rows past what a
spreadsheet holds, too many columns or cells, a reading that takes too long, CSV lines
too long; and a file with many bad rows lists fifty problems and counts the rest.
The malicious XLSX files are written here, cell XML and all."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from formflow.io.importing import ImportFailed, error_lines
from formflow.io.reading import FileTooLarge, UnreadableFile
from support.helpers import LAB, PARTNER, add_user, database_state, problem
from support.io_support import csv_bytes, xlsx_bytes

CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def crafted_xlsx(rows: dict[int, dict[str, str]], dimension: str | None = None) -> bytes:
    """A workbook of one sheet holding ``rows`` ({row number: {column letters: text}}),
    declaring ``dimension`` (or none)."""
    cells = "".join(
        f'<row r="{number}">' + "".join(
            f'<c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
            for column, text in row.items()) + "</row>"
        for number, row in rows.items()
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE}"><Relationship '
                       f'Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
                       'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r='
                           f'"{RELATIONSHIPS}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
                           "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE}">'
                                      f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet"'
                                      ' Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">{declared}'
                                    f"<sheetData>{cells}</sheetData></worksheet>",
    }
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return target.getvalue()


def gap_to(row: int, dimension: str | None = None) -> bytes:
    """A header, then one partner far down the sheet."""
    return crafted_xlsx({1: {"A": "name"}, row: {"A": "Far away"}}, dimension)


@pytest.fixture
def metadata_path():
    return [str(LAB)]


def refused(runtime, admin, data, error=FileTooLarge, seconds=3.0) -> str:
    """The English message of a refused import; asserts it came quickly and wrote
    nothing."""
    before = database_state(runtime)
    started = time.perf_counter()
    with pytest.raises(error) as excinfo:
        runtime.importer.run(admin, PARTNER, data)
    assert time.perf_counter() - started < seconds
    assert database_state(runtime) == before
    return excinfo.value.message.render("en")


def test_a_crafted_xlsx_is_small():
    assert len(gap_to(1_000_000, "A1:XFD1048576")) < 2000


def test_an_xlsx_declaring_a_huge_sheet_is_refused_before_a_row_is_read(runtime, admin):
    message = refused(runtime, admin, gap_to(1_000_000, "A1:XFD1048576"), seconds=1)
    assert "more than 50000 rows" in message


def test_an_xlsx_declaring_too_many_columns_is_refused_before_a_row_is_read(runtime, admin):
    message = refused(runtime, admin, gap_to(2, "A1:ZZ2"), seconds=1)
    assert "more than 500 columns" in message


def test_an_xlsx_declaring_too_many_rows_is_refused_before_a_row_is_read(runtime, admin):
    message = refused(runtime, admin, gap_to(1_000_000, "A1:A1048576"), seconds=1)
    assert "more than 50000 rows" in message


def test_an_xlsx_declaring_rows_past_a_spreadsheets_last_row_is_unreadable(runtime, admin):
    message = refused(runtime, admin, gap_to(2, "A1:A2000000"), UnreadableFile, seconds=1)
    assert "1,048,576" in message


def test_blank_rows_of_an_xlsx_gap_count_toward_the_row_limit(runtime, admin):
    assert "more than 50000 rows" in refused(runtime, admin, gap_to(1_000_000))


def test_a_dimension_smaller_than_the_sheet_loses_no_row(runtime, admin):
    data = crafted_xlsx({1: {"A": "name"}, 2: {"A": "Near"}, 5: {"A": "Further"}}, "A1:A2")
    assert runtime.importer.run(admin, PARTNER, data).created == 2


def test_xlsx_rows_past_a_spreadsheets_last_row_are_refused(make_app, metadata_path, admin):
    roomy = make_app(metadata_path, IMPORT_MAX_ROWS=2_000_000).extensions["formflow"]
    message = refused(roomy, admin, gap_to(1_048_577), UnreadableFile, seconds=60)
    assert "1,048,576" in message


def test_an_xlsx_row_too_wide_is_refused(runtime, admin):
    data = crafted_xlsx({1: {"A": "name"}, 2: {"A": "x", "ZZ": "wide"}})
    assert "more than 500 columns" in refused(runtime, admin, data)


@pytest.mark.parametrize("write", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_exactly_the_row_limit_is_imported_and_one_row_more_is_refused(
    make_app, metadata_path, admin, write
):
    small = make_app(metadata_path, IMPORT_MAX_ROWS=5).extensions["formflow"]

    def sheet(count: int) -> bytes:
        return write([["name"], *([f"Part {n}"] for n in range(1, count + 1))])

    assert "more than 5 rows" in refused(small, admin, sheet(6))
    assert small.importer.run(admin, PARTNER, sheet(5)).created == 5


def test_blank_csv_lines_count_toward_the_row_limit(make_app, metadata_path, admin):
    small = make_app(metadata_path, IMPORT_MAX_ROWS=50).extensions["formflow"]
    data = b"name\n" + b"\n" * 60 + b"Far away\n"
    assert "more than 50 rows" in refused(small, admin, data)


def test_cells_over_the_limit_are_refused(make_app, metadata_path, admin):
    small = make_app(metadata_path, IMPORT_MAX_CELLS=100).extensions["formflow"]
    data = csv_bytes([["name", "code", "a", "b", "c"]] + [[f"P{n}", "", "", "", ""]
                                                            for n in range(30)])
    assert "more than 100 cells" in refused(small, admin, data)


def test_a_csv_line_too_long_is_refused_before_it_is_parsed(runtime, admin):
    data = b'name\n"' + b"x" * 1_000_001 + b'"\n'
    assert "Line 2 of the file is longer than" in refused(runtime, admin, data)


def test_reading_that_takes_too_long_is_stopped(make_app, metadata_path, admin, monkeypatch):
    slow = make_app(metadata_path, IMPORT_MAX_SECONDS=5).extensions["formflow"]
    ticks = iter(range(0, 10_000, 2))  # every look at the clock: two seconds later
    monkeypatch.setattr("formflow.io.reading.time.monotonic", lambda: next(ticks))
    data = csv_bytes([["name"]] + [[f"P{n}"] for n in range(2000)])
    assert "longer than 5 seconds" in refused(slow, admin, data)


def test_an_import_lists_fifty_problems_and_counts_every_bad_row(runtime, admin):
    data = csv_bytes([["name", "phone"]] + [["", "not a phone"] for _ in range(100)])
    with pytest.raises(ImportFailed) as excinfo:
        runtime.importer.run(admin, PARTNER, data)
    errors = excinfo.value.errors
    assert len([path for path in errors if path]) == 50
    assert "more problems" in errors[""][-1].render("en")
    assert excinfo.value.message.render("en").startswith("100 row(s)")
    lines = error_lines(errors, "en")
    assert len(lines) == 51 and lines[-1] == "…and 150 more problems, not listed."


def test_a_crafted_xlsx_over_http_is_413_at_once(app, admin):
    _, api = add_user(app, "importer", roles=["admin"])
    started = time.perf_counter()
    response = api.post("/api/v1/lab/partner/import", data=gap_to(1_000_000, "A1:XFD1048576"),
                        headers={"Accept-Language": "en", "Content-Type": XLSX})
    assert time.perf_counter() - started < 2
    # past the background imports' limit too (a big file is imported as a job)
    assert "more than 1000000 rows" in problem(response, 413)["detail"]
