"""Importing records from CSV and XLSX files: every row through the records service's
save pipeline, all or nothing, every problem reported by row and field."""

from __future__ import annotations

from datetime import datetime

import pytest

from formflow.errors import Forbidden
from formflow.io.importing import ANALYZE_AFTER_ROWS, ImportFailed, error_lines
from formflow.io.reading import FileTooLarge, UnreadableFile
from support import SHIPPED_APPS
from support.helpers import LAB, PARTNER, SAMPLE, add_departments, database_state
from support.io_support import DEPOT, ITEM, csv_bytes, exported, read_csv, xlsx_bytes

CUSTOMER = "crm.customer"
CONTACT = "crm.contact"


@pytest.fixture
def metadata_path():
    return [str(SHIPPED_APPS / "crm"), str(LAB), str(DEPOT)]


def failed(runtime, user, entity, data, **options) -> dict[str, list[str]]:
    """The message keys of a refused import, by path; asserts nothing was written."""
    before = database_state(runtime)
    with pytest.raises(ImportFailed) as excinfo:
        runtime.importer.run(user, entity, data, **options)
    assert database_state(runtime) == before
    return {path: [m.key for m in ms] for path, ms in excinfo.value.errors.items()}


def names(runtime, user, entity) -> list[str]:
    page = runtime.records.list(user, entity, {"per_page": ["200"]})
    return sorted(r["name"] for r in page.items)


# -- round trips -----------------------------------------------------------------------


def test_crm_export_imports_back_unchanged(runtime, admin, make_user):
    make_user("rep", roles=["sales_rep"])
    source = csv_bytes([
        ["name", "code", "industry", "level", "credit_limit", "owner", "active", "rating",
         "notes"],
        ["Acme", "ACME01", "retail", "A", "1000.50", "rep", "true", "4", "=HYPERLINK(1)"],
        ["北京科技", "BJ02", "technology", "B", "", "admin", "false", "", "多行\n备注"],
    ])
    result = runtime.importer.run(admin, CUSTOMER, source)
    assert (result.created, result.updated) == (2, 0)
    contact = csv_bytes([["name", "customer", "phone"], ["Ann", "ACME01", "123"]])
    with pytest.raises(ImportFailed):  # a link names the number, id or title, not a code
        runtime.importer.run(admin, CONTACT, contact)
    number = runtime.records.list(admin, CUSTOMER, {"code": ["ACME01"]}).items[0]["_number"]
    runtime.importer.run(admin, CONTACT, csv_bytes([
        ["name", "customer", "phone"],
        ["Ann", number, "010-12345678"], ["Bob", "北京科技", "010-87654321"],  # number, title
    ]))
    first = exported(runtime, admin, CUSTOMER)
    again = runtime.importer.run(admin, CUSTOMER, first, key="id")
    assert (again.updated, again.unchanged) == (0, 2)
    assert exported(runtime, admin, CUSTOMER) == first
    contacts = read_csv(exported(runtime, admin, CONTACT))
    assert sorted(c["customer"] for c in contacts) == sorted(
        [number, runtime.records.list(admin, CUSTOMER, {"code": ["BJ02"]}).items[0]["_number"]])


def test_every_field_type_round_trips(runtime, admin, make_user):
    add_departments(runtime)
    make_user("carl", roles=["clerk"])
    partner = runtime.records.create(admin, PARTNER, {"name": "Acme"})
    values = {
        "name": "Every type", "code": "ABC12", "description": "line one\nline two",
        "quantity": 7, "price": "12.50", "budget": "-3.25", "discount": "10", "active": False,
        "due": "2024-02-29", "starts_at": "2024-03-01T08:30:00Z", "opens": "09:15",
        "kind": "special", "tags": ["red", "blue"], "partner": partner["id"], "owner": "carl",
        "team": "SALES", "email": "a@example.com", "phone": "+86 10 1234", "website":
        "https://example.com", "score": 4, "special_reason": "-why", "memo": "@home",
        "secret": "+s", "rate": "1.5", "lines": [{"item": "x", "qty": 1, "unit_price": "2"}],
    }
    record = runtime.records.create(admin, SAMPLE, values)
    first = exported(runtime, admin, SAMPLE)
    row = read_csv(first)[0]
    assert row["tags"] == "red, blue" and row["owner"] == "carl" and row["team"] == "SALES"
    assert row["kind"] == "Special"  # options show their labels
    assert row["price"] == "12.50" and row["starts_at"] == "2024-03-01T08:30:00Z"
    assert row["partner"] == str(partner["id"])  # partners have no number: the id
    assert "lines" not in row  # line items stay out of files
    runtime.records.delete(admin, SAMPLE, record["id"])
    imported = runtime.importer.run(admin, SAMPLE, first)
    assert imported.created == 1
    copy = runtime.records.list(admin, SAMPLE, {}).items[0]
    for name in values:
        if name not in ("lines", "code"):  # the code is unique: the deleted record holds it
            assert copy[name] == record[name], name
    assert copy["lines"] == []  # line items are not in files


def test_xlsx_round_trips_and_reads_typed_cells(runtime, admin):
    runtime.importer.run(admin, SAMPLE, xlsx_bytes([
        ["名称", "Quantity", "due", "active", "price", "kind"],
        ["Typed", 5, datetime(2024, 5, 6), True, 2.5, "basic"],
    ]))
    record = runtime.records.list(admin, SAMPLE, {}).items[0]
    assert (record["name"], record["quantity"], record["due"], record["active"],
            record["price"]) == ("Typed", 5, "2024-05-06", True, "2.50")
    data = exported(runtime, admin, SAMPLE, file_format="xlsx")
    assert runtime.importer.run(admin, SAMPLE, data, key="id").unchanged == 1


# -- all or nothing --------------------------------------------------------------------


def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported(runtime, admin):
    data = csv_bytes([
        ["name", "quantity", "kind", "code"],
        ["Good", "1", "basic", "AAA11"],
        ["", "lots", "basic", ""],
        ["Also good", "2", "basic", ""],
        ["Bad kind", "2000", "nope", "AAA11"],
    ])
    errors = failed(runtime, admin, SAMPLE, data)
    assert errors == {
        "row 3.name": ["required"], "row 3.quantity": ["invalid_integer"],
        "row 5.quantity": ["max_value"], "row 5.kind": ["invalid_choice"],
        "row 5.code": ["unique"],  # the same code as row 2 of the same file
    }
    assert names(runtime, admin, SAMPLE) == []


def test_errors_are_lines_in_the_users_language(runtime, admin):
    with pytest.raises(ImportFailed) as excinfo:
        runtime.importer.run(admin, SAMPLE, csv_bytes([["name", "quantity"], ["Ok", "x"]]))
    assert error_lines(excinfo.value.errors, "en") == ["row 2: quantity: Enter a whole number."]
    assert error_lines(excinfo.value.errors, "zh-CN") == ["第 2 行: quantity: 请输入整数。"]


@pytest.mark.parametrize(
    ("lang", "places"),
    [("en", {"row 2: Name", "row 2: Code", "row 2: Quantity"}),
     ("zh-CN", {"第 2 行: 名称", "第 2 行: 代码", "第 2 行: Quantity"})],  # quantity: no label
)
def test_error_lines_name_fields_by_their_label_in_the_users_language(runtime, admin, lang,
                                                                     places):
    data = csv_bytes([["name", "code", "quantity"], ["X", "bad", "many"]])
    with pytest.raises(ImportFailed) as excinfo:
        runtime.importer.run(admin, SAMPLE, data)
    lines = error_lines(excinfo.value.errors, lang, runtime.model.entity(SAMPLE))
    assert {line.rsplit(": ", 1)[0] for line in lines} == places


def test_a_failed_rule_is_one_line_per_row(runtime, admin):
    data = csv_bytes([["name", "discount", "kind"], ["Cheap", "80", "basic"]])
    with pytest.raises(ImportFailed) as excinfo:
        runtime.importer.run(admin, SAMPLE, data)
    assert error_lines(excinfo.value.errors, "en", runtime.model.entity(SAMPLE)) == [
        "row 2: A discount over 50 % needs a special sample."]
    assert excinfo.value.message.render("en") == "1 row(s) have problems; nothing was imported."


def test_header_problems_are_reported_before_any_row(runtime, admin):
    data = csv_bytes([["name", "nonsense", "Name", "lines", "total"], ["A", "", "", "", ""]])
    assert failed(runtime, admin, SAMPLE, data) == {
        "row 1.nonsense": ["unknown_column"], "row 1.Name": ["duplicate_column"],
        "row 1.lines": ["table_not_importable"],
    }


def test_a_value_without_a_header_is_refused(runtime, admin):
    data = csv_bytes([["name", ""], ["Kept", ""], ["Lost", "value"], ["Also", "", "more"]])
    assert failed(runtime, admin, SAMPLE, data) == {
        "row 3": ["cell_without_header"], "row 4": ["cell_without_header"]}


def test_a_link_by_title_must_be_unambiguous(runtime, admin):
    for _ in range(2):
        runtime.records.create(admin, PARTNER, {"name": "Twin"})
    data = csv_bytes([["name", "partner"], ["Aa", "Twin"], ["Bb", "Nobody"], ["Cc", "999999"]])
    assert failed(runtime, admin, SAMPLE, data) == {
        "row 2.partner": ["link_ambiguous"], "row 3.partner": ["no_such_link"],
        "row 4.partner": ["no_such_link"],
    }


def test_a_dry_run_checks_everything_and_writes_nothing(runtime, admin):
    before = database_state(runtime)
    result = runtime.importer.run(admin, CUSTOMER, csv_bytes([["name"], ["A"], ["B"]]),
                                  dry_run=True)
    assert (result.rows, result.created, result.dry_run) == (2, 2, True)
    assert database_state(runtime) == before
    data = csv_bytes([["name", "phone"], ["", "010-12345678"]])
    assert failed(runtime, admin, CUSTOMER, data, dry_run=True) == {"row 2.name": ["required"]}


def test_defaults_apply_to_empty_cells_on_create(runtime, admin):
    runtime.importer.run(admin, CUSTOMER, csv_bytes([["name", "active", "owner"], ["A", "", ""]]))
    record = runtime.records.list(admin, CUSTOMER, {}).items[0]
    assert record["active"] is True and record["owner"] == "admin"
    assert record["_number"] == "CUS-00001"


# -- upsert ----------------------------------------------------------------------------


def test_key_updates_matching_records_and_creates_the_rest(runtime, admin):
    runtime.importer.run(admin, CUSTOMER, csv_bytes([["name", "code", "level"],
                                                     ["Acme", "ACME", "A"], ["Beta", "BETA", "B"]]))
    result = runtime.importer.run(admin, CUSTOMER, csv_bytes([
        ["code", "level", "name"], ["ACME", "C", "Acme"], ["BETA", "B", "Beta"],
        ["NEW", "A", "New"]]), key="code")
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    levels = {r["code"]: (r["level"], r["_version"])
              for r in runtime.records.list(admin, CUSTOMER, {}).items}
    assert levels == {"ACME": ("C", 2), "BETA": ("B", 1), "NEW": ("A", 1)}


def test_key_problems(runtime, admin):
    runtime.importer.run(admin, CUSTOMER, csv_bytes([["name"], ["Same"], ["Same"]]))
    data = csv_bytes([["name", "code"], ["Same", "X1"], ["Other", ""], ["Other", "X1"]])
    assert failed(runtime, admin, CUSTOMER, data, key="name") == {
        "row 2.name": ["key_matches_many"], "row 4.name": ["key_repeated"],
        "row 4.code": ["unique"]}  # rows 2 and 4 share a code: reported too
    assert failed(runtime, admin, CUSTOMER, data, key="code") == {
        "row 3.code": ["required"], "row 4.code": ["key_repeated"]}
    assert failed(runtime, admin, CUSTOMER, data, key="owner") == {"key.owner": ["not_a_key"]}
    assert failed(runtime, admin, CUSTOMER, data, key="level") == {
        "key.level": ["key_column_missing"]}


# -- permissions -----------------------------------------------------------------------


def test_import_needs_the_import_grant(runtime, make_user):
    rep = make_user("rep", roles=["sales_rep"])  # may create customers, may not import
    with pytest.raises(Forbidden):
        runtime.importer.run(rep, CUSTOMER, csv_bytes([["name"], ["A"]]))
    manager = make_user("boss", roles=["sales_manager"])
    assert runtime.importer.run(manager, CUSTOMER, csv_bytes([["name"], ["A"]])).created == 1


def test_updates_need_the_update_scope(runtime, make_user, admin):
    loader = make_user("lou", roles=["loader"])  # updates own items only
    other = runtime.records.create(admin, ITEM, {"name": "Theirs", "sku": "T1"})
    runtime.importer.run(loader, ITEM, csv_bytes([["name", "sku"], ["Mine", "M1"]]))
    data = csv_bytes([["sku", "qty"], ["M1", "5"], ["T1", "5"]])
    assert failed(runtime, loader, ITEM, data, key="sku") == {"row 3": ["forbidden_action"]}
    assert runtime.records.get(admin, ITEM, other["id"])["qty"] is None


def test_fields_the_user_may_not_write_are_refused(runtime, make_user):
    manager = make_user("boss", roles=["sales_manager"])
    runtime.importer.run(manager, CUSTOMER, csv_bytes([["name", "credit_limit"], ["A", "5"]]))
    user = make_user("plain", roles=["sales_manager"])
    assert runtime.importer.run(user, CUSTOMER, csv_bytes([["name"], ["B"]])).created == 1


# -- hostile files ---------------------------------------------------------------------


def test_too_many_rows_are_refused_before_anything_is_checked(make_app, metadata_path, admin):
    small = make_app(metadata_path, IMPORT_MAX_ROWS=3).extensions["formflow"]
    data = csv_bytes([["name"], *([f"R{i}"] for i in range(4))])
    before = database_state(small)
    with pytest.raises(FileTooLarge) as excinfo:
        small.importer.run(admin, CUSTOMER, data)
    assert "more than 3 rows" in excinfo.value.message.render("en")
    assert database_state(small) == before
    assert small.importer.run(admin, CUSTOMER, data[: data.rindex(b"R3")]).created == 3


def test_an_oversized_file_is_refused(make_app, metadata_path, admin):
    small = make_app(metadata_path, IMPORT_MAX_BYTES=100).extensions["formflow"]
    with pytest.raises(FileTooLarge):
        small.importer.run(admin, CUSTOMER, b"name\n" + b"x\n" * 100)


@pytest.mark.parametrize("data", [b"", b"\n\n", b"PK\x03\x04 not a zip", b"a\x00b\n",
                                  b"name\n\xff\xff\n"])
def test_unreadable_files_get_a_clear_error(runtime, admin, data):
    with pytest.raises((UnreadableFile, ImportFailed)) as excinfo:
        runtime.importer.run(admin, CUSTOMER, data)
    assert excinfo.value.message.render("en")


def test_gb18030_csv_from_a_spreadsheet_program_is_read(runtime, admin):
    data = "客户名称,客户代码\n华为,HW01\n".encode("gb18030")
    assert runtime.importer.run(admin, CUSTOMER, data).created == 1
    assert names(runtime, admin, CUSTOMER) == ["华为"]


@pytest.mark.parametrize("kind", ["special", "Special", "特殊", " SPECIAL "])
def test_an_option_cell_may_hold_its_value_or_a_label_in_any_language(runtime, admin, kind):
    imported = runtime.importer.run(admin, SAMPLE, csv_bytes([
        ["name", "kind", "special_reason", "tags"], ["Labelled", kind, "why", "Red, blue"],
    ]))
    assert imported.created == 1
    record = runtime.records.list(admin, SAMPLE, {}).items[0]
    assert (record["kind"], record["tags"]) == ("special", ["red", "blue"])


def test_an_export_with_codes_imports_back_as_well(runtime, admin):
    runtime.records.create(admin, SAMPLE, {"name": "Coded", "kind": "basic", "tags": ["green"]})
    coded = b"".join(runtime.exporter.export(admin, SAMPLE, {}, "csv", codes=True).chunks)
    row = read_csv(coded)[0]
    assert (row["kind"], row["tags"]) == ("basic", "green")


def test_a_large_import_refreshes_the_planners_statistics_of_its_tables(runtime, admin):
    def last_analysis():
        with runtime.db.read() as conn:
            if runtime.db.is_sqlite:
                return conn.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'crm__customer'").scalar()
            return conn.exec_driver_sql(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'crm__customer'"
            ).scalar()

    header = ["name", "code", "level"]
    runtime.importer.run(admin, CUSTOMER, csv_bytes([header, ["Firm", "FIRM", "A"]]))
    with runtime.db.write() as conn:
        if runtime.db.is_sqlite:
            conn.exec_driver_sql("ANALYZE sqlite_master")  # makes sqlite_stat1 if missing
            conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    before = last_analysis()
    rows = [[f"Firm {n}", f"F{n:05}", "A"] for n in range(ANALYZE_AFTER_ROWS)]
    runtime.importer.run(admin, CUSTOMER, csv_bytes([header, *rows]))
    after = last_analysis()
    assert after and after != before
