"""Importing from a legacy database: a table of another database (SQLite or PostgreSQL)
read in chunks, through the same mapping, checks and link lookups as a file import."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from formflow.cli import main
from formflow.errors import ServiceError
from formflow.io.importing import ImportFailed, error_lines
from formflow.io.mapping import read_mapping
from formflow.io.sql_source import SourceUnreadable, sql_source
from support import PG_URL, SHIPPED_APPS
from support.databases import create_postgres_database, drop_postgres_database
from support.helpers import database_state
from support.io_support import csv_bytes

CUSTOMER = "crm.customer"
CONTACT = "crm.contact"
MAPPING = {"name": "cust_name", "code": "CUST_CODE", "level": "grade",
           "credit_limit": "credit", "active": "enabled"}
CUSTOMERS = [
    {"id": 3, "cust_name": "Acme", "cust_code": "AC1", "grade": "A",
     "credit": Decimal("1000.50"), "enabled": True, "opened": date(2020, 1, 2), "junk": "x"},
    {"id": 1, "cust_name": "北京科技", "cust_code": "BJ2", "grade": "B", "credit": None,
     "enabled": False, "opened": None, "junk": "y"},
    {"id": 7, "cust_name": "Delta", "cust_code": "DL3", "grade": "C", "credit": Decimal("5"),
     "enabled": True, "opened": None, "junk": None},
]


@pytest.fixture
def metadata_path():
    return [str(SHIPPED_APPS / "crm")]


@pytest.fixture(params=["sqlite", "postgresql"])
def legacy_url(request, tmp_path):
    """An empty legacy database: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'legacy.db'}"
        return
    if not PG_URL:
        pytest.skip("FORMFLOW_TEST_DATABASE_URL is not set")
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def fill(url: str, customers=CUSTOMERS, contacts=()) -> None:
    from formflow.storage.database import normalize_url

    metadata = sa.MetaData()
    table = sa.Table("old_customers", metadata,
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("cust_name", sa.String(100)), sa.Column("cust_code", sa.String(10)),
                     sa.Column("grade", sa.String(5)), sa.Column("credit", sa.Numeric(12, 2)),
                     sa.Column("enabled", sa.Boolean), sa.Column("opened", sa.Date),
                     sa.Column("junk", sa.String(10)))
    people = sa.Table("old_contacts", metadata, sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("person", sa.String(100)), sa.Column("company", sa.String(100)),
                      sa.Column("mail", sa.String(100)))
    engine = sa.create_engine(normalize_url(url))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), list(customers))
        if contacts:
            conn.execute(people.insert(), list(contacts))
    engine.dispose()


def by_code(runtime, admin) -> dict[str, dict]:
    items = runtime.records.list(admin, CUSTOMER, {"per_page": ["200"]}).items
    return {item["code"]: item for item in items}


def run(runtime, admin, url, table="old_customers", mapping=MAPPING, chunk=2, **options):
    columns = None if mapping is None else list(mapping.values())
    with sql_source(url, table, columns, chunk=chunk) as source:
        return runtime.importer.run_source(admin, options.pop("into", CUSTOMER), source,
                                           mapping=mapping, **options)


def test_a_table_imports_through_the_mapping_in_chunks(runtime, admin, legacy_url):
    fill(legacy_url)
    result = run(runtime, admin, legacy_url)
    assert (result.rows, result.created) == (3, 3)
    found = by_code(runtime, admin)
    assert found["AC1"]["name"] == "Acme" and found["AC1"]["credit_limit"] == "1000.50"
    assert (found["BJ2"]["level"], found["BJ2"]["active"]) == ("B", False)
    assert found["DL3"]["credit_limit"] == "5.00"
    numbers = sorted((item["_number"], code) for code, item in found.items())
    assert [code for _, code in numbers] == ["BJ2", "AC1", "DL3"]  # primary-key order


def test_links_are_resolved_by_key_and_keys_update(runtime, admin, legacy_url):
    fill(legacy_url, contacts=[{"id": 1, "person": "Ann", "company": "Acme", "mail": "a@x.cn"},
                               {"id": 2, "person": "Bo", "company": "Delta", "mail": "b@x.cn"}])
    run(runtime, admin, legacy_url)
    run(runtime, admin, legacy_url, "old_contacts",
        {"name": "person", "customer": "company", "email": "mail"}, into=CONTACT)
    contacts = runtime.records.list(admin, CONTACT, {"per_page": ["10"]}).items
    ids = {code: item["id"] for code, item in by_code(runtime, admin).items()}
    assert sorted((c["name"], c["customer"]) for c in contacts) == [
        ("Ann", ids["AC1"]), ("Bo", ids["DL3"])]
    again = run(runtime, admin, legacy_url, key="code")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_every_problem_of_every_chunk_is_reported_and_nothing_written(
        runtime, admin, legacy_url):
    rows = [*CUSTOMERS,
            {**CUSTOMERS[0], "id": 9, "grade": "Z"},
            {**CUSTOMERS[0], "id": 10, "cust_name": None}]
    fill(legacy_url, rows)
    before = database_state(runtime)
    with pytest.raises(ImportFailed) as excinfo:
        run(runtime, admin, legacy_url, key="code")
    assert database_state(runtime) == before
    errors = {path: [m.key for m in ms] for path, ms in excinfo.value.errors.items()}
    assert errors == {"row 4.code": ["key_repeated"], "row 4.level": ["invalid_choice"],
                      "row 5.code": ["key_repeated"], "row 5.name": ["required"]}
    lines = error_lines(excinfo.value.errors, "zh-CN", runtime.model.entity(CUSTOMER))
    assert "第 5 行: 客户名称: 此项为必填项。" in lines


def test_dry_run_writes_nothing(runtime, admin, legacy_url):
    fill(legacy_url)
    before = database_state(runtime)
    assert run(runtime, admin, legacy_url, dry_run=True).created == 3
    assert database_state(runtime) == before


def test_without_a_mapping_columns_must_be_fields(runtime, admin, legacy_url):
    fill(legacy_url)
    with pytest.raises(ImportFailed) as excinfo:
        run(runtime, admin, legacy_url, mapping=None)
    assert excinfo.value.errors["column.junk"][0].key == "unknown_column"


def test_a_mapping_naming_a_missing_column_or_table_is_refused(runtime, admin, legacy_url):
    fill(legacy_url)
    with pytest.raises(ImportFailed) as excinfo:
        run(runtime, admin, legacy_url, mapping={"name": "nope"})
    assert [m.key for m in excinfo.value.errors["mapping.name"]] == ["mapping_no_column"]
    with pytest.raises(SourceUnreadable) as missing:
        run(runtime, admin, legacy_url, table="no_such_table")
    assert missing.value.message.key == "sql_no_table"


def test_a_database_that_cannot_be_reached_is_a_clear_error(runtime, admin, tmp_path):
    with pytest.raises(SourceUnreadable) as excinfo:
        run(runtime, admin, "nosuchdriver://x/y")
    assert excinfo.value.message.key == "sql_unreachable"


@pytest.mark.parametrize("text", ["[]", "{", '{"name": 3}', '{"": "x"}'])
def test_a_mapping_file_must_be_an_object_of_names(text):
    with pytest.raises(ServiceError) as excinfo:
        read_mapping(text)
    assert excinfo.value.message.key == "mapping_invalid"


def test_cli_imports_from_sql_and_files_with_a_mapping(runtime, admin, runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    fill(url)
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    args = ["import", "--from-sql", url, "--table", "old_customers", "--into", CUSTOMER,
            "--mapping", str(mapping)]
    checked = runner.invoke(main, [*args, "--dry-run"])
    assert checked.exit_code == 0, checked.output
    assert "3 record(s) would be created" in checked.output
    assert by_code(runtime, admin) == {}
    assert runner.invoke(main, args).exit_code == 0
    assert sorted(by_code(runtime, admin)) == ["AC1", "BJ2", "DL3"]
    sheet = tmp_path / "more.csv"
    sheet.write_bytes(csv_bytes([["cust_name", "CUST_CODE", "other"], ["Echo", "EC4", "z"]]))
    mapping.write_text('{"name": "cust_name", "code": "CUST_CODE"}', encoding="utf-8")
    done = runner.invoke(main, ["import", CUSTOMER, str(sheet), "--mapping", str(mapping)])
    assert done.exit_code == 0, done.output
    assert by_code(runtime, admin)["EC4"]["name"] == "Echo"
    wrong = runner.invoke(main, ["import", "--from-sql", url, "--into", CUSTOMER])
    assert wrong.exit_code == 2 and "--table" in wrong.output



