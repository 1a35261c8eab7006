"""Opening a step's approval tasks, and the decisions taken automatically on the way
(审批人去重, 审批人为空).

A step's assignee rules name people; its ``approver_rules`` (the state's, else the
process's) say what happens to three kinds of them:

- ``requester`` — a requester of the record (unless the step allows self-approval):
  ``exclude`` (left out; when nobody is left, the creator's manager gets the step, else
  the admins, flagged), ``approve`` (their place is approved automatically), ``skip``
  (left out; when nobody is left the step passes), ``manager`` (their place goes to the
  creator's manager up the chain, else the admins) or ``admin`` (to the admins).
- ``repeated`` — someone who already approved a step since the record last left its
  start state: ``keep``, ``approve`` or ``skip``.
- ``empty`` — the rules name nobody at all: ``admin`` (the admins, flagged), ``approve``
  (the step passes) or ``manager`` (the creator's manager, else the admins, flagged).

A place approved automatically is a task decided at once (origin ``auto``) and an
``auto_approve`` event; people skipped are an ``auto_skip`` event.  When every stage of
the step is passed that way, the step's passing action fires with no actor, as an SLA
auto-action does; when that move is refused (a required field is empty, a plugin vetoes
it), or the record has moved automatically too often in one operation (a loop), the
step goes to the admins, flagged, with the reason in the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from formflow.auth import SYSTEM, usernames_by_id
from formflow.errors import ServiceError
from formflow.metadata.model import State
from formflow.process.requesters import stand_in
from formflow.process.tables import events, tasks

if TYPE_CHECKING:
    from formflow.process.engine import Case, ProcessEngine

#: The most automatic moves one operation makes (a guard against a loop of them).
MAX_AUTO_MOVES = 20


@dataclass(frozen=True)
class Place:
    """One approver's place in a step; ``auto``: why it was approved automatically."""

    user_id: int
    auto: str | None = None


@dataclass
class Plan:
    """Who a step's tasks go to, and what was decided automatically on the way."""

    places: list[Place] = field(default_factory=list)
    #: The rules named nobody who may decide: stand-ins got the step.
    flagged: bool = False
    #: Requesters left out (``exclude``).
    excluded: list[int] = field(default_factory=list)
    #: (requester, their stand-ins) for ``manager`` and ``admin``.
    replaced: list[tuple[int, list[int]]] = field(default_factory=list)
    #: (user, reason) of the people skipped.
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: Why the step passes with nobody to ask (``empty``, ``requester``, ``repeated``).
    passes: str | None = None

    @property
    def people(self) -> list[int]:
        """The people who get a task to decide."""
        return [p.user_id for p in self.places if p.auto is None]


def plan_step(engine: ProcessEngine, case: Case, state: State) -> Plan:
    """The plan of ``state``'s tasks on ``case``; nothing is written."""
    resolver = engine.resolver(case)
    choices = case.process.approver_choices(state)
    creator = case.record.get("_created_by")
    named = resolver.users(state.assignees, case.entity, case.record)
    allowed = case.process.allows_self_approval(state)
    requesters = set() if allowed else engine.requesters(case)
    if not named:
        if choices.empty == "approve":
            return Plan(passes="empty")
        manager_of = creator if choices.empty == "manager" else None
        people = stand_in(resolver, case, requesters, manager_of)
        return Plan([Place(p) for p in people], flagged=True)
    earlier = approved_this_round(engine, case) if choices.repeated != "keep" else set()
    plan = Plan()
    for person in named:
        if person in requesters:
            _requester(plan, choices.requester, person, named, requesters,
                       lambda exclude, manager: stand_in(resolver, case, exclude, manager),
                       creator)
        elif person in earlier and choices.repeated == "skip":
            plan.skipped.append((person, "repeated"))
        else:
            plan.places.append(Place(person, "repeated" if person in earlier else None))
    if not plan.places and plan.excluded:
        people = stand_in(resolver, case, requesters, creator)
        plan.places = [Place(p) for p in people]
        plan.flagged = True
    elif not plan.places:
        plan.passes = plan.skipped[0][1] if plan.skipped else "empty"
    return plan


def _requester(plan: Plan, how: str, person: int, named: list[int], requesters: set[int],
               stand_in_for, creator: str | None) -> None:
    """Apply the ``requester`` choice to ``person``, a requester the rules named."""
    if how == "exclude":
        plan.excluded.append(person)
    elif how == "skip":
        plan.skipped.append((person, "requester"))
    elif how == "approve":
        plan.places.append(Place(person, "requester"))
    else:  # manager, admin: someone else takes the place
        taken = {p.user_id for p in plan.places} | set(named)
        people = stand_in_for(requesters | taken, creator if how == "manager" else None)
        people = [p for p in people if p not in taken]
        plan.replaced.append((person, people))
        plan.places += [Place(p) for p in people]


def approved_this_round(engine: ProcessEngine, case: Case) -> set[int]:
    """Who approved a step of the record since it last entered its start state."""
    where = (events.c.entity == case.entity.qualified_name,
             events.c.record_id == case.record["id"])
    started = case.conn.execute(sa.select(sa.func.max(events.c.id)).where(
        *where, events.c.to_state == case.process.start)).scalar() or 0
    rows = case.conn.execute(sa.select(tasks.c.assignee_id, tasks.c.state, tasks.c.decision).where(
        tasks.c.entity == case.entity.qualified_name, tasks.c.record_id == case.record["id"],
        tasks.c.kind == "approve", tasks.c.status == "done", tasks.c.visit > started,
    )).all()
    found = set()
    for row in rows:
        state = case.process.state(row.state)
        if state is not None and row.decision == engine.pass_action(case.process, state):
            found.add(row.assignee_id)
    return found


def open_step(engine: ProcessEngine, case: Case, state: State, visit: int, now) -> None:
    """Open the tasks of ``state`` on entering it (visit ``visit``), taking the automatic
    decisions its approver rules call for; pass it when nobody is left to ask."""
    plan = plan_step(engine, case, state)
    sequential = state.approval.mode == "sequential"
    stages: dict[int, list[Place]] = {}
    for index, place in enumerate(plan.places):
        stages.setdefault(index if sequential else 0, []).append(place)
    first_open = next((position for position, group in sorted(stages.items())
                       if not engine._stage_passed(state, sum(1 for p in group if p.auto),
                                                   len(group))), None)
    action = engine.pass_action(case.process, state)
    autos = [p.user_id for p in plan.places if p.auto]
    names = usernames_by_id(case.conn, autos + [u for u, _ in plan.skipped]) if (
        autos or plan.skipped) else {}
    for position, group in stages.items():
        for place in group:
            if place.auto:
                _decided(engine, case, state, visit, place, position, action, names, now)
    if first_open is not None:
        engine.add_tasks(case, state, visit, [
            (place.user_id, position, "open" if position == first_open else "waiting")
            for position, group in sorted(stages.items()) if position >= first_open
            for place in group if place.auto is None
        ], now, flagged=plan.flagged)
    _log_plan(engine, case, plan, names)
    if first_open is None and (plan.places or plan.passes):
        _pass(engine, case, state, visit, action, plan, now)


def _decided(engine, case, state, visit, place, position, action, names, now) -> None:
    """A place approved automatically: a task decided at once, and its event."""
    task_id = case.conn.execute(sa.insert(tasks).values(
        **case.key, process_version=case.record["_process_version"] or 1, state=state.name,
        visit=visit, kind="approve", assignee_id=place.user_id, status="done",
        position=position, decision=action, origin="auto", opened_at=now, closed_at=now,
    ).returning(tasks.c.id)).scalar_one()
    engine.log(case, None, "auto_approve", None, None, task_id=task_id,
               data={"reason": place.auto, "user": names.get(place.user_id)})


def _log_plan(engine, case, plan: Plan, names) -> None:
    if plan.excluded:
        engine.log_reassign(case, None, "self_approval", plan.excluded, plan.people)
    for person, people in plan.replaced:
        engine.log_reassign(case, None, "self_approval", [person], people)
    reasons = dict.fromkeys(reason for _, reason in plan.skipped)
    for reason in reasons:
        engine.log(case, None, "auto_skip", None, None, data={
            "reason": reason,
            "users": [names[u] for u, why in plan.skipped if why == reason and u in names]})


def _pass(engine, case, state: State, visit: int, action: str | None, plan: Plan,
          now) -> None:
    """Every stage passed without anyone to ask: fire the passing action as the system;
    when that is refused, the admins get the step (flagged)."""
    if plan.passes:
        engine.log(case, None, "auto_approve", None, None, data={"reason": plan.passes})
    moves = getattr(case, "auto_moves", 0)
    error = "loop" if moves >= MAX_AUTO_MOVES or action is None else None
    if error is None:
        case.auto_moves = moves + 1
        before = (case.record, case.entered)
        try:
            with case.conn.begin_nested():
                engine.fire(case, SYSTEM, action, None, {})
            return
        except ServiceError as refused:  # the savepoint rolled the move back
            case.record, case.entered = before
            error = _reason(refused)
    admins = stand_in(engine.resolver(case), case, engine.requesters(case), None)
    engine.add_tasks(case, state, visit, [(a, 0, "open") for a in admins], now, flagged=True)
    engine.log(case, None, "auto_refused", None, None,
               data={"action": action, "error": error,
                     "to": list(usernames_by_id(case.conn, admins).values())})


def _reason(error: ServiceError) -> str:
    """Why a move was refused, in English for the log: the message and, for invalid
    values, each field's first problem."""
    fields = getattr(error, "errors", None) or {}
    details = [f"{name}: {messages[0].render('en')}" for name, messages in fields.items()
               if messages]
    return " ".join([error.message.render("en"), *details])
