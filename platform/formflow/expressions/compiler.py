"""Compiles expression text into an ``Expression``: parse it, check every node against
the language's whitelist, and note the names it reads and the functions it calls.

Compiling is where mistakes are caught, at publish time: forbidden constructs,
reserved names, unknown functions, and constant parts that could never be evaluated
(``9 ** 9 ** 9``, ``'a' * 10 ** 9``, ``1 / 0``) are all an ``ExpressionError``.
Float literals become exact Decimals here, once.  Compiled expressions are cached,
so compiling the same text again costs a dictionary lookup.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from formflow.expressions.context import EvaluationContext
from formflow.expressions.errors import EvaluationError, ExpressionError
from formflow.expressions.evaluator import (
    BINARY_OPERATORS,
    COMPARISON_OPERATORS,
    Evaluator,
)
from formflow.expressions.functions import BUILTIN_FUNCTIONS
from formflow.expressions.parsing import parse, source_of
from formflow.expressions.values import MAX_EXPONENT, MAX_NUMBER, is_number

#: The record's system fields: the only names starting with "_" an expression may use.
SYSTEM_FIELDS = frozenset(
    {
        "_number",
        "_title",
        "_state",
        "_process_version",
        "_version",
        "_created_at",
        "_created_by",
        "_updated_at",
        "_updated_by",
        "_deleted_at",
    }
)

_FORBIDDEN: Mapping[type[ast.AST], str] = {
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.Starred: "* unpacking",
    ast.DictComp: "dict comprehension",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
_UNARY = (ast.Not, ast.USub, ast.UAdd)
_CONSTANT_CONTEXT = EvaluationContext(now=datetime(2000, 1, 1, tzinfo=UTC))


@dataclass(frozen=True)
class Expression:
    """A compiled expression: safe to evaluate any number of times, from any thread."""

    text: str
    references: frozenset[tuple[str, ...]]
    functions: frozenset[str]
    _tree: ast.expr = field(repr=False, compare=False)

    @property
    def tree(self) -> ast.expr:
        """The parsed expression, for static checks (never change it)."""
        return self._tree

    def evaluate(self, names: Mapping[str, Any], context: EvaluationContext | None = None) -> Any:
        """The value of the expression for a record's ``names`` (its fields, system
        fields and links as Mappings, table fields as lists of Mappings)."""
        context = (context or EvaluationContext()).pinned()
        return Evaluator(names, context).run(self._tree)


def compile_expression(text: str, *, functions: Collection[str] = ()) -> Expression:
    """Parse and check ``text``; ``functions`` names plugin functions it may call
    besides the built-in ones.  Raises ExpressionError."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
    if isinstance(functions, str):
        functions = (functions,)
    return _compile(text, frozenset(functions))


@functools.lru_cache(maxsize=4096)
def _compile(text: str, functions: frozenset[str]) -> Expression:
    tree = parse(text)
    checker = _Checker(text, BUILTIN_FUNCTIONS.keys() | functions)
    if checker.check(tree):
        checker.constant_value(tree)
    return Expression(
        text=text,
        references=frozenset(checker.references),
        functions=frozenset(checker.functions),
        _tree=tree,
    )


def _error(message: str, node: ast.AST, *, column: int | None = None) -> ExpressionError:
    if isinstance(node, ast.expr):
        column = column or node.col_offset + 1
        return ExpressionError(message, line=node.lineno, column=column)
    return ExpressionError(message)


def _attribute_column(node: ast.Attribute) -> int | None:
    """The column of the name after the dot (the node itself starts at its value)."""
    if node.end_col_offset is None or node.end_lineno != node.lineno:
        return None
    return node.end_col_offset - len(node.attr) + 1


class _Checker:
    """One pass over a parsed tree.  ``check`` returns whether a node is constant
    (reads no name and calls no function); the largest constant parts are evaluated
    on the spot, so an expression that must fail fails at compile time."""

    def __init__(self, text: str, known_functions: Collection[str]) -> None:
        self.text = text
        self.known_functions = known_functions
        self.references: set[tuple[str, ...]] = set()
        self.functions: set[str] = set()
        self.bound: list[set[str]] = []  # names bound by the enclosing comprehensions

    def check(self, node: ast.AST) -> bool:
        handler = _CHECKS.get(type(node))
        if handler is None:
            what = _FORBIDDEN.get(type(node), type(node).__name__)
            raise _error(f"{what} is not allowed", node)
        return handler(self, node)

    def children(self, *nodes: ast.expr | None) -> bool:
        """Check the children of a node; True when all are constant."""
        return self.settle([(node, self.check(node)) for node in nodes if node is not None])

    def settle(self, checked: list[tuple[ast.expr, bool]]) -> bool:
        """True when every checked child is constant (the parent is too).  Otherwise the
        constant children are evaluated now: they will not be part of a larger one."""
        if all(constant for _, constant in checked):
            return True
        self.evaluate_constants(checked)
        return False

    def evaluate_constants(self, checked: list[tuple[ast.expr, bool]]) -> None:
        for node, constant in checked:
            if constant:
                self.constant_value(node)

    def constant_value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        try:
            return Evaluator({}, _CONSTANT_CONTEXT).run(node)
        except EvaluationError as error:
            raise ExpressionError(error.message, line=error.line, column=error.column) from None

    # -- names -----------------------------------------------------------------------------

    def allowed_name(
        self, name: str, node: ast.AST, what: str = "name", *, column: int | None = None
    ) -> None:
        if name.startswith("_") and name not in SYSTEM_FIELDS:
            message = f"{what} {name!r} is not allowed: names starting with '_' are reserved"
            raise _error(message, node, column=column)

    def is_bound(self, name: str) -> bool:
        return any(name in scope for scope in self.bound)

    def name(self, node: ast.Name) -> bool:
        self.allowed_name(node.id, node)
        if not self.is_bound(node.id):
            self.references.add((node.id,))
        return False

    def attribute(self, node: ast.Attribute) -> bool:
        chain: list[str] = []
        base: ast.expr = node
        while isinstance(base, ast.Attribute):
            self.allowed_name(base.attr, base, "attribute", column=_attribute_column(base))
            chain.append(base.attr)
            base = base.value
        if not isinstance(base, ast.Name):
            return self.check(base)
        self.allowed_name(base.id, base)
        if not self.is_bound(base.id):
            self.references.add((base.id, *reversed(chain)))
        return False

    # -- literals and operators ----------------------------------------------------------

    def constant(self, node: ast.Constant) -> bool:
        value = node.value
        if isinstance(value, bool | str | Decimal) or value is None:
            return True
        if isinstance(value, int):
            if abs(value) > MAX_NUMBER:
                raise _error("number too large", node)
            return True
        if isinstance(value, float):
            node.value = self.decimal_literal(node)
            return True
        raise _error(f"{type(value).__name__} literals are not allowed", node)

    def decimal_literal(self, node: ast.Constant) -> Decimal:
        """The exact Decimal a float literal spells: ``0.13`` is Decimal("0.13")."""
        spelled = source_of(self.text, node) or repr(node.value)
        try:
            number = Decimal(spelled)
        except InvalidOperation:
            number = Decimal(repr(node.value))
        if not number.is_finite() or abs(number) > MAX_NUMBER:
            raise _error("number too large", node)
        return number

    def binary(self, node: ast.BinOp) -> bool:
        if type(node.op) not in BINARY_OPERATORS:
            raise _error(f"operator {_symbol(node.op)} is not allowed", node)
        checked = [(node.left, self.check(node.left)), (node.right, self.check(node.right))]
        if isinstance(node.op, ast.Pow) and checked[1][1]:
            exponent = self.constant_value(node.right)
            if is_number(exponent) and abs(exponent) > MAX_EXPONENT:
                raise _error(f"exponent larger than {MAX_EXPONENT}", node.right)
        return self.settle(checked)

    def unary(self, node: ast.UnaryOp) -> bool:
        if not isinstance(node.op, _UNARY):
            raise _error(f"operator {_symbol(node.op)} is not allowed", node)
        return self.children(node.operand)

    def boolean(self, node: ast.BoolOp) -> bool:
        return self.children(*node.values)

    def compare(self, node: ast.Compare) -> bool:
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if type(op) not in COMPARISON_OPERATORS:
                raise _error(f"operator {_symbol(op)} is not allowed", node)
            is_none = isinstance(comparator, ast.Constant) and comparator.value is None
            if isinstance(op, ast.Is | ast.IsNot) and not is_none:
                raise _error("'is' may only be used as 'is None' or 'is not None'", comparator)
        return self.children(node.left, *node.comparators)

    def if_else(self, node: ast.IfExp) -> bool:
        return self.children(node.test, node.body, node.orelse)

    def subscript(self, node: ast.Subscript) -> bool:
        return self.children(node.value, node.slice)

    def slice(self, node: ast.Slice) -> bool:
        return self.children(node.lower, node.upper, node.step)

    def display(self, node: ast.List | ast.Tuple | ast.Set) -> bool:
        return self.children(*node.elts)

    def dict_display(self, node: ast.Dict) -> bool:
        if any(key is None for key in node.keys):
            raise _error("** unpacking is not allowed", node)
        return self.children(*node.keys, *node.values)

    # -- calls and comprehensions ------------------------------------------------------

    def call(self, node: ast.Call) -> bool:
        if not isinstance(node.func, ast.Name):
            raise _error("only functions can be called, not methods or other values", node)
        name = node.func.id
        self.allowed_name(name, node.func, "function")
        if name not in self.known_functions:
            raise _error(f"unknown function {name!r}", node.func)
        for keyword in node.keywords:
            if keyword.arg is None:
                raise _error("** arguments are not allowed", keyword.value)
            self.allowed_name(keyword.arg, keyword.value, "argument")
        self.functions.add(name)
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        self.evaluate_constants([(argument, self.check(argument)) for argument in arguments])
        return False

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> bool:
        scope: set[str] = set()
        checked: list[tuple[ast.expr, bool]] = []
        for index, generator in enumerate(node.generators):
            if generator.is_async:
                raise _error("async comprehensions are not allowed", node)
            checked.append((generator.iter, self.check(generator.iter)))
            if index == 0:  # the first iterable is read outside the comprehension's names
                self.bound.append(scope)
            self.bind(generator.target, scope)
            checked.extend((test, self.check(test)) for test in generator.ifs)
        checked.append((node.elt, self.check(node.elt)))
        self.bound.pop()
        self.evaluate_constants(checked)
        return False

    def bind(self, target: ast.expr, scope: set[str]) -> None:
        if isinstance(target, ast.Name):
            self.allowed_name(target.id, target)
            scope.add(target.id)
        elif isinstance(target, ast.Tuple):
            for part in target.elts:
                self.bind(part, scope)
        else:
            raise _error("a comprehension may only bind names", target)


def _symbol(op: ast.AST) -> str:
    symbols = {
        ast.MatMult: "@",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitAnd: "&",
        ast.BitXor: "^",
        ast.Invert: "~",
    }
    return symbols.get(type(op), type(op).__name__)


_CHECKS: Mapping[type[ast.AST], Callable[[_Checker, Any], bool]] = {
    ast.Constant: _Checker.constant,
    ast.Name: _Checker.name,
    ast.Attribute: _Checker.attribute,
    ast.Subscript: _Checker.subscript,
    ast.Slice: _Checker.slice,
    ast.BinOp: _Checker.binary,
    ast.UnaryOp: _Checker.unary,
    ast.BoolOp: _Checker.boolean,
    ast.Compare: _Checker.compare,
    ast.IfExp: _Checker.if_else,
    ast.Call: _Checker.call,
    ast.List: _Checker.display,
    ast.Tuple: _Checker.display,
    ast.Set: _Checker.display,
    ast.Dict: _Checker.dict_display,
    ast.ListComp: _Checker.comprehension,
    ast.SetComp: _Checker.comprehension,
    ast.GeneratorExp: _Checker.comprehension,
}
