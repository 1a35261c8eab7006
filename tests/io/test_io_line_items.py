"""Documents with their line items in files: a sheet per table field, two CSV files, or
repeated document rows; an export with lines imports back unchanged."""

from __future__ import annotations

import pytest

from formflow.cli import main
from formflow.io.importing import ImportFailed, error_lines
from support.helpers import database_state
from support.io_support import csv_bytes, read_csv, xlsx_bytes

ORDER = "inventory.purchase_order"
HEADER = ["_number", "supplier", "order_date", "expected_date", "warehouse"]


@pytest.fixture
def world(runtime, admin):
    """A supplier, two products and a warehouse, by name."""
    records = runtime.records
    supplier = records.create(admin, "inventory.supplier",
                              {"name": "Acme", "code": "AC", "email": "a@acme.cn"})
    products = {name: records.create(admin, "inventory.product", {
        "name": name, "sku": sku, "category": "office", "unit": "pcs", "price": "2.00"})
        for name, sku in (("Pen", "PEN"), ("Ink", "INK"))}
    warehouse = records.create(admin, "warehouse.warehouse", {"name": "Main", "code": "WH1"})
    return {"supplier": supplier, "products": products, "warehouse": warehouse}


def workbook(sheets: list[tuple[str, list[list]]]) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    target = BytesIO()
    book.save(target)
    return target.getvalue()


def orders(runtime, admin) -> list[dict]:
    items = runtime.records.list(admin, ORDER, {"per_page": ["50"], "sort": ["id"]}).items
    return [runtime.records.get(admin, ORDER, item["id"]) for item in items]


def lines_of(order: dict, world) -> list[tuple]:
    names = {p["id"]: name for name, p in world["products"].items()}
    return [(names[line["product"]], line["quantity"], line["unit_price"])
            for line in order["lines"]]


DOCUMENTS = [HEADER, ["1", "Acme", "2026-03-01", "2026-03-09", "Main"],
             ["2", "Acme", "2026-03-02", "2026-03-10", "Main"]]
LINES = [["_number", "product", "quantity", "unit_price"],
         ["2", "Ink (INK)", "5", "3.50"], ["1", "Pen (PEN)", "10", "1.20"],
         ["1", "Ink (INK)", "1", "3.00"]]


def test_a_workbook_with_a_sheet_of_lines_imports_documents_and_lines(runtime, admin, world):
    data = workbook([("orders", DOCUMENTS), ("lines", LINES)])
    result = runtime.importer.run(admin, ORDER, data)
    assert result.created == 2
    first, second = orders(runtime, admin)
    assert lines_of(first, world) == [("Pen", "10.00", "1.20"), ("Ink", "1.00", "3.00")]
    assert lines_of(second, world) == [("Ink", "5.00", "3.50")]
    assert first["lines"][0]["amount"] == "12.00"  # computed as on any save


def test_two_csv_files_import_as_one(runtime, admin, world):
    result = runtime.importer.run(admin, ORDER, csv_bytes(DOCUMENTS),
                                  lines={"lines": csv_bytes(LINES)})
    assert result.created == 2
    assert lines_of(orders(runtime, admin)[0], world) == [("Pen", "10.00", "1.20"),
                                                          ("Ink", "1.00", "3.00")]


def test_repeated_document_rows_carry_one_line_each(runtime, admin, world):
    rows = [["supplier", "order_date", "expected_date", "warehouse", "lines.product",
             "lines.quantity", "lines.unit_price"],
            ["Acme", "2026-03-01", "2026-03-09", "Main", "Pen (PEN)", "10", "1.20"],
            ["Acme", "2026-03-01", "2026-03-09", "Main", "Ink (INK)", "1", "3.00"],
            ["Acme", "2026-03-02", "2026-03-10", "Main", "Ink (INK)", "5", "3.50"]]
    result = runtime.importer.run(admin, ORDER, xlsx_bytes(rows))
    assert (result.rows, result.created) == (2, 2)
    first, second = orders(runtime, admin)
    assert lines_of(first, world) == [("Pen", "10.00", "1.20"), ("Ink", "1.00", "3.00")]
    assert lines_of(second, world) == [("Ink", "5.00", "3.50")]


def test_line_problems_name_the_document_row_and_the_line(runtime, admin, world):
    bad = [LINES[0], ["1", "Nothing", "x", "1"], ["9", "Pen (PEN)", "1", "1"]]
    data = workbook([("orders", DOCUMENTS), ("lines", bad)])
    before = database_state(runtime)
    with pytest.raises(ImportFailed) as excinfo:
        runtime.importer.run(admin, ORDER, data)
    assert database_state(runtime) == before
    errors = {path: [m.key for m in ms] for path, ms in excinfo.value.errors.items()}
    assert errors == {"lines row 3": ["line_without_document"],
                      "row 2.lines[0].product": ["no_such_link"],
                      "row 2.lines[0].quantity": ["invalid_number"],
                      "row 3.lines": ["too_few_rows"]}  # its only line was not found
    lines = error_lines(excinfo.value.errors, "en", runtime.model.entity(ORDER))
    assert "lines: row 3: No document has '9' in column _number." in lines
    assert "row 2: Line items 1 · Quantity: Enter a number." in lines


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_export_with_lines_imports_back_unchanged(runtime, admin, world, runner, tmp_path,
                                                    file_format):
    runtime.importer.run(admin, ORDER, workbook([("orders", DOCUMENTS), ("lines", LINES)]))
    target = tmp_path / f"orders.{file_format}"
    args = ["export", ORDER, "--format", file_format, "--lines", "-o", str(target)]
    assert runner.invoke(main, args).exit_code == 0
    again = ["import", ORDER, str(target)]
    if file_format == "csv":
        lines_file = tmp_path / "orders.lines.csv"
        assert read_csv(lines_file.read_bytes())[0]["product"].startswith("P-")  # numbers
        again += ["--lines", f"lines={lines_file}"]
    done = runner.invoke(main, again)
    assert done.exit_code == 0, done.output
    assert "2 record(s) were created" in done.output
    found = orders(runtime, admin)

    def content(order):
        fields = {k: v for k, v in order.items() if not k.startswith("_") and k != "id"}
        return repr({**fields, "lines": lines_of(order, world)})

    assert sorted(map(content, found[2:])) == sorted(map(content, found[:2]))
    same = runner.invoke(main, ["import", ORDER, str(target), "--key", "id", *again[3:]])
    assert "0 updated, 2 unchanged" in same.output, same.output
