"""The support-ticket scenario of the SLA and notification tests (tests/metadata/sla):
its steps have deadlines, reminders and each kind of breach."""

from __future__ import annotations

TICKET = "support.ticket"


def submit(runtime, people, kind: str, subject: str = "Printer jam") -> int:
    """A ticket of ``kind`` raised by rita and submitted; its id."""
    record = runtime.records.create(people.rita, TICKET, {"subject": subject, "kind": kind})
    runtime.process.act(people.rita, TICKET, record["id"], "submit", {})
    return record["id"]
