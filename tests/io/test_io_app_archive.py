"""Moving an app between instances: export-app writes one archive (metadata, records
with line items, files, process history), import-app loads it into an empty instance and
checks every table against the archive's checksums."""

from __future__ import annotations

import json
import zipfile

import pytest
import sqlalchemy as sa

from formflow.cli import main
from formflow.storage.files import remember_upload
from support import PG_URL
from support.databases import create_postgres_database, drop_postgres_database, install_app
from support.helpers import user
from support.io_support import csv_bytes

CLAIM = "oa.expense_claim"
ORG = [["kind", "code", "name", "parent", "manager", "department", "roles"],
       ["department", "HQ", "Head office", "", "", "", ""],
       ["user", "bob", "Bob", "", "", "HQ", "director,finance"],
       ["user", "amy", "Amy", "", "bob", "HQ", ""]]
RECEIPT = b"%PDF-1.4 receipt"


@pytest.fixture
def second_instance(tmp_path):
    """An empty instance of the same apps on a database of its own."""
    url = create_postgres_database() if PG_URL else f"sqlite:///{tmp_path / 'b.db'}"
    app = install_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "b"),
                       "SECRET_KEY": "b", "TESTING": True,
                       "PLUGINS_PATH": [str(tmp_path / "no-plugins")]})
    yield app
    app.extensions["formflow"].db.dispose()
    if PG_URL:
        drop_postgres_database(url)


def claims(runtime, admin) -> list[dict]:
    page = runtime.records.list(admin, CLAIM, {"per_page": ["50"], "sort": ["id"]})
    return [runtime.records.get(admin, CLAIM, item["id"]) for item in page.items]


def fill(app, runtime, admin) -> str:
    """Two claims with lines, one with a stored receipt and submitted for approval."""
    runtime.org.import_file(admin, csv_bytes(ORG))
    digest = runtime.files.contents.put(RECEIPT)
    with runtime.db.write() as conn:
        remember_upload(conn, digest, None)
    amy = user(runtime, "amy")
    for purpose, amount in (("Trip", "800.00"), ("Lunch", "40.00")):
        claim = runtime.records.create(amy, CLAIM, {
            "claimant": "amy", "department": "HQ", "purpose": purpose,
            "claim_date": "2026-03-10", "payment_method": "cash",
            "lines": [{"expense_date": "2026-03-09", "category": "travel",
                       "description": purpose, "amount": amount, "invoice_no": "F1",
                       "invoice": f"{digest}/receipt.pdf"}]})
    runtime.process.act(amy, CLAIM, claim["id"], "submit", {"comment": "please"})
    return digest


def test_an_app_moves_to_an_empty_instance_unchanged(app, runtime, admin, runner, tmp_path,
                                                   second_instance):
    digest = fill(app, runtime, admin)
    archive = tmp_path / "oa.zip"
    written = runner.invoke(main, ["export-app", "oa", str(archive)])
    assert written.exit_code == 0, written.output
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert f"files/{digest}" in zf.namelist()
        assert "metadata/oa/app.json" in zf.namelist()
    assert manifest["tables"]["oa__expense_claim"]["rows"] == 2
    assert manifest["tables"]["oa__expense_claim__lines"]["rows"] == 2
    assert manifest["tables"]["ff_tasks"]["rows"] >= 1
    assert manifest["tables"]["ff_events"]["rows"] >= 1

    target = second_instance.extensions["formflow"]
    other = second_instance.test_cli_runner()
    refused = other.invoke(main, ["import-app", str(archive)])
    assert refused.exit_code == 1 and "import the organisation first" in refused.output
    org = tmp_path / "org.csv"
    assert runner.invoke(main, ["export-org", str(org)]).exit_code == 0
    assert other.invoke(main, ["import-org", str(org)]).exit_code == 0
    loaded = other.invoke(main, ["import-app", str(archive)])
    assert loaded.exit_code == 0, loaded.output
    assert "Checksums verified." in loaded.output

    again = tmp_path / "again.zip"
    assert other.invoke(main, ["export-app", "oa", str(again)]).exit_code == 0
    with zipfile.ZipFile(again) as zf:
        assert json.loads(zf.read("manifest.json")) == manifest  # counts and checksums
    assert b"".join(target.files.contents.chunks(digest)) == RECEIPT
    b_admin = user(target, "admin")
    moved = claims(target, b_admin)
    assert [c["_number"] for c in moved] == [c["_number"] for c in claims(runtime, admin)]
    assert moved[1]["claimant"] == "amy" and moved[1]["lines"][0]["amount"] == "40.00"
    history = target.process.history(b_admin, CLAIM, moved[1]["id"])
    assert any(entry.get("comment") == "please" for entry in history)
    assert target.process.tasks(user(target, "bob"))  # bob's approval task came along
    next_one = target.records.create(user(target, "amy"), CLAIM, {
        "claimant": "amy", "department": "HQ", "purpose": "After the move",
        "claim_date": "2026-03-10", "payment_method": "cash",
        "lines": [{"expense_date": "2026-03-09", "category": "meals",
                   "description": "x", "amount": "1.00"}]})
    assert next_one["id"] > moved[-1]["id"]  # ids and numbers go on from the archive's
    assert next_one["_number"] > moved[-1]["_number"]

    twice = other.invoke(main, ["import-app", str(archive)])
    assert twice.exit_code == 1 and "already has records" in twice.output
    with target.db.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(
            target.schema[CLAIM].main)) == 3
