"""The lint of a process's parallel states (并行分支): each branch is a sequence of known
steps that belong to it alone, reaches its join, and leaves only to its own steps, the
join, a final state (a rejection) or a main-line state (a send-back to a named step);
a join never waits for more branches than can start; the record leaves a parallel state
only by the engine's ``join`` transitions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from formflow.metadata.model import JOIN, PREVIOUS, Branch, State

if TYPE_CHECKING:
    from formflow.metadata.process_lint import ProcessLint

#: The transition the engine fires when a parallel state's branches have joined.
JOIN_ACTION = "join"


def branch_messages(lint: ProcessLint) -> Iterator[tuple[str, str]]:
    process = lint.process
    owner: dict[str, str] = {}  # step -> "fork/branch"
    for i, state in enumerate(process.states):
        if state.parallel is None:
            continue
        at = f"states/{i}/parallel"
        yield from _fork_state(lint, state, f"states/{i}")
        names: set[str] = set()
        for j, branch in enumerate(state.parallel.branches):
            where = f"{at}/branches/{j}"
            if branch.name in names:
                yield f"{where}/name", f"duplicate branch {branch.name!r}"
            names.add(branch.name)
            for k, step in enumerate(branch.steps):
                problem = _step_problem(lint, state, step, owner)
                if problem:
                    yield f"{where}/steps/{k}", problem
                owner.setdefault(step, f"{state.name}/{branch.name}")
            if branch.when:
                yield from lint.expression(branch.when, f"{where}/when")
            yield from _reaches_join(lint, branch, where)
        join = state.parallel.join
        certain = sum(1 for b in state.parallel.branches if not b.when)
        if isinstance(join, int) and join > certain:
            yield (f"{at}/join", f"the join waits for {join} branches, but only {certain} "
                   "start whatever the record holds (the others have a 'when')")
    yield from _transitions(lint, owner)


def _fork_state(lint: ProcessLint, state: State, at: str) -> Iterator[tuple[str, str]]:
    """A parallel state does no work of its own: its steps do."""
    for key, value in (("assignees", state.assignees), ("sla", state.sla),
                       ("editable", state.editable), ("final", state.final)):
        if value:
            yield f"{at}/{key}", f"parallel state {state.name!r} cannot have {key!r}: its steps do"
    for i, transition in enumerate(lint.process.transitions):
        if state.name in transition.sources and (
                transition.name != JOIN_ACTION or transition.by is not None):
            yield (f"transitions/{i}", f"a parallel state is left only by the engine's "
                   f"{JOIN_ACTION!r} transition (without 'by'), not {transition.name!r}")


def _step_problem(lint: ProcessLint, fork: State, step: str, owner: dict[str, str]) -> str | None:
    state = lint.states.get(step)
    if state is None:
        return f"unknown state {step!r}"
    if step in owner:
        return f"state {step!r} is already a step of branch {owner[step]!r}"
    if state.final or state.parallel is not None or step == lint.process.start:
        return f"state {step!r} cannot be a branch step: it is final, parallel or the start"
    return None


def _reaches_join(lint: ProcessLint, branch: Branch, at: str) -> Iterator[tuple[str, str]]:
    """Every step of the branch is reached from its first, and the join from each."""
    steps = set(branch.steps)
    inside: dict[str, set[str]] = {step: set() for step in steps}
    joins: set[str] = set()
    for transition in lint.process.transitions:
        for source in set(transition.sources) & steps:
            if transition.to in steps:
                inside[source].add(transition.to)
            elif transition.to == JOIN:
                joins.add(source)
    reached, todo = {branch.start}, [branch.start]
    while todo:
        for target in inside[todo.pop()] - reached:
            reached.add(target)
            todo.append(target)
    for k, step in enumerate(branch.steps):
        if step not in reached:
            yield f"{at}/steps/{k}", f"step {step!r} cannot be reached from {branch.start!r}"
    finishing = set(joins)
    grown = True
    while grown:
        grown = False
        for step in steps - finishing:
            if inside[step] & finishing:
                finishing.add(step)
                grown = True
    for k, step in enumerate(branch.steps):
        if step in lint.states and step not in finishing:
            yield (f"{at}/steps/{k}",
                   f"branch {branch.name!r} never reaches its join from {step!r}: "
                   f"add a transition to {JOIN!r}")


def _transitions(lint: ProcessLint, owner: dict[str, str]) -> Iterator[tuple[str, str]]:
    """``@join`` only from a step; ``@previous`` never from one; no jump into another
    branch's step."""
    for i, transition in enumerate(lint.process.transitions):
        at = f"transitions/{i}"
        for source in transition.sources:
            mine = owner.get(source)
            if transition.to == JOIN and mine is None:
                yield f"{at}/to", f"{JOIN!r} ends a branch: {source!r} is no branch step"
            elif transition.to == PREVIOUS and mine is not None:
                yield (f"{at}/to", f"a send-back from branch step {source!r} names the step "
                       f"it goes to, not {PREVIOUS!r}")
            elif transition.to in owner and owner[transition.to] != mine:
                yield (f"{at}/to", f"{source!r} cannot move to {transition.to!r}, a step of "
                       f"branch {owner[transition.to]!r}")
