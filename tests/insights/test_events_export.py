"""The event log exported as CSV for process mining: the API (admins and holders of the
export permission) and ``formflow events export``."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from formflow.cli import main
from formflow.fields.columns import utcnow
from formflow.process.eventlog import COLUMNS
from support import TEST_APPS
from support.helpers import problem

TICKET = "support.ticket"
CLAIM = "flow.claim"


@pytest.fixture
def metadata_path():
    return [TEST_APPS / "sla", TEST_APPS / "process" / "flow"]


@pytest.fixture
def people(make_user):
    return SimpleNamespace(
        rita=make_user("rita"),
        ann=make_user("ann", roles=["agent"]),
        fay=make_user("fay", roles=["finance"]),
    )


@pytest.fixture
def history(runtime, people):
    """One ticket submitted and approved, one claim submitted (no numbering)."""
    ticket = runtime.records.create(people.rita, TICKET,
                                    {"subject": "Printer jam", "kind": "plain"})
    runtime.process.act(people.rita, TICKET, ticket["id"], "submit", {"comment": "urgent, please"})
    runtime.process.act(people.ann, TICKET, ticket["id"], "approve", {})
    claim = runtime.records.create(people.rita, CLAIM, {"amount": "12.50", "purpose": "Taxi"})
    runtime.process.act(people.rita, CLAIM, claim["id"], "submit", {})
    return SimpleNamespace(ticket=ticket, claim=claim)


def parse(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames) == COLUMNS
    return list(reader)


def test_events_export_in_process_mining_columns(admin_api, history):
    response = admin_api.get(f"events.csv?entity={TICKET}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "support-ticket-events.csv" in response.headers["Content-Disposition"]
    rows = parse(response.get_data(as_text=True))
    assert [(r["activity"], r["from_state"], r["to_state"], r["resource"]) for r in rows] == [
        ("start", "", "draft", "rita"),
        ("submit", "draft", "plain", "rita"),
        ("approve", "plain", "done", "ann"),
    ]
    assert {r["case_id"] for r in rows} == {history.ticket["_number"]}
    assert {(r["entity"], r["record_id"], r["process_version"]) for r in rows} == {
        (TICKET, str(history.ticket["id"]), "1")}
    assert rows[1]["comment"] == "urgent, please"
    assert rows[0]["seconds_in_state"] == "" and float(rows[1]["seconds_in_state"]) >= 0
    for row in rows:
        assert row["timestamp"].endswith("Z")
        stamp = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
        assert abs(stamp - utcnow()) < timedelta(minutes=5)


def test_records_without_numbering_use_entity_and_id(admin_api, history):
    rows = parse(admin_api.get(f"events.csv?entity={CLAIM}").get_data(as_text=True))
    assert {r["case_id"] for r in rows} == {f"{CLAIM}:{history.claim['id']}"}


def test_without_an_entity_admins_get_every_process(admin_api, history):
    rows = parse(admin_api.get("events.csv").get_data(as_text=True))
    assert {r["entity"] for r in rows} == {TICKET, CLAIM}
    assert len(rows) == 5


def test_the_export_permission_opens_the_entitys_log(api_as, people, history):
    agent = api_as(people.ann)  # agents may export tickets
    assert agent.get(f"events.csv?entity={TICKET}").status_code == 200
    rows = parse(agent.get("events.csv").get_data(as_text=True))
    assert {r["entity"] for r in rows} == {TICKET}  # only what they may export
    problem(agent.get(f"events.csv?entity={CLAIM}"), 403)
    problem(api_as(people.rita).get(f"events.csv?entity={TICKET}"), 403)
    problem(api_as(people.fay).get("events.csv"), 403)


@pytest.mark.parametrize("entity", ["support.nothing", "nothing", "lab.sample"])
def test_unknown_or_process_less_entities_are_not_found(admin_api, entity):
    problem(admin_api.get(f"events.csv?entity={entity}"), 404)


def test_timeouts_have_no_resource(runtime, admin_api, people):
    ticket = runtime.records.create(people.rita, TICKET, {"subject": "Late", "kind": "action"})
    runtime.process.act(people.rita, TICKET, ticket["id"], "submit", {})
    runtime.sla.tick(now=utcnow() + timedelta(days=30))
    rows = parse(admin_api.get(f"events.csv?entity={TICKET}").get_data(as_text=True))
    assert [(r["activity"], r["resource"]) for r in rows][-2:] == [("timeout", ""), ("approve", "")]


def test_large_logs_stream_in_batches(runtime, admin_api, people, monkeypatch):
    monkeypatch.setattr("formflow.process.eventlog.BATCH", 2)
    for n in range(3):
        ticket = runtime.records.create(people.rita, TICKET, {"subject": f"T{n}", "kind": "plain"})
        runtime.process.act(people.rita, TICKET, ticket["id"], "submit", {})
    rows = parse(admin_api.get(f"events.csv?entity={TICKET}").get_data(as_text=True))
    assert len(rows) == 6 and len({r["case_id"] for r in rows}) == 3


def test_cli_exports_to_a_file_or_standard_output(runner, history, tmp_path, admin_api):
    target = tmp_path / "events.csv"
    result = runner.invoke(main, ["events", "export", "--entity", TICKET, "-o", str(target)])
    assert result.exit_code == 0, result.output
    exported = target.read_bytes().decode("utf-8")
    assert exported == admin_api.get(f"events.csv?entity={TICKET}").get_data(as_text=True)
    everything = runner.invoke(main, ["events", "export"])
    assert everything.exit_code == 0 and len(parse(everything.output)) == 5
    refused = runner.invoke(main, ["events", "export", "--entity", "support.nothing"])
    assert refused.exit_code != 0 and "support.nothing" in refused.output
