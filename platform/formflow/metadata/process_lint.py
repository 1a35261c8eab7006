"""The lint of one process document: known states and fields, every state reachable
from ``start``, a way out of every non-final state, a final state within reach of every
state, assignee rules that resolve, and no transition shadowed by an unguarded one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from formflow.expressions import ExpressionError
from formflow.metadata.branch_lint import JOIN, branch_messages
from formflow.metadata.expression_types import assignment_problems, field_lookup
from formflow.metadata.hidden_lint import hidden_messages
from formflow.metadata.model import (
    CANCELLED,
    PREVIOUS,
    SYSTEM_FIELDS,
    Assignee,
    Process,
    State,
    assignee_rules,
)
from formflow.metadata.problems import Problem
from formflow.metadata.problems import hint as _hint

if TYPE_CHECKING:
    from formflow.metadata.checker import _Checker

class ProcessLint:
    """The checks of one process document."""

    def __init__(self, checker: _Checker, process: Process):
        self.checker = checker
        self.process = process
        self.entity = checker.model.entity(process.entity)
        self.states = {s.name: s for s in process.states}
        self.fields = {f.name for f in self.entity.fields} if self.entity else set()

    def run(self) -> Iterator[Problem]:
        for path, message in self.messages():
            yield Problem(self.process.source, path, message)
        for path, message in self.advice():
            yield Problem(self.process.source, path, message, level="warning")

    def advice(self) -> Iterator[tuple[str, str]]:
        """Warnings: what works but reads badly to the people using the process."""
        for i, state in enumerate(self.process.states):
            if state.label.names_only(state.name):
                yield (
                    f"states/{i}/label",
                    f"state {state.name!r} has no label: lists and badges show its name",
                )
            chain = any(rule.kind == "managers_of" for rule in state.assignees)
            if chain and state.approval.mode != "sequential":
                yield (
                    f"states/{i}/approval",
                    f"state {state.name!r} gives tasks to a manager chain: with an approval "
                    "other than 'sequential' the levels do not decide one after another",
                )

    def messages(self) -> Iterator[tuple[str, str]]:
        process, checker = self.process, self.checker
        if self.entity is None and not checker.is_broken(process.entity):
            yield "entity", f"unknown entity {process.entity!r}"
        seen: set[str] = set()
        for i, state in enumerate(process.states):
            if state.name in seen:
                yield f"states/{i}/name", f"duplicate state {state.name!r}"
            seen.add(state.name)
            if process.cancel and state.name == CANCELLED:
                yield f"states/{i}/name", f"{CANCELLED!r} is the built-in state of cancel"
            yield from self.state_messages(state, f"states/{i}")
        for i, role in enumerate(process.managers):
            if message := self.checker.role_problem(role):
                yield f"managers/{i}", message
        if self.entity is not None:
            for j, name in enumerate(process.requester_fields):
                if message := self.person_field(Assignee("field", name)):
                    yield f"requester_fields/{j}", message
        if process.start not in self.states:
            yield "start", f"unknown state {process.start!r}" + _hint(process.start, self.states)
        for i, transition in enumerate(process.transitions):
            at = f"transitions/{i}"
            for k, source in enumerate(transition.sources):
                if source not in self.states:
                    where = f"{at}/from" if len(transition.sources) == 1 else f"{at}/from/{k}"
                    yield where, f"unknown state {source!r}" + _hint(source, self.states)
            if transition.to not in (PREVIOUS, JOIN) and transition.to not in self.states:
                yield (
                    f"{at}/to",
                    f"unknown state {transition.to!r}" + _hint(transition.to, self.states),
                )
            if isinstance(transition.by, tuple):
                yield from self.assignee_messages(transition.by, f"{at}/by")
            yield from self.field_list(transition.required, f"{at}/required")
            for key, text in transition.set.items():
                if key not in self.fields and self.entity is not None:
                    yield f"{at}/set/{key}", f"unknown field {key!r}" + _hint(key, self.fields)
                yield from self.expression(text, f"{at}/set/{key}")
                yield from self.assignment(key, text, f"{at}/set/{key}")
            if transition.when:
                yield from self.expression(transition.when, f"{at}/when")
        yield from self.shadowed()
        yield from branch_messages(self)
        yield from hidden_messages(self)
        yield from self.graph_messages()

    def expression(self, text: str, path: str) -> Iterator[tuple[str, str]]:
        entity = self.entity

        def resolve(chain):
            # Without the entity only the syntax can be checked.
            return self.checker.resolve(entity, chain) if entity else None

        for message in self.checker.expression(text, resolve, entity):
            yield path, message

    def assignment(self, key: str, text: str, path: str) -> Iterator[tuple[str, str]]:
        """A ``set`` value its field can never hold (names are checked by ``expression``)."""
        target = self.entity.field(key) if self.entity else None
        compiled = self.checker.compile(text)
        if target is None or isinstance(compiled, ExpressionError) or any(
            self.checker.resolve(self.entity, chain) for chain in compiled.references
        ):
            return
        lookup = field_lookup(self.entity, None, self.checker.model.entity)
        for message in assignment_problems(compiled.tree, target, lookup):
            yield path, message

    def field_list(self, names: Iterable[str], path: str) -> Iterator[tuple[str, str]]:
        if self.entity is None:
            return
        for j, name in enumerate(names):
            if name not in self.fields:
                yield f"{path}/{j}", f"unknown field {name!r}" + _hint(name, self.fields)

    def leaving(self, state: str) -> set[str]:
        return {t.name for t in self.process.transitions if state in t.sources}

    def state_messages(self, state: State, at: str) -> Iterator[tuple[str, str]]:
        if state.outcome and not state.final:
            yield f"{at}/outcome", "only a final state has an outcome"
        yield from self.assignee_messages(state.assignees, f"{at}/assignees")
        yield from self.assignee_messages(state.cc, f"{at}/cc")
        if state.editable != ("*",):
            yield from self.field_list(state.editable, f"{at}/editable")
        action = state.approval.action
        if action and action not in self.leaving(state.name):
            yield f"{at}/approval/action", f"no transition {action!r} leaves {state.name!r}"
        breach = (state.sla.on_breach or {}) if state.sla else {}
        if "action" in breach and breach["action"] not in self.leaving(state.name):
            yield (
                f"{at}/sla/on_breach/action",
                (f"no transition {breach['action']!r} leaves {state.name!r}"),
            )
        for key in ("assign", "notify"):
            if key in breach:
                rules = assignee_rules(breach[key])
                yield from self.assignee_messages(rules, f"{at}/sla/on_breach/{key}")

    def assignee_messages(
        self, assignees: tuple[Assignee, ...], path: str
    ) -> Iterator[tuple[str, str]]:
        for j, rule in enumerate(assignees):
            at = f"{path}/{j}/{rule.kind}"
            if rule.when:
                yield from self.expression(rule.when, f"{path}/{j}/when")
            if rule.kind == "role":
                if message := self.checker.role_problem(rule.value):
                    yield at, message
            elif rule.kind in ("field", "manager_of", "department_head", "managers_of"):
                message = self.person_field(rule) if self.entity else None
                if message:
                    yield at, message
            role = rule.until[1] if rule.until and rule.until[0] == "role" else None
            if role is not None and (message := self.checker.role_problem(role)):
                yield f"{path}/{j}/until/role", message

    def person_field(self, rule: Assignee) -> str | None:
        """Why ``rule.value`` cannot name the person(s) a rule starts from."""
        name = rule.value
        if name in SYSTEM_FIELDS:
            return None if SYSTEM_FIELDS[name] == "user" else f"{name!r} is not a user field"
        field = self.entity.field(name)
        if field is None:
            return f"unknown field {name!r}" + _hint(name, self.fields)
        if field.type == "user" or (rule.kind == "department_head" and field.type == "department"):
            return None
        if field.type == "link":
            target = self.checker.model.entity(field.to) if field.to else None
            if target is None or any(f.type == "user" for f in target.fields):
                return None
            return f"{name!r} links to {target.qualified_name!r}, which has no user field"
        return f"{name!r} is not a user field"

    def shadowed(self) -> Iterator[tuple[str, str]]:
        """At most one unguarded transition per (name, from), and it comes last."""
        unguarded: dict[tuple[str, str], int] = {}
        for i, transition in enumerate(self.process.transitions):
            for source in transition.sources:
                key = (transition.name, source)
                if key in unguarded:
                    yield (
                        f"transitions/{i}",
                        (
                            f"transition {transition.name!r} from {source!r} is never taken:"
                            f" transitions/{unguarded[key]} has no 'when' and always wins"
                        ),
                    )
                elif not transition.when:
                    unguarded[key] = i

    def graph_messages(self) -> Iterator[tuple[str, str]]:
        process, states = self.process, self.states
        edges: dict[str, set[str]] = defaultdict(set)
        for transition in process.transitions:
            for source in transition.sources:
                if source in states and transition.to in states:
                    edges[source].add(transition.to)
        predecessors: dict[str, set[str]] = defaultdict(set)
        for source, targets in edges.items():
            for target in targets:
                predecessors[target].add(source)
        # "@previous" leads back to whichever state the record came from.
        for transition in process.transitions:
            if transition.to == PREVIOUS:
                for source in transition.sources:
                    edges[source] |= predecessors[source]
        # A parallel state leads into its branches; a branch's "@join" back to it.
        for state in process.states:
            for branch in state.parallel.branches if state.parallel else ():
                if branch.start in states:
                    edges[state.name].add(branch.start)
                for transition in process.transitions:
                    if transition.to == JOIN:
                        for source in set(transition.sources) & set(branch.steps):
                            edges[source].add(state.name)
        index = {s.name: i for i, s in reversed(list(enumerate(process.states)))}
        if process.start in states:
            reached = _closure({process.start}, edges)
            for name in states:
                if name not in reached:
                    yield (
                        f"states/{index[name]}",
                        (f"state {name!r} cannot be reached from {process.start!r}"),
                    )
        finals = {name for name, state in states.items() if state.final}
        if not finals:
            yield "states", "no final state: mark at least one state 'final'"
            return
        backwards: dict[str, set[str]] = defaultdict(set)
        for source, targets in edges.items():
            for target in targets:
                backwards[target].add(source)
        finishing = _closure(finals, backwards)
        leaving = {s for t in process.transitions for s in t.sources}
        for name, state in states.items():
            if state.final:
                continue
            if name not in leaving:
                yield (
                    f"states/{index[name]}",
                    (f"state {name!r} has no way out: add a transition from it or mark it final"),
                )
            elif name not in finishing:
                yield f"states/{index[name]}", f"no final state can be reached from {name!r}"


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(start)
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen
