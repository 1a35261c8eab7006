"""Static checks of an expression against the fields it reads: option values and types.

``status == 'aprooved'`` is always false when ``status`` is a select without that
option, and ``name > 5`` or ``start == 'tomorrow'`` can never be true: at run time such
an expression quietly yields false or nothing, so ``formflow check`` reports it instead.
The checks are deliberately conservative: a value whose kind cannot be known (a
function a plugin adds, a link, ``min(...)``) is never reported.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from formflow.metadata.model import Entity, Field
from formflow.metadata.problems import hint

#: What a name chain stands for: a field, a system field's name, or None (unknown).
Lookup = Callable[[tuple[str, ...]], "Field | str | None"]

NUMBER, TEXT, DATE, DATETIME, BOOLEAN, LIST = (
    "number", "text", "date", "datetime", "boolean", "list"
)
_FIELD_KINDS = {
    **dict.fromkeys(("integer", "decimal", "money", "percent", "rating"), NUMBER),
    **dict.fromkeys(("text", "textarea", "email", "phone", "url", "select"), TEXT),
    **dict.fromkeys(("user", "department"), TEXT),
    "date": DATE, "datetime": DATETIME, "boolean": BOOLEAN, "multiselect": LIST,
}
_SYSTEM_KINDS = {
    **dict.fromkeys(("_number", "_title", "_state", "_created_by", "_updated_by"), TEXT),
    **dict.fromkeys(("_version", "_process_version"), NUMBER),
    **dict.fromkeys(("_created_at", "_updated_at", "_deleted_at"), DATETIME),
}
_CALL_KINDS = {
    **dict.fromkeys(("days_between", "hours_between", "len", "sum", "round", "abs", "int",
                     "decimal"), NUMBER),
    **dict.fromkeys(("str", "lower", "upper", "user"), TEXT),
    "today": DATE, "date": DATE, "add_days": DATE, "now": DATETIME, "has_role": BOOLEAN,
    "contains": BOOLEAN,
}
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_EQUALITY = (ast.Eq, ast.NotEq)
_MEMBERSHIP = (ast.In, ast.NotIn)
_SYMBOLS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
            ast.GtE: ">=", ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
            ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}


def type_problems(tree: ast.expr, lookup: Lookup, states: frozenset[str] | None
                  ) -> Iterator[str]:
    """Messages for option values no field offers and operands that can never fit.
    ``states``: the state names ``_state`` may hold (None: no process)."""
    yield from _Analysis(lookup, states).problems(tree)


def assignment_problems(tree: ast.expr, target: Field, lookup: Lookup) -> Iterator[str]:
    """Messages for a value (a transition's ``set``) that ``target`` can never hold: an
    option it does not offer, or a value of another kind."""
    analysis = _Analysis(lookup, None)
    if target.type == "select" and target.options:
        yield from analysis.option_values(target.name, frozenset(target.option_values), [tree])
    want, have = _FIELD_KINDS.get(target.type), analysis.kind(tree)
    if want and have and want != have and {want, have} != {DATE, DATETIME}:
        yield f"{target.name!r} holds a {want}; {analysis.describe(tree)} is a {have}"


def field_lookup(entity: Entity, table: Field | None, entity_of) -> Lookup:
    """How a name chain of an expression of ``entity`` (of a row of ``table``) resolves:
    the field it ends on, a system field's name, or None when that cannot be told."""

    def on(current: Entity, chain: tuple[str, ...]) -> Field | str | None:
        head, rest = chain[0], chain[1:]
        if head in _SYSTEM_KINDS:
            return None if rest else head
        return follow(current.field(head), rest)

    def follow(field: Field | None, rest: tuple[str, ...]) -> Field | str | None:
        if field is None or not rest:
            return field
        if field.type == "link":
            target = entity_of(field.to) if field.to else None
            return on(target, rest) if target is not None else None
        return None  # a table column (a list of values) is not one field's value

    def lookup(chain: tuple[str, ...]) -> Field | str | None:
        if table is not None:
            column = table.column(chain[0])
            if column is not None:
                return follow(column, chain[1:])
            if chain[0] == "parent":
                return on(entity, chain[1:]) if len(chain) > 1 else None
        return on(entity, chain)

    return lookup


class _Analysis:
    def __init__(self, lookup: Lookup, states: frozenset[str] | None):
        self.lookup = lookup
        self.states = states

    def problems(self, tree: ast.expr) -> Iterator[str]:
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                left = node.left
                for op, right in zip(node.ops, node.comparators, strict=True):
                    yield from self.comparison(left, op, right)
                    left = right
            elif isinstance(node, ast.BinOp):
                yield from self.arithmetic(node)

    # -- what a node is -------------------------------------------------------------

    def chain(self, node: ast.expr) -> tuple[str, ...] | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            return (node.id, *reversed(parts))
        return None

    def target(self, node: ast.expr) -> Field | str | None:
        chain = self.chain(node)
        return self.lookup(chain) if chain else None

    def kind(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                return BOOLEAN
            if isinstance(value, int | float):
                return NUMBER
            return TEXT if isinstance(value, str) else None
        if isinstance(node, ast.Name | ast.Attribute):
            target = self.target(node)
            if isinstance(target, str):
                return _SYSTEM_KINDS[target]
            return _FIELD_KINDS.get(target.type) if target is not None else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return _CALL_KINDS.get(node.func.id)
        if isinstance(node, ast.BoolOp | ast.Compare) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        ):
            return BOOLEAN
        if isinstance(node, ast.UnaryOp):
            return NUMBER if self.kind(node.operand) == NUMBER else None
        if isinstance(node, ast.BinOp):
            return self.arithmetic_kind(node)
        if isinstance(node, ast.IfExp):
            body, orelse = self.kind(node.body), self.kind(node.orelse)
            return body if body == orelse else None
        return LIST if isinstance(node, ast.List | ast.Tuple | ast.ListComp) else None

    def arithmetic_kind(self, node: ast.BinOp) -> str | None:
        left, right = self.kind(node.left), self.kind(node.right)
        if left == right == NUMBER:
            return NUMBER
        if isinstance(node.op, ast.Add | ast.Sub) and left == DATE and right == NUMBER:
            return DATE
        if isinstance(node.op, ast.Sub) and left == right == DATE:
            return NUMBER
        if isinstance(node.op, ast.Add) and left == right == TEXT:
            return TEXT
        return None

    # -- checks ---------------------------------------------------------------------

    def comparison(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> Iterator[str]:
        if isinstance(op, _MEMBERSHIP):
            if isinstance(right, ast.List | ast.Tuple | ast.Set):
                yield from self.options(left, right.elts)
            elif isinstance(left, ast.Constant):
                yield from self.options(right, [left], member=True)
        elif isinstance(op, _EQUALITY):
            yield from self.options(left, [right]) or self.options(right, [left])
            yield from self.mismatch(left, op, right)
        elif isinstance(op, _ORDERING):
            yield from self.mismatch(left, op, right)

    def options(self, node: ast.expr, values: list[ast.expr], *, member: bool = False
                ) -> list[str]:
        """Text constants among ``values`` that the choice field ``node`` cannot hold."""
        target = self.target(node)
        if target == "_state" and self.states is not None:
            name, allowed = "_state", self.states
        elif isinstance(target, Field) and target.options and (
            target.type == "select" or (target.type == "multiselect" and member)
        ):
            name, allowed = target.name, frozenset(target.option_values)
        else:
            return []
        return self.option_values(name, allowed, values)

    def option_values(self, name: str, allowed: frozenset[str], values: list[ast.expr]
                      ) -> list[str]:
        found = []
        for value in values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and (
                value.value not in allowed
            ):
                what = "a state of the process" if name == "_state" else f"an option of {name!r}"
                found.append(f"{value.value!r} is not {what}" + hint(value.value, allowed)
                             + f" (choose from {', '.join(sorted(allowed))})")
        return found

    def mismatch(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> Iterator[str]:
        kinds = (self.kind(left), self.kind(right))
        if None in kinds or kinds[0] == kinds[1] or {DATE, DATETIME} == set(kinds):
            return
        if BOOLEAN in kinds and NUMBER in kinds:
            return  # True == 1
        for date_side, text_side in ((left, right), (right, left)):
            if self.kind(date_side) in (DATE, DATETIME) and isinstance(text_side, ast.Constant):
                yield _date_text(self.describe(date_side), text_side.value)
                return
        symbol = _SYMBOLS[type(op)]
        never = "is never true" if isinstance(op, _EQUALITY) else "cannot be evaluated"
        yield (f"{self.describe(left)} {symbol} {self.describe(right)} compares a "
               f"{kinds[0]} with a {kinds[1]}: it {never}")

    def arithmetic(self, node: ast.BinOp) -> Iterator[str]:
        left, right = self.kind(node.left), self.kind(node.right)
        if TEXT not in (left, right) or left == right == TEXT:
            return
        if isinstance(node.op, ast.Mult) and NUMBER in (left, right):
            return  # 'ab' * 3 repeats the text
        other = right if left == TEXT else left
        if other is None and isinstance(node.op, ast.Add | ast.Mult):
            return  # text + text, text * number: the other side's kind is unknown
        symbol = _SYMBOLS.get(type(node.op), "?")
        yield (f"{self.describe(node.left)} {symbol} {self.describe(node.right)}: cannot "
               f"calculate with text" + (f" and a {other}" if other else ""))

    def describe(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            return repr(node.value)
        chain = self.chain(node)
        if chain:
            target = self.target(node)
            kind = self.kind(node)
            what = f" ({kind} field)" if isinstance(target, Field) and kind else ""
            return ".".join(chain) + what
        return ast.unparse(node)


def _date_text(field: str, value: Any) -> str:
    if isinstance(value, str):
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a date; {field} holds dates"
        return f"{field} holds dates, never text: write date({value!r}) instead of {value!r}"
    return f"{field} holds dates; it cannot be compared with {value!r}"
