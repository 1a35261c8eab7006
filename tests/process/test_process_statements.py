"""What one process action costs the database: a bounded number of statements, whatever
the number of reviewers (their tasks, notifications and closings are written together)."""

from __future__ import annotations

import json

import pytest

from support.helpers import counting_queries

TICKET = "flowcost.ticket"
APP = {
    "app.json": {
        "name": "flowcost",
        "label": "Flow cost",
        "roles": [{"name": "reviewer", "label": "Reviewer"}],
        "menu": ["ticket"],
    },
    "entities/ticket.json": {
        "name": "ticket",
        "label": "Ticket",
        "numbering": "T-{seq:6}",
        "title": "{subject}",
        "fields": [
            {"name": "subject", "type": "text", "required": True},
            {"name": "note", "type": "textarea"},
        ],
        "permissions": [
            {"role": "user", "create": True, "read": "own", "update": "own"},
            {"role": "reviewer", "read": "all"},
        ],
        "process": "ticket_flow",
    },
    "processes/ticket_flow.json": {
        "name": "ticket_flow",
        "entity": "ticket",
        "start": "draft",
        "states": [
            {"name": "draft", "editable": "*"},
            {
                "name": "review",
                "assignees": [{"role": "reviewer"}],
                "approval": "any",
                "sla": {"due": "24h", "remind": "20h"},
            },
            {"name": "done", "final": True},
        ],
        "transitions": [
            {"name": "submit", "from": "draft", "to": "review", "by": "creator"},
            {"name": "approve", "from": "review", "to": "done"},
        ],
    },
}
#: What an action costs today on SQLite and PostgreSQL alike: the case's summary rows
#: change by the event's delta, users and the entry into the current state are read once,
#: delegated tasks' principals are looked up only after an event on a task, the record's
#: version is not read again after the action's own save, the rating and the outcome
#: notifications are one INSERT and the working calendar one query; the creator's user id
#: and the visit's tasks come with the action's first look at the record's events, and the
#: delegated-task check runs only on a record with a delegated task; a role's holders come
#: with the delegations they run; an ending reads the case's summary row with the decided
#: approval tasks it hands out.
MOST = {"submit": 13, "approve": 14}


@pytest.fixture
def metadata_path(tmp_path):
    for name, document in APP.items():
        path = tmp_path / "apps" / "flowcost" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document))
    return [tmp_path / "apps"]


def costs(runtime, make_user, reviewers: int) -> dict[str, int]:
    """The statements of a submit and of the approval that ends the ticket."""
    author = make_user("author")
    approvers = [make_user(f"reviewer{n}", roles=["reviewer"]) for n in range(reviewers)]
    record = runtime.records.create(author, TICKET, {"subject": "Printer"})
    found = {}
    for name, user in (("submit", author), ("approve", approvers[0])):
        with counting_queries(runtime.db.engine) as statements:
            runtime.process.act(user, TICKET, record["id"], name, {"comment": "ok"})
        found[name] = len(statements)
    return found


@pytest.mark.parametrize("reviewers", [2, 6])
def test_a_transition_costs_a_bounded_number_of_statements(runtime, make_user, reviewers):
    found = costs(runtime, make_user, reviewers)
    assert all(found[name] <= MOST[name] for name in MOST), found
