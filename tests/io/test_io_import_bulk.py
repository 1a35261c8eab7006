"""Imports create their records together: the statements of an import do not grow with
its rows, and every record is numbered, audited and checked as a create is."""

from __future__ import annotations

import pytest

from formflow.io.importing import ImportFailed
from formflow.records import audit
from support import SHIPPED_APPS
from support.helpers import counting_queries
from support.io_support import csv_bytes

CUSTOMER = "crm.customer"
HEADER = ["name", "code", "level", "owner", "email"]


@pytest.fixture
def metadata_path():
    return [str(SHIPPED_APPS / "crm")]


def customers(count: int, first: int = 0) -> list[list[str]]:
    return [
        [f"Firm {n}", f"F{n:05}", "A", "admin", f"f{n}@example.com"]
        for n in range(first, first + count)
    ]


def import_statements(runtime, admin, rows: list[list[str]]) -> int:
    with counting_queries(runtime.db.engine) as statements:
        result = runtime.importer.run(admin, CUSTOMER, csv_bytes([HEADER, *rows]))
    assert result.created == len(rows)
    return len(statements)


def test_the_statements_of_an_import_do_not_grow_with_its_rows(runtime, admin):
    few = import_statements(runtime, admin, customers(5))
    many = import_statements(runtime, admin, customers(300, first=100))
    assert many <= few + 2  # an insert batch of 300 rows may be split in two on PostgreSQL
    assert few < 30


def test_imported_records_are_numbered_in_row_order_and_audited(runtime, admin):
    runtime.records.create(admin, CUSTOMER, {"name": "Before", "code": "B0", "level": "A"})
    runtime.importer.run(admin, CUSTOMER, csv_bytes([HEADER, *customers(50)]))
    page = runtime.records.list(admin, CUSTOMER, {"per_page": ["100"], "sort": ["id"]})
    numbers = [record["_number"] for record in page.items]
    assert numbers == [f"CUS-{n:05}" for n in range(1, 52)]
    assert [record["code"] for record in page.items[1:]] == [f"F{n:05}" for n in range(50)]
    with runtime.db.read() as conn:
        trail = audit.history(conn, CUSTOMER, page.items[10]["id"])
    assert [entry["action"] for entry in trail] == ["create"]
    assert trail[0]["actor"] == "admin"
    assert trail[0]["changes"]["code"] == {"old": None, "new": "F00009"}
    assert trail[0]["changes"]["owner"] == {"old": None, "new": "admin"}


def test_a_unique_value_is_taken_by_its_first_row_or_by_a_stored_record(runtime, admin):
    runtime.records.create(admin, CUSTOMER, {"name": "Stored", "code": "TAKEN", "level": "A"})
    rows = customers(3)
    rows[1][1] = "TAKEN"  # row 3: held by a stored record
    rows.append(["Again", "F00000", "B", "admin", ""])  # row 5: the code of row 2
    rows.append(["Bad", "F00000", "Z", "", ""])  # row 6: also a bad level
    with pytest.raises(ImportFailed) as excinfo:
        runtime.importer.run(admin, CUSTOMER, csv_bytes([HEADER, *rows]))
    errors = {path: [m.key for m in ms] for path, ms in excinfo.value.errors.items()}
    assert errors == {
        "row 3.code": ["unique"],
        "row 5.code": ["unique"],
        "row 6.code": ["unique"],
        "row 6.level": ["invalid_choice"],
    }
    assert runtime.records.list(admin, CUSTOMER, {}).total == 1


def test_a_dry_run_leaves_the_counters_where_they_were(runtime, admin):
    runtime.importer.run(admin, CUSTOMER, csv_bytes([HEADER, *customers(20)]), dry_run=True)
    saved = runtime.records.create(admin, CUSTOMER, {"name": "First", "code": "XX", "level": "A"})
    assert saved["_number"] == "CUS-00001"


def test_an_import_sends_its_rows_as_parameters_of_short_statements(runtime, admin):
    with counting_queries(runtime.db.engine) as statements:
        runtime.importer.run(admin, CUSTOMER, csv_bytes([HEADER, *customers(150)]))
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert inserts and max(len(s) for s in inserts) < 2_000  # no VALUES list per row
    after = runtime.records.create(admin, CUSTOMER, {"name": "After", "code": "AF", "level": "A"})
    page = runtime.records.list(admin, CUSTOMER, {"per_page": ["200"], "sort": ["id"]})
    ids = [record["id"] for record in page.items]
    assert ids == list(range(ids[0], ids[0] + 151)) and after["id"] == ids[-1]
