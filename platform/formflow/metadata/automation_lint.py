"""The check of an app's automations: what they watch and write resolves, their
expressions parse and fit the fields they fill, and no chain of automations can trigger
itself (a loop: an automation creating or changing the records that, through others,
trigger it again).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import TYPE_CHECKING

from formflow.expressions import ExpressionError
from formflow.metadata.automation_model import Automation, AutomationAction, Rows
from formflow.metadata.automations import ACTION_KINDS
from formflow.metadata.expression_types import assignment_problems, field_lookup
from formflow.metadata.model import (
    SYSTEM_FIELDS,
    App,
    Assignee,
    Entity,
    Field,
    Model,
)
from formflow.metadata.problems import Problem
from formflow.metadata.problems import hint as _hint
from formflow.metadata.process_lint import CANCELLED

if TYPE_CHECKING:
    from formflow.metadata.checker import _Checker

#: The triggers that watch changes, and those a created record sets off.
CHANGE_TRIGGERS = ("update", "save")
CREATE_TRIGGERS = ("create", "save")
PERSON_TYPES = ("user", "link", "department")


def app_file(app: App) -> str:
    """app.json of ``app``, named as problems name it."""
    return f"{PurePath(app.path).name or app.name}/app.json"


class AutomationLint:
    """The checks of one app's automations."""

    def __init__(self, checker: _Checker, app: App):
        self.checker = checker
        self.app = app

    def run(self) -> Iterator[Problem]:
        file = app_file(self.app)
        seen: set[str] = set()
        for i, automation in enumerate(self.app.automations):
            at = f"automations/{i}"
            if automation.name in seen:
                yield Problem(file, f"{at}/name", f"duplicate automation {automation.name!r}")
            seen.add(automation.name)
            for path, message in self.messages(automation):
                yield Problem(file, f"{at}/{path}" if path else at, message)

    def messages(self, automation: Automation) -> Iterator[tuple[str, str]]:
        checker = self.checker
        entity = checker.model.entity(automation.entity)
        if entity is None:
            if not checker.is_broken(automation.entity):
                yield "entity", f"unknown entity {automation.entity!r}"
            return
        yield from self.trigger_messages(automation, entity)
        if automation.when:
            yield from self.expression(automation.when, entity, None, "when")
        for j, action in enumerate(automation.actions):
            yield from self.action_messages(action, automation.raw_actions[j], entity,
                                            f"actions/{j}")

    def trigger_messages(self, automation: Automation, entity: Entity
                         ) -> Iterator[tuple[str, str]]:
        on = automation.on
        if automation.fields and on not in CHANGE_TRIGGERS:
            yield "fields", "'fields' applies to automations on update or save"
        names = {f.name for f in entity.fields} | {"_state"}
        for j, name in enumerate(automation.fields):
            if name not in names:
                yield f"fields/{j}", f"unknown field {name!r}" + _hint(name, names)
        if automation.states and on != "enter":
            yield "state", "'state' applies to automations on enter"
        if automation.every and on != "schedule":
            yield "every", "'every' applies to automations on schedule"
        if on == "schedule" and not automation.every:
            yield "", "an automation on schedule needs 'every': how often it runs"
        if on == "enter":
            if not automation.states:
                yield "", "an automation on enter needs 'state': the states it watches"
            process = self.checker.model.process_for(entity)
            if process is None:
                yield "on", f"{entity.name!r} has no process: no state to enter"
                return
            states = {s.name for s in process.states} | {CANCELLED}
            for j, state in enumerate(automation.states):
                if state not in states:
                    path = "state" if len(automation.states) == 1 else f"state/{j}"
                    yield path, f"unknown state {state!r}" + _hint(state, states)

    def action_messages(self, action: AutomationAction, raw, entity: Entity, at: str
                        ) -> Iterator[tuple[str, str]]:
        kinds = [key for key in ACTION_KINDS if key in raw]
        if len(kinds) != 1:
            yield at, "an action needs exactly one of " + ", ".join(ACTION_KINDS)
            return
        if "values" in raw and action.kind not in ("create", "update"):
            yield f"{at}/values", "'values' applies to create and update actions"
        if action.kind == "create":
            target = self.checker.model.entity(action.target)
            if target is None:
                if not self.checker.is_broken(action.target):
                    yield f"{at}/create", f"unknown entity {raw['create']!r}"
                return
            yield from self.values_messages(action, entity, target, f"{at}/values")
        elif action.kind == "update":
            link = entity.field(action.target)
            if link is None or link.type != "link":
                links = [f.name for f in entity.fields if f.type == "link"]
                yield f"{at}/update", (f"{action.target!r} is not a link field of "
                                       f"{entity.name!r}" + _hint(action.target, links))
                return
            target = self.checker.model.entity(link.to or "")
            if target is not None:
                yield from self.values_messages(action, entity, target, f"{at}/values")
        elif action.kind == "notify":
            yield from self.notify_messages(action.notify, entity, f"{at}/notify")

    def values_messages(self, action: AutomationAction, entity: Entity, target: Entity,
                        at: str) -> Iterator[tuple[str, str]]:
        names = [f.name for f in target.fields]
        for name, value in action.values.items():
            path = f"{at}/{name}"
            field = target.field(name)
            if field is None:
                yield path, f"{target.name!r} has no field {name!r}" + _hint(name, names)
                continue
            if field.compute or field.fetch:
                yield path, f"{name!r} is computed or fetched: it cannot be set"
                continue
            if isinstance(value, Rows):
                yield from self.rows_messages(value, entity, field, path)
            elif field.is_table:
                yield path, (f"{name!r} is a table: give its rows as "
                             '{"rows": <table field>, "values": {...}}')
            else:
                yield from self.expression(value, entity, None, path)
                yield from self.assignment(value, field, entity, None, path)

    def rows_messages(self, rows: Rows, entity: Entity, field: Field, at: str
                      ) -> Iterator[tuple[str, str]]:
        if not field.is_table:
            yield at, f"{field.name!r} is not a table: give it an expression"
            return
        source = entity.field(rows.rows)
        if source is None or not source.is_table:
            tables = [f.name for f in entity.table_fields]
            yield f"{at}/rows", (f"{rows.rows!r} is not a table field of {entity.name!r}"
                                 + _hint(rows.rows, tables))
            return
        if rows.where:
            yield from self.expression(rows.where, entity, source, f"{at}/where")
        columns = [c.name for c in field.fields]
        for name, text in rows.values.items():
            column = field.column(name)
            if column is None:
                yield (f"{at}/values/{name}",
                       f"table {field.name!r} has no column {name!r}" + _hint(name, columns))
            elif column.compute or column.fetch:
                yield f"{at}/values/{name}", f"{name!r} is computed or fetched: it cannot be set"
            else:
                yield from self.expression(text, entity, source, f"{at}/values/{name}")
                yield from self.assignment(text, column, entity, source, f"{at}/values/{name}")

    def notify_messages(self, rules: tuple[Assignee, ...], entity: Entity, at: str
                        ) -> Iterator[tuple[str, str]]:
        names = [f.name for f in entity.fields]
        for j, rule in enumerate(rules):
            path = f"{at}/{j}/{rule.kind}"
            if rule.kind == "role":
                if message := self.checker.role_problem(rule.value):
                    yield path, message
            elif rule.kind in ("field", "manager_of", "department_head"):
                field = entity.field(rule.value)
                if rule.value in SYSTEM_FIELDS:
                    if SYSTEM_FIELDS[rule.value] != "user":
                        yield path, f"{rule.value!r} is not a user field"
                elif field is None:
                    yield path, f"unknown field {rule.value!r}" + _hint(rule.value, names)
                elif field.type not in PERSON_TYPES:
                    yield path, f"{rule.value!r} is not a user field"

    def expression(self, text: str, entity: Entity, table: Field | None, path: str
                   ) -> Iterator[tuple[str, str]]:
        checker = self.checker
        if table is None:
            def resolve(chain):
                return checker.resolve(entity, chain)
        else:
            def resolve(chain):
                return checker.resolve_row(entity, table, chain)
        for message in checker.expression(text, resolve, entity, table):
            yield path, message

    def assignment(self, text: str, target: Field, entity: Entity, table: Field | None,
                   path: str) -> Iterator[tuple[str, str]]:
        """A value the target field can never hold (names are checked by ``expression``)."""
        compiled = self.checker.compile(text)
        if isinstance(compiled, ExpressionError):
            return
        lookup = field_lookup(entity, table, self.checker.model.entity)
        if target.type == "link":
            # A link takes the record another link names: one of the entity it links to.
            source = (lookup(next(iter(compiled.references)))
                      if isinstance(compiled.tree, ast.Name | ast.Attribute) else None)
            if isinstance(source, Field) and source.type == "link" and source.to != target.to:
                yield path, (f"{target.name!r} links to {target.to!r}; {text!r} is a record "
                             f"of {source.to!r}")
            return
        if any(lookup(chain) is None and chain[0] not in SYSTEM_FIELDS
               for chain in compiled.references):
            return
        for message in assignment_problems(compiled.tree, target, lookup):
            yield path, message


# -- loops ------------------------------------------------------------------------------------


def loop_problems(model: Model) -> Iterator[Problem]:
    """One problem per automation that a chain of automations can trigger again."""
    active = [a for a in model.automations() if a.active]
    edges = {a.qualified_name: [b.qualified_name for b in active if triggers(model, a, b)]
             for a in active}
    where = {a.qualified_name: (app_file(model.apps[a.app]),
                                f"automations/{model.apps[a.app].automations.index(a)}")
             for a in active}
    for start in edges:
        cycle = _cycle_from(start, edges)
        if cycle:
            file, path = where[start]
            chain = " -> ".join([*cycle, start])
            yield Problem(file, path, f"automations can trigger each other in a loop: {chain}")


def triggers(model: Model, first: Automation, second: Automation) -> bool:
    """Whether an action of ``first`` can set off ``second``: it creates a record of the
    entity ``second`` watches for creation (or whose process starts in a state
    ``second`` watches), or changes one in fields ``second`` watches.  Conditions are not
    judged: a loop a condition happens to break today is one an edit can close."""
    entity = model.entity(second.entity)
    if entity is None:
        return False
    for action in first.actions:
        if action.kind == "create" and action.target == second.entity:
            if second.on in CREATE_TRIGGERS:
                return True
            process = model.process_for(entity)
            if second.on == "enter" and process is not None and process.start in second.states:
                return True
        if action.kind == "update" and second.on in CHANGE_TRIGGERS:
            source = model.entity(first.entity)
            link = source.field(action.target) if source else None
            if link is not None and link.to == second.entity and (
                    not second.fields or set(second.fields) & _changed(entity, action.values)):
                return True
    return False


def _changed(entity: Entity, values: Iterable[str]) -> set[str]:
    """The fields an update of ``values`` may change: those, and every computed or
    fetched field (which may depend on them)."""
    return set(values) | {f.name for f in entity.fields if f.compute or f.fetch}


def _cycle_from(start: str, edges: dict[str, list[str]]) -> list[str] | None:
    """A path from ``start`` back to it, if there is one (``start`` first)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in edges.get(node, ()):
            if target == start:
                return path
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None
