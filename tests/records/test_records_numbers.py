"""Record numbers drawn with the record's INSERT (one statement on PostgreSQL): the
counter padded to its width but never cut, and the number as the title of a record
that has no other."""

from __future__ import annotations

import json
import re

import pytest

from formflow.storage.sequences import reserve
from support.helpers import module_app

APP = {"name": "tickets", "label": {"en": "Tickets", "zh-CN": "工单"}, "menu": ["ticket"]}
TICKET = {
    "name": "ticket",
    "label": {"en": "Ticket", "zh-CN": "工单"},
    "numbering": "T-{seq:2}",
    "fields": [{"name": "hours", "type": "integer", "label": {"en": "Hours", "zh-CN": "工时"}}],
    "permissions": [{"role": "admin", "create": True, "read": "all", "update": "all"}],
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("numbers")
    (folder / "tickets" / "entities").mkdir(parents=True)
    (folder / "tickets" / "app.json").write_text(json.dumps(APP), encoding="utf-8")
    (folder / "tickets" / "entities" / "ticket.json").write_text(json.dumps(TICKET),
                                                                 encoding="utf-8")
    with module_app(folder, metadata_path=(folder / "tickets",)) as app:
        yield app


def test_a_record_without_a_title_is_titled_by_its_number(runtime, admin):
    record = runtime.records.create(admin, "tickets.ticket", {"hours": 3})
    assert re.fullmatch(r"T-\d{2}", record["_number"])
    assert record["_title"] == record["_number"]
    assert runtime.records.get(admin, "tickets.ticket", record["id"]) == record


def test_a_counter_past_its_width_is_never_cut(runtime, admin):
    with runtime.db.write() as conn:
        reserve(conn, "tickets.ticket:T-{seq:2}", 150)
    record = runtime.records.create(admin, "tickets.ticket", {"hours": 1})
    assert re.fullmatch(r"T-1\d\d", record["_number"])
    assert runtime.records.get(admin, "tickets.ticket", record["id"])["_title"] == record["_number"]
