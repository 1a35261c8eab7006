"""What an event means to the requester: their record was approved, rejected, sent back,
its task handed to someone else, or commented on.

The process engine notifies the requester of these (:func:`tell_requester`)
and the record page shows the latest decision as a banner.  Processes name their
transitions freely, so a move is judged by where it goes: into a final state (a rejection
when the transition or the state says so, else an approval), or back to the start state
or to ``@previous`` (sent back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from formflow.auth import User
from formflow.metadata.model import Process

if TYPE_CHECKING:
    from formflow.process.engine import Case, ProcessEngine

#: The notification kinds of outcomes, in the order the guides list them.
OUTCOMES = ("approved", "rejected", "sent_back", "transferred", "commented")
#: Outcomes that decide where the record stands (the banner of the record page).
DECISIONS = ("approved", "rejected", "sent_back")
#: The requester's own moves and the engine's: never news to the requester.
_OWN_MOVES = frozenset({"start", "submit", "withdraw", "cancel"})
_REJECTING = frozenset({"reject", "rejected", "disqualify", "disqualified", "decline",
                        "declined", "deny", "denied"})


def outcome(process: Process, action: str, to_state: str | None,
            data: Mapping[str, Any] | None = None) -> str | None:
    """The outcome kind of an event (``action`` moving the record to ``to_state``, None
    when it stays), or None when the event is no news for the requester."""
    if action == "transfer":
        return "transferred"
    if action == "comment":
        return "commented"
    if to_state is None or action in _OWN_MOVES:
        return None
    state = process.state(to_state)
    if state is not None and state.final:
        return "rejected" if action in _REJECTING or to_state in _REJECTING else "approved"
    if (data or {}).get("back") or to_state == process.start:
        return "sent_back"
    return None


def latest_decision(process: Process, history: Sequence[Mapping[str, Any]]
                    ) -> dict[str, Any] | None:
    """The event of the record's history (oldest first) that decided where it stands now,
    as ``{"kind", "comment", "actor", "at"}``: when its last move was an approval, a
    rejection or a send-back; None after any other move (submitted again, withdrawn)."""
    for event in reversed(history):
        if event.get("kind") != "event" or event.get("to") is None:
            continue
        kind = outcome(process, event["action"], event["to"], event.get("data"))
        if kind not in DECISIONS:
            return None
        return {"kind": kind, "comment": event.get("comment"), "actor": event.get("actor"),
                "at": event.get("at")}
    return None


def tell_requester(engine: ProcessEngine, case: Case, actor: User | None, kind: str) -> None:
    """Notify the record's creator of an outcome someone else brought about; the notice
    names the event's actor and comment."""
    creator = case.record.get("_created_by")
    if not creator or (actor is not None and actor.username == creator):
        return
    found = case.people.ids_by_name([creator])
    if creator in found:
        engine.notify(case, found[creator], kind)
