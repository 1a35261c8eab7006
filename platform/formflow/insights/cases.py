"""Cases as the process figures see them: whatever the source (the live event log or an
imported log of the old way of working), a case is the ordered list of the states it
entered, with when and by whom, and when each visit got its first decision.

Pure: rows in, :class:`Case` objects out; no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

#: Outcomes of a final state (metadata ``outcome``).
OUTCOMES = ("approved", "rejected", "cancelled")
#: Words in a final state's name that decide its outcome when metadata names none.
_REJECTED_WORDS = ("reject", "declin", "refus", "lost", "denied", "fail")
_CANCELLED_WORDS = ("cancel", "withdr", "void", "abandon", "abort")
#: Events that are not a decision on the state the record is in.
NOT_DECISIONS = frozenset({"transfer", "add_approver", "remind", "comment", "breach"})


def default_outcome(state_name: str) -> str:
    """The outcome of a final state whose metadata names none: ``rejected`` or
    ``cancelled`` when its name says so (``rejected``, ``lost``, ``cancelled``...),
    otherwise ``approved``."""
    name = state_name.lower()
    if any(word in name for word in _REJECTED_WORDS):
        return "rejected"
    if any(word in name for word in _CANCELLED_WORDS):
        return "cancelled"
    return "approved"


@dataclass
class Visit:
    """One stay of a case in a state."""

    state: str
    entered_at: datetime
    resource: str | None = None  # who moved the case into the state
    #: The first decision in the state (a vote, a transition or a timeout); for an
    #: imported log, the moment the case entered its next state.
    decided_at: datetime | None = None


@dataclass
class Case:
    case_id: str
    version: int | None
    visits: list[Visit] = field(default_factory=list)
    actions: set[str] = field(default_factory=set)
    record_id: int | None = None

    @property
    def started_at(self) -> datetime:
        return self.visits[0].entered_at

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(visit.state for visit in self.visits)

    @property
    def reworked(self) -> bool:
        """Entered some state a second time (sent back, withdrawn and resubmitted)."""
        return len(set(self.path)) < len(self.path)

    def completion(self, finals: Mapping[str, str]) -> tuple[datetime, str] | None:
        """(when, outcome) of the case's entry into a final state, None while open."""
        for visit in self.visits:
            if visit.state in finals:
                return visit.entered_at, finals[visit.state]
        return None


def cases_from_events(rows: Iterable[Mapping]) -> list[Case]:
    """Cases from live event rows (``ff_events``: record_id, action, from_state, to_state,
    at, resource, process_version, and ``branch`` when the record was in a parallel
    state), ordered by event id within each record.

    A case in a parallel state has several visits open at once, one per running branch:
    a decision counts for the latest undecided visit of the state it was taken in, and a
    branch ending (its event leads back to the parallel state) is no new visit."""
    cases: dict[int, Case] = {}
    main_state: dict[int, str] = {}  # the state each case is in on the main line
    for row in rows:
        case = cases.get(row["record_id"])
        if case is None:
            case = cases[row["record_id"]] = Case(
                str(row["record_id"]), row["process_version"], record_id=row["record_id"]
            )
        case.actions.add(row["action"])
        open_visit = next((v for v in reversed(case.visits)
                           if v.decided_at is None and v.state == row["from_state"]), None)
        if open_visit is not None and row["action"] not in NOT_DECISIONS:
            open_visit.decided_at = row["at"]
        if row.get("branch") is None and row["to_state"] is not None:
            main_state[row["record_id"]] = row["to_state"]
        elif row["to_state"] == main_state.get(row["record_id"]):
            continue  # a branch ended: the case is still in its parallel state
        if row["to_state"] is not None:
            case.visits.append(Visit(row["to_state"], row["at"], row.get("resource")))
    return [case for case in cases.values() if case.visits]


def cases_from_log(rows: Iterable[Mapping]) -> list[Case]:
    """Cases from an imported log (case_id, activity, timestamp, resource), where each
    row is the case entering the state named by ``activity``."""
    grouped: dict[str, list[Mapping]] = {}
    for row in rows:
        grouped.setdefault(row["case_id"], []).append(row)
    cases = []
    for case_id, entries in grouped.items():
        entries.sort(key=lambda row: row["timestamp"])
        case = Case(case_id, None)
        for entry in entries:
            if case.visits:
                case.visits[-1].decided_at = entry["timestamp"]
            case.visits.append(Visit(entry["activity"], entry["timestamp"], entry.get("resource")))
        cases.append(case)
    return cases
