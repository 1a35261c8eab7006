"""What the process figures do inside each process action: the process engine calls
:meth:`CaseRecorder.event` after storing every event, in the same transaction.

The case's summary rows are brought up to date by the event's delta
(:mod:`formflow.insights.summary_delta`).  When a case ends in a final state its
requester is asked to rate it (a ``rate`` notification), unless the requester ended it
themselves by cancelling it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from formflow.insights.cases import finals_of
from formflow.insights.summary import is_summarized
from formflow.insights.summary_delta import apply_event
from formflow.process.notifications.service import store_later

#: Actions by which the requester ends their own case: no rating is asked for.
OWN_ENDINGS = frozenset({"cancel"})


class CaseRecorder:
    def __init__(self, timezone: tzinfo):
        self.timezone = timezone

    def event(self, engine, case, event: Mapping[str, Any]) -> None:
        """Called by the process engine for each stored event."""
        if is_summarized(event["action"]):
            apply_event(case.conn, event, case.record.get("_created_by"),
                        finals_of(case.process), self.timezone)
        to_state = event.get("to_state")
        if to_state is None or event["action"] in OWN_ENDINGS:
            return
        state = case.process.state(to_state)
        if state is not None and state.final:
            self._ask_for_rating(case)

    @staticmethod
    def _ask_for_rating(case) -> None:
        creator = case.record.get("_created_by")
        found = case.people.ids_by_name([creator]) if creator else {}
        if creator in found:
            store_later(case.conn, [(found[creator], None)], "rate", case.key["entity"],
                        case.key["record_id"])
