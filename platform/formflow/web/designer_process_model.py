"""What the process builder shows, read from a draft's process document: the vertical
flow (start → approval steps → condition branches → CC → end states) with the places a
node can be added, and the main action of each step.  No Flask here.

The flow follows each state's *main action* (the approval's action, else ``approve``,
``join`` out of a parallel state, ``submit``, else the first action that does not end in
a rejection).  Several transitions of the main action from one state are a condition
branch; the branches meet again at the first state every branch reaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BACK = "@previous"
JOIN = "@join"
MAX_WALK = 200


def sources(transition: dict) -> list[str]:
    found = transition.get("from")
    return [s for s in (found if isinstance(found, list) else [found]) if isinstance(s, str)]


def key_of(transition: dict, source: str) -> str:
    """The design path key of ``transition`` leaving ``source``: ``name@from>to``."""
    return f"{transition.get('name')}@{source}>{transition.get('to')}"


@dataclass(frozen=True)
class Edge:
    """One move of the flow: transition ``name`` from ``source`` to ``target``; a ⊕ on
    it inserts a node there."""

    key: str
    name: str
    source: str
    target: str


@dataclass
class Item:
    """One piece of the drawn flow: ``kind`` is start, step, parallel, end, cc (sent on
    entering ``state``), add (a ⊕ on ``edge``), condition (``branches``), or loop (the
    flow goes back to ``state``)."""

    kind: str
    state: str = ""
    document: dict = field(default_factory=dict)
    edge: Edge | None = None
    branches: list[Branch] = field(default_factory=list)
    #: A parallel state's branches, each with its steps and ⊕.
    lanes: list[Lane] = field(default_factory=list)


@dataclass
class Branch:
    """A condition branch: the transition taken when its ``when`` holds, and its items."""

    edge: Edge
    when: str
    items: list[Item]


@dataclass
class Lane:
    """A branch of a parallel state: its document and its items (steps, and a ⊕ after
    each, the last one on the move to ``@join``)."""

    name: str
    document: dict
    items: list[Item]


class Flow:
    """The process document read as a flow; :meth:`items` walks it from ``start``."""

    def __init__(self, document: dict):
        self.document = document
        self.states = {
            s["name"]: s
            for s in document.get("states") or []
            if isinstance(s, dict) and isinstance(s.get("name"), str)
        }
        self.transitions = [t for t in document.get("transitions") or [] if isinstance(t, dict)]
        self.start = document.get("start")

    def leaving(self, state: str) -> list[dict]:
        return [t for t in self.transitions if state in sources(t)]

    def rejects(self, target: Any) -> bool:
        state = self.states.get(target) or {}
        return bool(state.get("final")) and (
            state.get("outcome") == "rejected" or "reject" in str(target)
        )

    def main_action(self, state: str) -> str | None:
        document = self.states.get(state) or {}
        approval = document.get("approval")
        if isinstance(approval, dict) and approval.get("action"):
            return approval["action"]
        leaving = self.leaving(state)
        names = [t.get("name") for t in leaving]
        preferred = ("join",) if document.get("parallel") else ("approve", "submit")
        for name in preferred:
            if name in names:
                return name
        ahead = [
            t.get("name")
            for t in leaving
            if t.get("to") not in (BACK, self.start) and not self.rejects(t.get("to"))
        ]
        return (ahead or names or [None])[0]

    def forward(self, state: str) -> list[dict]:
        """The transitions of ``state``'s main action, in the order they are tried."""
        action = self.main_action(state)
        return [
            t
            for t in self.leaving(state)
            if t.get("name") == action and t.get("to") not in (BACK, JOIN)
        ]

    def onward(self, state: str) -> list[dict]:
        """:meth:`forward`, and a parallel branch's step's move to ``@join``."""
        action = self.main_action(state)
        return [t for t in self.leaving(state) if t.get("name") == action and t.get("to") != BACK]

    def edge(self, transition: dict, source: str) -> Edge:
        return Edge(
            key_of(transition, source),
            str(transition.get("name")),
            source,
            str(transition.get("to")),
        )

    def kind(self, state: str) -> str:
        document = self.states[state]
        if state == self.start:
            return "start"
        if document.get("final"):
            return "end"
        return "parallel" if document.get("parallel") else "step"

    def main_line(self, state: str) -> list[str]:
        """The states met following the first transition of each main action."""
        line: list[str] = []
        while isinstance(state, str) and state not in line and len(line) < MAX_WALK:
            line.append(state)
            ahead = self.forward(state)
            state = ahead[0].get("to") if ahead else None
        return line

    def items(self) -> list[Item]:
        if self.start not in self.states:
            return []
        return self._walk(self.start, frozenset(), set())

    def _walk(self, state: Any, stop: frozenset, seen: set) -> list[Item]:
        items: list[Item] = []
        while isinstance(state, str) and state not in stop:
            if state in seen or state not in self.states:
                items.append(Item("loop", state))
                break
            seen.add(state)
            document = self.states[state]
            if document.get("cc"):
                items.append(Item("cc", state, document))
            items.append(Item(self.kind(state), state, document))
            if items[-1].kind == "parallel":
                items[-1].lanes = self.lanes(state)
            ahead = [] if document.get("final") else self.forward(state)
            if len(ahead) == 1:
                items.append(Item("add", state, edge=self.edge(ahead[0], state)))
                state = ahead[0].get("to")
                continue
            if ahead:
                items.append(self._condition(state, ahead, stop, seen))
                state = items[-1].state or None
                continue
            break
        return items

    def meeting(self, ahead: list[dict]) -> str:
        """Where the branches of the transitions ``ahead`` meet again ("": nowhere)."""
        lines = [self.main_line(t.get("to")) for t in ahead]
        return next((s for s in lines[0] if all(s in line for line in lines[1:])), "")

    def lanes(self, state: str) -> list[Lane]:
        """The branches of the parallel ``state``, each walked from its first step along
        its steps' main actions to ``@join``."""
        parallel = (self.states.get(state) or {}).get("parallel") or {}
        lanes = []
        for branch in parallel.get("branches") or []:
            if not isinstance(branch, dict):
                continue
            steps = [s for s in branch.get("steps") or [] if s in self.states]
            items: list[Item] = []
            step = steps[0] if steps else None
            while step in steps and step not in {i.state for i in items}:
                items.append(Item("step", step, self.states[step]))
                action = self.main_action(step)
                ahead = [t for t in self.leaving(step) if t.get("name") == action]
                if not ahead:
                    break
                items.append(Item("add", step, edge=self.edge(ahead[0], step)))
                step = ahead[0].get("to")
            lanes.append(Lane(str(branch.get("name")), branch, items))
        return lanes

    def _condition(self, state: str, ahead: list[dict], stop: frozenset, seen: set) -> Item:
        """The condition branch leaving ``state``; its ``state`` is where the branches
        meet again ("" when they do not), the flow goes on from there."""
        meet = self.meeting(ahead)
        if meet in seen:
            meet = ""
        inner = stop | {meet} if meet else stop
        branches = []
        for transition in ahead:
            edge = self.edge(transition, state)
            walked = self._walk(transition.get("to"), inner, seen)
            branches.append(
                Branch(
                    edge,
                    str(transition.get("when") or ""),
                    [Item("add", state, edge=edge), *walked],
                )
            )
        return Item("condition", meet, branches=branches)


def branch_steps(document: dict) -> list[tuple[str, dict, list[str]]]:
    """Every (parallel state, branch, its steps) of the process."""
    found = []
    for state in document.get("states") or []:
        parallel = state.get("parallel") if isinstance(state, dict) else None
        for branch in (parallel or {}).get("branches") or []:
            if isinstance(branch, dict):
                found.append((state["name"], branch, list(branch.get("steps") or [])))
    return found
