"""Conditions built without code: rows of (field, operator, value) joined by "all of"
(``and``) or "any of" (``or``), compiled to the expression language, and read back
from the expressions they compile to.

    kinds = {"kind": "choice", "days": "number"}
    condition = Condition("and", (Row("kind", "eq", "annual"), Row("days", "gt", "5")))
    compile_condition(condition, kinds)          # "kind == 'annual' and days > 5"
    parse_condition("kind == 'annual' and days > 5", kinds) == condition

An expression that is not one the builder writes reads back as ``None``: the designer
then shows it as text.  Pure: no Flask, no database.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from formflow.i18n import Message

NUMBER, TEXT, CHOICE, CHOICES, DATE, BOOLEAN, OTHER = (
    "number",
    "text",
    "choice",
    "choices",
    "date",
    "boolean",
    "other",
)
#: The kind of value each field type holds, for the operators it offers.
FIELD_KINDS: Mapping[str, str] = {
    **dict.fromkeys(("integer", "decimal", "money", "percent", "rating"), NUMBER),
    **dict.fromkeys(("text", "textarea", "email", "phone", "url", "user", "department"), TEXT),
    "select": CHOICE,
    "multiselect": CHOICES,
    "date": DATE,
    "datetime": DATE,
    "boolean": BOOLEAN,
}
#: The operators of each kind, in the order the builder offers them.
OPERATORS: Mapping[str, tuple[str, ...]] = {
    NUMBER: ("eq", "ne", "gt", "ge", "lt", "le", "in", "not_in", "empty", "not_empty"),
    TEXT: ("eq", "ne", "contains", "not_contains", "in", "not_in", "empty", "not_empty"),
    CHOICE: ("eq", "ne", "in", "not_in", "empty", "not_empty"),
    CHOICES: ("contains", "not_contains", "empty", "not_empty"),
    DATE: ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty"),
    BOOLEAN: ("true", "false", "empty"),
    OTHER: ("empty", "not_empty"),
}
JOINS = ("and", "or")
#: Operators that take no value, and those that take a list of values.
NO_VALUE = frozenset({"empty", "not_empty", "true", "false"})
LISTS = frozenset({"in", "not_in"})
#: Kinds whose "empty" is "no text / no item" (``len(x) == 0``), not ``x is None``.
_SIZED = frozenset({TEXT, CHOICE, CHOICES})
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_AST_COMPARE = {
    ast.Eq: "eq",
    ast.NotEq: "ne",
    ast.Gt: "gt",
    ast.GtE: "ge",
    ast.Lt: "lt",
    ast.LtE: "le",
    ast.In: "in",
    ast.NotIn: "not_in",
}
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LIST_SEPARATORS = re.compile(r"[,，]")
MAX_ROWS = 20


class ConditionError(ValueError):
    """A row cannot be compiled; ``message`` says which and why."""

    def __init__(self, message: Message):
        self.message = message
        super().__init__(message.key)


@dataclass(frozen=True)
class Row:
    field: str
    op: str
    #: Text as typed; for ``in``/``not_in`` a tuple of texts; "" when the op takes none.
    value: str | tuple[str, ...] = ""


@dataclass(frozen=True)
class Condition:
    join: str
    rows: tuple[Row, ...]


def kind_of(field_type: Any) -> str:
    return FIELD_KINDS.get(field_type, OTHER)


def split_values(raw: str) -> tuple[str, ...]:
    """The values of an "in list" row typed as ``a, b``（or ``a，b``）."""
    return tuple(part.strip() for part in _LIST_SEPARATORS.split(raw) if part.strip())


# -- compiling ---------------------------------------------------------------------------


def compile_condition(condition: Condition, kinds: Mapping[str, str]) -> str:
    """The expression text of ``condition``; ``kinds`` maps field names to their kinds.
    Raises ConditionError."""
    if not condition.rows:
        raise ConditionError(Message("condition_no_rows"))
    if len(condition.rows) > MAX_ROWS:
        raise ConditionError(Message("condition_too_many_rows", {"max": MAX_ROWS}))
    parts = [_compile_row(index + 1, row, kinds) for index, row in enumerate(condition.rows)]
    return f" {'or' if condition.join == 'or' else 'and'} ".join(parts)


def _compile_row(number: int, row: Row, kinds: Mapping[str, str]) -> str:
    kind = kinds.get(row.field)
    if kind is None:
        raise ConditionError(
            Message("condition_unknown_field", {"row": number, "field": row.field})
        )
    if row.op not in OPERATORS[kind]:
        raise ConditionError(Message("condition_operator", {"row": number, "field": row.field}))
    name = row.field
    if row.op in ("empty", "not_empty"):
        if kind in _SIZED:
            return f"len({name}) {'==' if row.op == 'empty' else '>'} 0"
        return f"{name} is {'' if row.op == 'empty' else 'not '}None"
    if row.op in ("true", "false"):
        return f"{name} == {row.op.capitalize()}"
    if row.op in LISTS:
        values = row.value if isinstance(row.value, tuple) else split_values(row.value)
        if not values:
            raise ConditionError(Message("condition_value_missing", {"row": number}))
        items = ", ".join(_literal(number, kind, value) for value in values)
        return f"{name} {'in' if row.op == 'in' else 'not in'} [{items}]"
    value = _literal(number, kind, row.value if isinstance(row.value, str) else "")
    if row.op in ("contains", "not_contains"):
        return f"{'not ' if row.op == 'not_contains' else ''}contains({name}, {value})"
    return f"{name} {_COMPARE[row.op]} {value}"


def _literal(number: int, kind: str, raw: str) -> str:
    raw = raw.strip()
    if not raw:
        raise ConditionError(Message("condition_value_missing", {"row": number}))
    if kind == NUMBER:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ConditionError(Message("condition_number", {"row": number, "value": raw}))
        return format(value, "f")
    if kind == DATE:
        try:
            date.fromisoformat(raw)
        except ValueError:
            raw = ""
        if not _ISO_DATE.fullmatch(raw):
            raise ConditionError(Message("condition_date", {"row": number}))
        return f"date('{raw}')"
    return quote(raw)


def quote(text: str) -> str:
    """``text`` as an expression string literal, in single quotes."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f"'{escaped}'"


# -- reading back ------------------------------------------------------------------------


def parse_condition(text: Any, kinds: Mapping[str, str]) -> Condition | None:
    """The condition ``text`` was compiled from, or None when it is not one the builder
    writes (or reads a field that is not in ``kinds``)."""
    if not isinstance(text, str) or not text.strip() or len(text) > 2000:
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    if isinstance(tree, ast.BoolOp):
        join, nodes = ("or" if isinstance(tree.op, ast.Or) else "and"), tree.values
    else:
        join, nodes = "and", [tree]
    if len(nodes) > MAX_ROWS:
        return None
    rows = []
    for node in nodes:
        row = _row(node, kinds)
        if row is None:
            return None
        rows.append(row)
    condition = Condition(join, tuple(rows))
    try:  # what the rows compile to must mean exactly what was read
        again = ast.parse(compile_condition(condition, kinds), mode="eval").body
    except ConditionError:
        return None
    same = ast.dump(again) == ast.dump(ast.parse(text.strip(), mode="eval").body)
    return condition if same else None


def _row(node: ast.expr, kinds: Mapping[str, str]) -> Row | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _contains(node.operand)
        return Row(inner[0], "not_contains", inner[1]) if inner else None
    if isinstance(node, ast.Call):
        found = _contains(node)
        return Row(found[0], "contains", found[1]) if found else None
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return None
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if _is_call(left, "len") and isinstance(left.args[0], ast.Name):
        if isinstance(right, ast.Constant) and right.value == 0 and type(right.value) is int:
            name = left.args[0].id
            if isinstance(op, ast.Eq):
                return Row(name, "empty")
            if isinstance(op, ast.Gt):
                return Row(name, "not_empty")
        return None
    if not isinstance(left, ast.Name) or left.id not in kinds:
        return None
    name = left.id
    if isinstance(op, ast.Is | ast.IsNot):
        none = isinstance(right, ast.Constant) and right.value is None
        return Row(name, "empty" if isinstance(op, ast.Is) else "not_empty") if none else None
    operator = _AST_COMPARE.get(type(op))
    if operator in LISTS:
        if not isinstance(right, ast.List):
            return None
        values = tuple(_value(item) for item in right.elts)
        if None in values or any(_LIST_SEPARATORS.search(v) for v in values):
            return None
        return Row(name, operator, values)
    if isinstance(right, ast.Constant) and type(right.value) is bool and operator == "eq":
        return Row(name, "true" if right.value else "false")
    value = _value(right)
    return Row(name, operator, value) if operator and value is not None else None


def _is_call(node: ast.expr, function: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == function
        and len(node.args) == 1
        and not node.keywords
    )


def _contains(node: ast.expr) -> tuple[str, str] | None:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "contains"
        and len(node.args) == 2
        and not node.keywords
    ):
        return None
    target, part = node.args
    value = _value(part)
    if not isinstance(target, ast.Name) or value is None:
        return None
    return target.id, value


def _value(node: ast.expr) -> str | None:
    """The text a literal was typed as: a string, a number, ``date('…')``."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _value(node.operand)
        return f"-{inner}" if inner is not None and _NUMBER.fullmatch(inner) else None
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return value
        if type(value) is int:
            return str(value)
        if isinstance(value, float):
            return format(Decimal(repr(value)), "f")
        return None
    if _is_call(node, "date") and isinstance(node.args[0], ast.Constant):
        value = node.args[0].value
        return value if isinstance(value, str) else None
    return None
