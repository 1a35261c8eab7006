"""Exporting records as CSV and XLSX: the export grant, the read scope, field read roles,
filters, links as numbers, and cells that never start a spreadsheet formula."""

from __future__ import annotations

import pytest

from formflow.errors import Forbidden
from formflow.io.exporting import BadFormat, TooManyRecords
from formflow.records.query import BadQuery
from support.io_support import DEPOT, ITEM, exported, read_csv, read_xlsx


@pytest.fixture
def metadata_path():
    return [str(DEPOT)]


@pytest.fixture
def people(make_user):
    return {name: make_user(name, roles=[role]) for name, role in
            [("cara", "clerk"), ("cody", "clerk"), ("bea", "buyer"), ("rex", "reader")]}


@pytest.fixture
def items(runtime, people):
    create = runtime.records.create
    return [create(people["cara"], ITEM, {"name": "Cara's", "sku": "C1", "qty": 1}),
            create(people["cody"], ITEM, {"name": "Cody's", "sku": "C2", "qty": 2})]


def test_export_needs_the_export_grant(runtime, people, items):
    with pytest.raises(Forbidden):
        runtime.exporter.export(people["rex"], ITEM, {}, "csv")  # reads all, may not export


def test_export_holds_only_records_in_the_read_scope(runtime, people, items):
    rows = read_csv(exported(runtime, people["cara"], ITEM))
    assert [r["name"] for r in rows] == ["Cara's"]
    assert sorted(r["name"] for r in read_csv(exported(runtime, people["bea"], ITEM))) == [
        "Cara's", "Cody's"]


def test_export_leaves_out_fields_the_user_may_not_read(runtime, people, items, admin):
    runtime.records.update(admin, ITEM, items[0]["id"], {"cost": "9.90"})
    assert "cost" not in read_csv(exported(runtime, people["cara"], ITEM))[0]
    buyer_rows = read_csv(exported(runtime, people["bea"], ITEM, {"sku": ["C1"]}))
    assert [(r["sku"], r["cost"]) for r in buyer_rows] == [("C1", "9.90")]


def test_export_takes_the_list_filters_and_order(runtime, people, items):
    rows = read_csv(exported(runtime, people["bea"], ITEM, {"qty__gte": ["2"]}))
    assert [r["sku"] for r in rows] == ["C2"]
    rows = read_csv(exported(runtime, people["bea"], ITEM, {"sort": ["qty"], "page": ["9"]}))
    assert [r["sku"] for r in rows] == ["C1", "C2"]  # paging is ignored
    with pytest.raises(BadQuery):
        runtime.exporter.export(people["bea"], ITEM, {"nope": ["1"]}, "csv")
    with pytest.raises(BadFormat):
        runtime.exporter.export(people["bea"], ITEM, {}, "pdf")


def test_header_row_holds_field_names(runtime, people, items):
    data = exported(runtime, people["bea"], ITEM)
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header == ("id,_number,name,sku,qty,cost,_created_at,_created_by,_updated_at,"
                      "_updated_by")


@pytest.mark.parametrize("text", ["=1+2", "+1", "-cmd", "@SUM(A1)", "=cmd|' /C calc'!A0", "'=x"])
def test_cells_never_start_a_formula(runtime, admin, text):
    runtime.records.create(admin, ITEM, {"name": text, "sku": "F1"})
    row = read_csv(exported(runtime, admin, ITEM))[0]
    assert row["name"] == "'" + text
    sheet = read_xlsx(exported(runtime, admin, ITEM, file_format="xlsx"))
    assert sheet[1][sheet[0].index("name")] == "'" + text
    assert runtime.importer.run(admin, ITEM, exported(runtime, admin, ITEM), key="id").unchanged


def test_negative_numbers_are_not_escaped(runtime, admin):
    runtime.records.create(admin, ITEM, {"name": "Neg", "cost": "-5.00"})
    assert read_csv(exported(runtime, admin, ITEM))[0]["cost"] == "-5.00"


def test_xlsx_has_the_same_cells_with_numbers_as_numbers(runtime, people, items):
    sheet = read_xlsx(exported(runtime, people["bea"], ITEM, {"sort": ["sku"]}, "xlsx"))
    assert sheet[0][:5] == ["id", "_number", "name", "sku", "qty"]
    assert [row[2:5] for row in sheet[1:]] == [["Cara's", "C1", 1], ["Cody's", "C2", 2]]


def test_an_export_beyond_the_limit_is_refused_not_cut_short(make_app, metadata_path, admin):
    small = make_app(metadata_path, EXPORT_MAX_ROWS=2).extensions["formflow"]
    for index in range(3):
        small.records.create(admin, ITEM, {"name": f"I{index}"})
    with pytest.raises(TooManyRecords):
        small.exporter.export(admin, ITEM, {}, "csv")
    assert len(read_csv(exported(small, admin, ITEM, {"name__ne": ["I0"]}))) == 2


def test_a_large_export_is_read_in_batches(runtime, admin, monkeypatch):
    monkeypatch.setattr("formflow.io.exporting.BATCH", 7)
    for index in range(20):
        runtime.records.create(admin, ITEM, {"name": f"I{index:02}"})
    export = runtime.exporter.export(admin, ITEM, {"sort": ["name"]}, "csv")
    rows = read_csv(b"".join(export.chunks))
    assert [r["name"] for r in rows] == [f"I{i:02}" for i in range(20)]
