"""The approval chain ahead of a record: the steps it would pass and the people each
would go to, if an action were taken now (before submitting, the requester sees whom the
request will reach).

From the current state the action's branch is taken, then in each step its passing
action's, always the first branch whose ``when`` holds for the record as it is now
(an unguarded one last), until a final state, a step with no way on, a move back
(``@previous``) or a state seen before.  A parallel state lists the first step of each
branch that would start, then goes on by its join.  Each step's people are resolved as
entering it would resolve them (see :mod:`formflow.process.auto_decisions`); nothing is
written.
"""

from __future__ import annotations

from dataclasses import dataclass

from formflow.auth import User, get_users
from formflow.metadata.model import PREVIOUS, Process, State, Transition
from formflow.process.auto_decisions import plan_step
from formflow.process.engine import Case, ProcessEngine
from formflow.records.evaluation import holds

#: The longest chain shown (a guard; real processes are much shorter).
MAX_STEPS = 20


@dataclass(frozen=True)
class Step:
    state: str
    final: bool
    #: Display names of the people the step's tasks would go to, in order.
    people: tuple[str, ...] = ()
    #: Nobody the rules name may decide: the people are stand-ins.
    flagged: bool = False
    mode: str = "any"


def approval_chain(engine: ProcessEngine, case: Case, user: User, action: str) -> list[Step]:
    """The steps ahead of ``case`` if ``user`` took ``action`` now."""
    records = engine.records
    scope = records.scope(case.conn, case.entity, case.record)
    context = records.context(user)
    process = case.process

    def branch(state: str, name: str | None) -> Transition | None:
        return next((t for t in process.transitions
                     if name is not None and t.name == name and state in t.sources
                     and (not t.when or holds(t.when, scope, context))), None)

    def people(state: State) -> Step:
        if not state.assignees:
            return Step(state.name, False)
        plan = plan_step(engine, case, state)
        return Step(state.name, False, _display_names(case, plan.people), plan.flagged,
                    state.approval.mode)

    steps: list[Step] = []
    seen = {case.at}
    transition = branch(case.at, action)
    while transition is not None and transition.to != PREVIOUS and transition.to not in seen:
        state = process.state(transition.to)
        if state is None or len(steps) >= MAX_STEPS:
            break
        seen.add(state.name)
        if state.final:
            steps.append(Step(state.name, True))
            break
        steps.append(people(state))
        for fork in state.parallel.branches if state.parallel else ():
            if not fork.when or holds(fork.when, scope, context):
                steps.append(people(process.state(fork.start)))
        transition = branch(state.name, _passing(process, state.name, engine))
    return steps


def _passing(process: Process, state_name: str, engine: ProcessEngine) -> str | None:
    return engine.pass_action(process, process.state(state_name))


def _display_names(case: Case, user_ids: list[int]) -> tuple[str, ...]:
    found = get_users(case.conn, user_ids)
    return tuple(found[u].display_name or found[u].username for u in user_ids if u in found)
