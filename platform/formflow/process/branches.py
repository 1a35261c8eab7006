"""Parallel branches (并行分支) at run time: forking, moving inside a branch, joining.

A record entering a parallel state stays in it (its ``_state``) while the branches whose
``when`` holds run side by side, one ``ff_branches`` row each, at one step at a time.
Each step is an ordinary state to the engine: a *branch case* (:class:`Case` with
``branch`` set) decides, transfers, times out... exactly as on the main line, and its
events carry the branch's name.  A move inside the branch, to ``@join``, or to a final
state when ``on_reject`` is "branch" keeps the record in the parallel state; any other
move (a rejection, a send-back to a named step, withdraw, cancel) takes the whole record
out and cancels every branch.

When a branch ends, :func:`settle` checks the join: "all" when no branch still runs,
"any" / ``first: N`` as soon as enough branches are done (the others are cancelled).
A join that can no longer be met (every branch rejected, or too few left) sends the
record to the final state of the last rejection.  Every action locks the record's row
first, so two branches ending at the same instant are serialized and join exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from formflow.auth import User
from formflow.fields.columns import utcnow
from formflow.metadata.branch_lint import JOIN, JOIN_ACTION
from formflow.metadata.model import State
from formflow.process.tables import branches, tasks
from formflow.records.evaluation import holds

if TYPE_CHECKING:
    from formflow.process.engine import Case, ProcessEngine


@dataclass(frozen=True)
class BranchRun:
    """A running branch as an operation sees it."""

    id: int
    fork: str
    name: str
    step: str
    visit: int
    entered_at: datetime


@dataclass(frozen=True)
class Move:
    """A branch move that keeps the record in its parallel state: to another ``step``
    of the branch, or ending it (``status`` done or rejected, ``outcome`` the rejecting
    state).  ``to`` is the event's ``to_state``: the step, or the parallel state."""

    to: str
    step: str | None = None
    status: str = "running"
    outcome: str | None = None


def forked(case: Case) -> bool:
    """Whether the record stands in a parallel state."""
    state = case.process.state(case.record.get("_state") or "")
    return state is not None and state.parallel is not None


def running(case: Case) -> list[BranchRun]:
    """The record's running branches, in the order the metadata lists them."""
    rows = case.conn.execute(sa.select(branches).where(
        branches.c.entity == case.entity.qualified_name,
        branches.c.record_id == case.record["id"], branches.c.status == "running",
    ).order_by(branches.c.id)).all()
    return [BranchRun(r.id, r.fork, r.name, r.step, r.visit, r.entered_at) for r in rows]


def active_states(case: Case) -> list[str]:
    """Every active step of the record: its running branches' steps in a parallel
    state, else its one state."""
    state = case.record.get("_state")
    if not forked(case):
        return [state] if state else []
    return [run.step for run in running(case)]


def case_for(engine: ProcessEngine, case: Case, user: User, step: str | None = None) -> Case:
    """The case ``user`` acts in: in a parallel state, the branch at ``step`` when given,
    else the first where they hold an open task, else the first whose step lets them
    fire a transition; ``case`` itself on the main line or when none fits."""
    if case.branch is not None or not forked(case):
        return case
    cases = [branch_case(case, run) for run in running(case) if step is None or run.step == step]
    mine = {(row.state, row.visit) for row in case.conn.execute(
        sa.select(tasks.c.state, tasks.c.visit).where(
            tasks.c.entity == case.entity.qualified_name,
            tasks.c.record_id == case.record["id"], tasks.c.assignee_id == user.id,
            tasks.c.status == "open", tasks.c.kind == "approve"))}
    for candidate in cases:
        if (candidate.at, candidate.branch.visit) in mine:
            return candidate
    for candidate in cases:
        if any(t.by is not None and engine.may_fire(candidate, user, t)
               for t in candidate.process.transitions if candidate.state.name in t.sources):
            return candidate
    return case


def case_at(case: Case, step: str) -> Case:
    """The case of the branch at ``step``; ``case`` itself on the main line (or when
    no branch is there any more)."""
    if not forked(case):
        return case
    return next((branch_case(case, run) for run in running(case) if run.step == step), case)


def branch_case(case: Case, run: BranchRun) -> Case:
    return replace(case, branch=run, entered=(run.visit, run.entered_at))


def within(case: Case, target: str) -> Move | None:
    """The move to ``target`` from a branch case when it keeps the record in its parallel
    state; None when the record leaves it (or ``case`` is on the main line)."""
    if case.branch is None:
        return None
    fork = case.process.state(case.branch.fork)
    branch = fork.parallel.branch(case.branch.name)
    if target in branch.steps:
        return Move(to=target, step=target)
    if target == JOIN:
        return Move(to=fork.name, status="done")
    state = case.process.state(target)
    if state is not None and state.final and fork.parallel.on_reject == "branch":
        return Move(to=fork.name, status="rejected", outcome=target)
    return None


def fork(engine: ProcessEngine, case: Case, actor: User, state: State, visit: int) -> None:
    """Enter parallel ``state`` (event ``visit``): start each branch whose ``when``
    holds at its first step; join at once when none does."""
    scope = engine.records.scope(case.conn, case.entity, case.record)
    context = engine.records.context(actor)
    started = [b for b in state.parallel.branches if not b.when or holds(b.when, scope, context)]
    entered = engine.entry(case)
    for branch in started:
        run = BranchRun(0, state.name, branch.name, branch.start, visit, entered[1])
        inner = branch_case(case, run)
        event_id = engine.log(inner, actor, "fork", state.name, branch.start)
        now = inner.entered[1]
        run_id = case.conn.execute(sa.insert(branches).values(
            entity=case.entity.qualified_name, record_id=case.record["id"], fork=state.name,
            fork_visit=visit, name=branch.name, status="running", step=branch.start,
            visit=event_id, entered_at=now,
        ).returning(branches.c.id)).scalar_one()
        inner.branch = replace(run, id=run_id, visit=event_id, entered_at=now)
        engine.enter(inner, actor, branch.start, event_id)
    if not started:
        engine.fire(main_case(engine, case), actor, JOIN_ACTION, None, {})


def moved(engine: ProcessEngine, case: Case, user: User, move: Move, event_id: int) -> None:
    """After a branch ``move`` logged as ``event_id``: enter the branch's next step, or
    end the branch and see whether the join is met."""
    run = case.branch
    now = case.entered[1] if case.entered else utcnow()
    if move.step is not None:
        case.conn.execute(branches.update().where(branches.c.id == run.id).values(
            step=move.step, visit=event_id, entered_at=now))
        case.branch = replace(run, step=move.step, visit=event_id, entered_at=now)
        engine.enter(case, user, move.step, event_id)
        return
    case.conn.execute(branches.update().where(branches.c.id == run.id).values(
        status=move.status, step=None, outcome=move.outcome, closed_at=now))
    settle(engine, main_case(engine, case), user)


def settle(engine: ProcessEngine, case: Case, user: User) -> None:
    """Join the record's branches when the parallel state's join is met; send it to
    the last rejection's final state when the join can no longer be met."""
    visit = engine.visit(case)
    rows = case.conn.execute(sa.select(branches).where(
        branches.c.entity == case.entity.qualified_name,
        branches.c.record_id == case.record["id"], branches.c.fork_visit == visit,
    ).order_by(branches.c.closed_at, branches.c.id)).all()
    live = sum(1 for r in rows if r.status == "running")
    done = sum(1 for r in rows if r.status == "done")
    rejected = [r for r in rows if r.status == "rejected"]
    join = case.state.parallel.join
    needed = len(rows) - len(rejected) if join == "all" else 1 if join == "any" else join
    if needed and done >= needed:
        engine.fire(case, user, JOIN_ACTION, None, {})
    elif done + live < max(needed, 1) and rejected:
        engine.fire(case, user, "reject", None, {}, target=rejected[-1].outcome)
    elif not live:
        engine.fire(case, user, JOIN_ACTION, None, {})


def event_data(move: Move | None) -> dict[str, Any] | None:
    """What the event of a move keeps besides its states: a branch's rejection."""
    return {"outcome": move.outcome} if move is not None and move.outcome else None


def leave(engine: ProcessEngine, case: Case, now: datetime) -> list[Any]:
    """The record leaves its parallel state: its running branches are cancelled and
    ``case`` turns to the main line (the time spent still counts from the step's start).
    Returns its pending tasks (every one belongs to a branch), for the engine to close."""
    engine.entry(case)
    case.branch = None
    case.conn.execute(branches.update().where(
        branches.c.entity == case.entity.qualified_name,
        branches.c.record_id == case.record["id"], branches.c.status == "running",
    ).values(status="cancelled", step=None, closed_at=now))
    return case.conn.execute(sa.select(tasks).where(
        tasks.c.entity == case.entity.qualified_name, tasks.c.record_id == case.record["id"],
        tasks.c.kind == "approve", tasks.c.status.in_(("open", "waiting")),
    )).all()


def main_case(engine: ProcessEngine, case: Case) -> Case:
    """The record's main-line case (its parallel state), read afresh."""
    return engine.case(case.conn, case.entity, case.record)
