"""The semantic check of a loaded model: what a JSON Schema cannot say.

Names resolve (fields, link targets, roles, processes, menu entries), patterns and
expressions parse and name existing fields, computed fields form no cycle, and each
process graph passes the lint: known states, everything reachable, a way out of
every state, a final state within reach, no shadowed branches.  Every problem names
the file and the JSON path of the offending key.

What a field type accepts is the type's to say: the checker asks the field-type
registry it is given (:mod:`formflow.fields`, with the plugins' types) whether a type
exists, which properties it requires, and what values its fields hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING

from formflow.expressions import ExpressionError, compile_expression
from formflow.metadata.automation_lint import AutomationLint, loop_problems
from formflow.metadata.compute_graph import compute_graph, computed_nodes
from formflow.metadata.dashboard_lint import dashboard_problems
from formflow.metadata.expression_types import field_lookup, type_problems
from formflow.metadata.field_shape import field_shape
from formflow.metadata.model import (
    CANCELLED,
    SYSTEM_FIELDS,
    App,
    Entity,
    Field,
    Model,
)
from formflow.metadata.problems import Problem
from formflow.metadata.problems import hint as _hint
from formflow.metadata.process_lint import ProcessLint

if TYPE_CHECKING:
    from formflow.fields import FieldType

DATE_TOKENS = frozenset({"YYYY", "YY", "MM", "DD"})
MAX_SEQ_DIGITS = 12
#: List columns, filters and sort may name these besides the entity's fields.
LIST_SYSTEM_FIELDS = frozenset(SYSTEM_FIELDS)
#: Text system fields a list may also search.
SEARCH_SYSTEM_FIELDS = frozenset({"_number", "_title"})
_TOKEN = re.compile(r"\{([^{}]*)\}")
_SEQ = re.compile(r"seq(?::(.*))?")


def check(
    model: Model,
    *,
    field_types: Mapping[str, FieldType],
    functions: Collection[str] = (),
    broken: Collection[str] = (),
    warnings: bool = False,
    only: Collection[str] | None = None,
    memo: Callable[..., list[Problem]] | None = None,
) -> list[Problem]:
    """Every semantic problem in ``model``, sorted; warnings too when ``warnings``.

    ``field_types`` is the field-type registry (name → :class:`FieldType`).

    ``broken`` holds names ("app", "app.entity", "app.process") whose documents
    failed to load; references to them are not reported a second time.  ``only``:
    the names of the apps to check (the others are known good); default all.
    ``memo(checker, entity, compute)`` may answer an entity's problems from an
    earlier check (see :meth:`~formflow.metadata.site_cache.DocumentCache.checked`).
    """
    found = set(_Checker(model, field_types, functions, broken).run(only, memo))
    return sorted(p for p in found if warnings or not p.is_warning)


class _Checker:
    def __init__(
        self,
        model: Model,
        field_types: Mapping[str, FieldType],
        functions: Collection[str],
        broken: Collection[str],
    ):
        self.model = model
        self.field_types = field_types
        #: The names of the known types (what an earlier check's answer depends on).
        self.type_names = frozenset(field_types)
        self.functions = tuple(functions)
        self.broken = frozenset(broken)
        self.roles = model.roles
        self._compiled: dict[str, object] = {}

    def run(self, only: Collection[str] | None = None, memo=None) -> Iterator[Problem]:
        for app in self.model.apps.values():
            if only is not None and app.name not in only:
                continue
            yield from self.check_app(app)
            for entity in app.entities.values():
                if memo is None:
                    yield from self.check_entity(entity)
                else:
                    yield from memo(self, entity, lambda e=entity: list(self.check_entity(e)))
            for process in app.processes.values():
                yield from ProcessLint(self, process).run()
            yield from AutomationLint(self, app).run()
            for dashboard in app.dashboards.values():
                yield from dashboard_problems(self, dashboard)
        yield from loop_problems(self.model)

    # -- helpers ------------------------------------------------------------------

    def is_broken(self, qualified: str) -> bool:
        return qualified in self.broken or qualified.partition(".")[0] in self.broken

    def unknown_entity(self, qualified: str) -> bool:
        return self.model.entity(qualified) is None and not self.is_broken(qualified)

    def role_problem(self, role: str) -> str | None:
        if role in self.roles:
            return None
        return f"unknown role {role!r}" + _hint(role, self.roles)

    def compile(self, text: str):
        """The compiled expression, or the :class:`ExpressionError` it raised."""
        if text not in self._compiled:
            try:
                self._compiled[text] = compile_expression(text, functions=self.functions)
            except ExpressionError as error:
                self._compiled[text] = error
        return self._compiled[text]

    def expression(
        self, text: str, resolve, entity: Entity | None = None, table: Field | None = None
    ) -> Iterator[str]:
        """Messages for ``text``: a parse error, or each name ``resolve`` rejects; once
        every name resolves, option values and types against ``entity``'s fields (of a
        row of ``table``)."""
        compiled = self.compile(text)
        if isinstance(compiled, ExpressionError):
            yield f"invalid expression: {compiled}"
            return
        unresolved = False
        for chain in sorted(compiled.references):
            message = resolve(chain)
            if message:
                unresolved = True
                yield message
        if entity is not None and not unresolved:
            lookup = field_lookup(entity, table, self.model.entity)
            yield from type_problems(compiled.tree, lookup, self.state_names(entity))

    def state_names(self, entity: Entity) -> frozenset[str] | None:
        """The states ``_state`` may hold: its process's, and the built-in cancelled."""
        process = self.model.process_for(entity) if entity.process else None
        if process is None:
            return None
        return frozenset(s.name for s in process.states) | {CANCELLED}

    def resolve(self, entity: Entity, chain: tuple[str, ...]) -> str | None:
        """Why ``chain`` does not name a value of ``entity`` (None when it does)."""
        head, rest = chain[0], chain[1:]
        if head in SYSTEM_FIELDS:
            return f"{head!r} has no fields; cannot use {rest[0]!r}" if rest else None
        field = entity.field(head)
        if field is None:
            names = [f.name for f in entity.fields] + list(SYSTEM_FIELDS)
            return f"{entity.name!r} has no field {head!r}" + _hint(head, names)
        return self.follow(field, rest)

    def follow(self, field: Field, rest: tuple[str, ...]) -> str | None:
        if not rest:
            return None
        if field.type == "link":
            target = self.model.entity(field.to) if field.to else None
            # A missing target is reported on the link field itself.
            return self.resolve(target, rest) if target else None
        if field.is_table:
            column = field.column(rest[0])
            if column is None:
                names = [c.name for c in field.fields]
                return f"table {field.name!r} has no column {rest[0]!r}" + _hint(rest[0], names)
            return self.follow(column, rest[1:])
        return f"{field.name!r} is not a link or table field; cannot use {rest[0]!r}"

    def resolve_row(self, entity: Entity, table: Field, chain: tuple[str, ...]) -> str | None:
        """Names inside a table column: the row's columns, and ``parent.x``."""
        head = chain[0]
        column = table.column(head)
        if column is not None:
            return self.follow(column, chain[1:])
        if head == "parent":
            if len(chain) == 1:
                return "'parent' needs a field: parent.<field>"
            return self.resolve(entity, chain[1:])
        names = [c.name for c in table.fields] + ["parent"]
        return (
            f"table {table.name!r} has no column {head!r} (use parent.<field> for the record)"
            + _hint(head, names)
        )

    # -- app ----------------------------------------------------------------------

    def check_app(self, app: App) -> Iterator[Problem]:
        # Problem file names are relative to the folder holding the app folder.
        file = f"{PurePath(app.path).name or app.name}/app.json"
        seen: set[str] = set()
        for i, role in enumerate(app.roles):
            if role.name in seen:
                yield Problem(file, f"roles/{i}/name", f"duplicate role {role.name!r}")
            seen.add(role.name)
        for i, name in enumerate(app.menu):
            qualified = name if "." in name else f"{app.name}.{name}"
            if self.unknown_entity(qualified):
                known = [e.name for e in app.entities.values()]
                yield Problem(file, f"menu/{i}", f"unknown entity {name!r}" + _hint(name, known))

    # -- entity -------------------------------------------------------------------

    def check_entity(self, entity: Entity) -> Iterator[Problem]:
        file = entity.source
        for path, message in self.entity_messages(entity):
            yield Problem(file, path, message)

    def entity_messages(self, entity: Entity) -> Iterator[tuple[str, str]]:
        yield from self.fields_messages(entity, entity.fields, "fields", table=None)
        yield from self.pattern_messages(entity)
        yield from self.view_messages(entity)
        yield from index_messages(entity, LIST_SYSTEM_FIELDS)
        yield from self.permission_messages(entity)
        yield from self.compute_cycles(entity)
        for i, rule in enumerate(entity.rules):
            resolve_rule = partial(self.resolve, entity)
            for message in self.expression(rule.check, resolve_rule, entity):
                yield f"rules/{i}/check", message
        if entity.process:
            app = self.model.apps[entity.app]
            process = app.processes.get(entity.process)
            if process is None:
                if not self.is_broken(f"{entity.app}.{entity.process}"):
                    yield (
                        "process",
                        f"unknown process {entity.process!r}"
                        + _hint(entity.process, app.processes),
                    )
            elif process.entity != entity.qualified_name:
                yield "process", f"process {process.name!r} is for {process.entity!r}"

    def fields_messages(
        self, entity: Entity, fields: tuple[Field, ...], path: str, table: Field | None
    ) -> Iterator[tuple[str, str]]:
        names = {f.name for f in fields}
        seen: set[str] = set()
        for i, field in enumerate(fields):
            at = f"{path}/{i}"
            if field.name.startswith("_") or field.name == "id":
                yield f"{at}/name", f"{field.name!r} is reserved for system fields"
            if field.name in seen:
                yield f"{at}/name", f"duplicate field {field.name!r}"
            seen.add(field.name)
            if field.renamed_from and field.renamed_from in names:
                yield f"{at}/renamed_from", f"field {field.renamed_from!r} still exists"
            if field.type not in self.field_types:
                yield (
                    f"{at}/type",
                    f"unknown field type {field.type!r}" + _hint(field.type, self.field_types),
                )
            yield from field_shape(field, self.field_types, at)
            yield from self.link_messages(field, fields, at)
            for key in ("read_roles", "write_roles"):
                for j, role in enumerate(getattr(field, key) or ()):
                    if message := self.role_problem(role):
                        yield f"{at}/{key}/{j}", message
            if table is None:

                def resolve(chain, entity=entity):
                    return self.resolve(entity, chain)
            else:

                def resolve(chain, entity=entity, table=table):
                    return self.resolve_row(entity, table, chain)

            for key in ("default_expr", "compute", "visible_if", "required_if", "readonly_if"):
                text = getattr(field, key)
                if text:
                    for message in self.expression(text, resolve, entity, table):
                        yield f"{at}/{key}", message
            if table is not None:
                for key in ("read_roles", "write_roles"):
                    if getattr(field, key):
                        yield f"{at}/{key}", (f"{key} apply to the whole table {table.name!r},"
                                              " not to one of its columns")
            if field.is_table:
                if table is not None:
                    yield f"{at}/type", "a table column cannot itself be a table"
                elif not field.fields:
                    yield at, "a table field needs 'fields': its columns"
                else:
                    yield from self.fields_messages(entity, field.fields, f"{at}/fields", field)

    def link_messages(
        self, field: Field, siblings: tuple[Field, ...], at: str
    ) -> Iterator[tuple[str, str]]:
        if field.type == "link":
            if not field.to:
                yield at, "a link field needs 'to': the entity it points to"
            elif self.unknown_entity(field.to):
                yield f"{at}/to", f"unknown entity {field.raw.get('to', field.to)!r}"
        elif "link_scope" in field.raw:
            yield f"{at}/link_scope", "'link_scope' applies to link fields only"
        if field.fetch:
            link_name, _, target_name = field.fetch.partition(".")
            link = next((f for f in siblings if f.name == link_name), None)
            if link is None:
                yield (
                    f"{at}/fetch",
                    f"unknown link field {link_name!r}"
                    + _hint(link_name, [f.name for f in siblings if f.type == "link"]),
                )
            elif link.type != "link":
                yield f"{at}/fetch", f"{link_name!r} is not a link field"
            else:
                target = self.model.entity(link.to) if link.to else None
                if (
                    target
                    and target.field(target_name) is None
                    and target_name not in (SYSTEM_FIELDS)
                ):
                    yield (
                        f"{at}/fetch",
                        f"{target.name!r} has no field {target_name!r}"
                        + _hint(target_name, [f.name for f in target.fields]),
                    )

    def pattern_messages(self, entity: Entity) -> Iterator[tuple[str, str]]:
        scalar = {f.name for f in entity.scalar_fields}
        if entity.title:
            allowed = scalar | (set(SYSTEM_FIELDS) - {"_title"})
            for message in _pattern_tokens(entity.title):
                yield "title", message
            for token in _TOKEN.findall(entity.title):
                if token not in allowed:
                    yield "title", f"unknown field {{{token}}}" + _hint(token, allowed)
        if entity.numbering:
            for message in _pattern_tokens(entity.numbering):
                yield "numbering", message
            seqs = 0
            for token in _TOKEN.findall(entity.numbering):
                match = _SEQ.fullmatch(token)
                if match:
                    seqs += 1
                    digits = match.group(1) or ""
                    if not (digits.isdigit() and 1 <= int(digits) <= MAX_SEQ_DIGITS):
                        yield (
                            "numbering",
                            (f"{{{token}}}: use {{seq:N}} with N from 1 to {MAX_SEQ_DIGITS}"),
                        )
                elif token not in DATE_TOKENS and token not in scalar:
                    yield (
                        "numbering",
                        (
                            f"unknown token {{{token}}}: use {{YYYY}} {{YY}} {{MM}} {{DD}}"
                            " {seq:N} or a field name" + _hint(token, scalar)
                        ),
                    )
            if seqs != 1:
                yield "numbering", f"needs exactly one {{seq:N}} counter, found {seqs}"

    def view_messages(self, entity: Entity) -> Iterator[tuple[str, str]]:
        names = {f.name for f in entity.fields}
        tables = {f.name for f in entity.table_fields}
        placed: set[str] = set()
        for i, section in enumerate(entity.form):
            for j, name in enumerate(section.fields):
                if name not in names:
                    yield (
                        f"form/sections/{i}/fields/{j}",
                        f"unknown field {name!r}" + _hint(name, names),
                    )
                elif name in placed:
                    yield f"form/sections/{i}/fields/{j}", f"{name!r} is already in the form"
                placed.add(name)
        view = entity.list
        if view is None:
            return
        listable = (names - tables) | LIST_SYSTEM_FIELDS
        for key, allowed in (
            ("columns", listable),
            ("filters", listable),
            ("search", (names - tables) | SEARCH_SYSTEM_FIELDS),
        ):
            for j, name in enumerate(getattr(view, key)):
                if name in tables:
                    yield f"list/{key}/{j}", f"table field {name!r} cannot be used here"
                elif name not in allowed:
                    yield f"list/{key}/{j}", f"unknown field {name!r}" + _hint(name, allowed)
        for part in view.sort.split(","):
            name = part.strip().lstrip("-")
            if name and name not in listable:
                yield "list/sort", f"unknown field {name!r}" + _hint(name, listable)

    def permission_messages(self, entity: Entity) -> Iterator[tuple[str, str]]:
        seen: set[str] = set()
        for i, permission in enumerate(entity.permissions):
            if message := self.role_problem(permission.role):
                yield f"permissions/{i}/role", message
            elif permission.role in seen:
                yield f"permissions/{i}/role", f"role {permission.role!r} is listed twice"
            seen.add(permission.role)

    def compute_cycles(self, entity: Entity) -> Iterator[tuple[str, str]]:
        """Computed fields (and columns) that depend on themselves, once per cycle."""
        paths = {node: path for node, (path, _) in computed_nodes(entity).items()}
        graph = compute_graph(entity, self.references)
        done: set[tuple[str, str]] = set()
        for start in graph:
            cycle = _find_cycle(graph, start, done)
            if cycle and cycle[0] == start:
                names = " -> ".join(".".join(filter(None, node)) for node in cycle + [start])
                yield paths[start], f"computed fields depend on each other: {names}"

    def references(self, text: str):
        """The name chains ``text`` reads (None when it does not parse)."""
        compiled = self.compile(text)
        return None if isinstance(compiled, ExpressionError) else compiled.references


def _pattern_tokens(pattern: str) -> Iterator[str]:
    rest = _TOKEN.sub("", pattern)
    if "{" in rest or "}" in rest:
        yield "unbalanced '{' or '}'"


def _find_cycle(graph, start, done) -> list | None:
    """A cycle through ``start`` (as a node list starting there), if there is one."""
    stack: list = []
    on_stack: set = set()

    def visit(node):
        if node in on_stack:
            return stack[stack.index(node) :]
        if node in done:
            return None
        stack.append(node)
        on_stack.add(node)
        for dep in graph.get(node, ()):
            found = visit(dep)
            if found:
                return found
        stack.pop()
        on_stack.discard(node)
        return None

    found = visit(start)
    done.add(start)
    return found


def index_messages(entity: Entity, system: frozenset[str]) -> Iterator[tuple[str, str]]:
    """Declared composite indexes name the entity's own scalar fields, each once."""
    tables = {f.name for f in entity.table_fields}
    allowed = ({f.name for f in entity.fields} - tables) | system
    for i, keys in enumerate(entity.indexes):
        names = [key.lstrip("-") for key in keys]
        for j, name in enumerate(names):
            if name in tables:
                yield f"indexes/{i}/{j}", f"table field {name!r} cannot be indexed"
            elif name not in allowed:
                yield f"indexes/{i}/{j}", f"unknown field {name!r}" + _hint(name, allowed)
            elif name in names[:j]:
                yield f"indexes/{i}/{j}", f"{name!r} is already in this index"
