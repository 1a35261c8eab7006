"""Walks a compiled expression tree and computes its value.

The tree has already passed the compiler's whitelist, so every node here is one the
language allows; what the operators mean lives in ``values``.  Every evaluation is
bounded three ways, each with its own error: steps (every node evaluated, plus every
item an operation walks: ``x in rows``, comparing lists, a function given a list),
time (the clock is read every :data:`CLOCK_EVERY` steps and after every function
call, so a slow plugin function is caught too) and data (the characters and items of
everything built).  Any failure comes out as an ``EvaluationError`` that says where
it happened.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Mapping
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any

from formflow.expressions.context import EvaluationContext
from formflow.expressions.errors import EvaluationError
from formflow.expressions.functions import BUILTIN_FUNCTIONS, ContextFunction
from formflow.expressions.values import (
    BINARY,
    COMPARE,
    MAX_ITEMS,
    attribute,
    check_result,
    items_of,
    negate,
    positive,
    slice_of,
    subscript,
)

#: Steps one evaluation may take: nodes evaluated plus items walked by operations.
MAX_STEPS = 200_000
#: Seconds one evaluation may take.
MAX_SECONDS = 1.0
#: Characters and items one evaluation may build, all intermediate values together.
MAX_BUILT = 2_000_000
#: Steps between two looks at the clock.
CLOCK_EVERY = 1024
_SIZED = str | list | tuple | set | frozenset | dict

BINARY_OPERATORS: Mapping[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
COMPARISON_OPERATORS: Mapping[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}

# Python's default arithmetic, pinned so a caller's thread-local decimal settings
# cannot change what an expression means.
_DECIMALS = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def describe(error: BaseException) -> str:
    """A one-line message for an exception raised by Python during evaluation."""
    if isinstance(error, ZeroDivisionError):
        return "division by zero"
    if isinstance(error, Overflow | OverflowError):
        return "number too large"
    if isinstance(error, InvalidOperation):
        return "invalid arithmetic operation"
    if isinstance(error, RecursionError):
        return "expression nested too deeply"
    if isinstance(error, MemoryError):
        return "out of memory"
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, TypeError):
        return f"type error: {detail}"
    return detail


class Evaluator:
    """One evaluation: the record's values, the context, and the work done so far."""

    def __init__(self, names: Mapping[str, Any], context: EvaluationContext) -> None:
        self.names = names
        self.context = context
        self.scopes: list[dict[str, Any]] = []
        self.steps = 0
        self.built = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        self.next_clock = CLOCK_EVERY

    def run(self, node: ast.expr) -> Any:
        try:
            with localcontext(_DECIMALS):
                return self.eval(node)
        except EvaluationError:
            raise
        except Exception as error:  # anything that escaped a node still becomes ours
            raise EvaluationError(describe(error)) from error

    def eval(self, node: ast.AST) -> Any:
        try:
            self.spend(1)
            return _HANDLERS[type(node)](self, node)
        except EvaluationError as error:
            if error.column is None:
                error.locate(node.lineno, node.col_offset + 1)
            raise
        except Exception as error:
            raise EvaluationError(
                describe(error), line=node.lineno, column=node.col_offset + 1
            ) from error

    def produced(self, value: Any) -> Any:
        """Check a computed value against the limits and count what it holds."""
        check_result(value)
        if isinstance(value, str | list | tuple | set | frozenset | dict):
            self.count_built(len(value))
        return value

    def count_built(self, size: int) -> None:
        self.built += size
        if self.built > MAX_BUILT:
            raise EvaluationError(
                f"expression builds too much data (more than {MAX_BUILT:,} characters and items)"
            )

    def spend(self, steps: int) -> None:
        """Count ``steps`` of work, and look at the clock now and then."""
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise EvaluationError(f"expression takes too many steps (more than {MAX_STEPS:,})")
        if self.steps >= self.next_clock:
            self.next_clock = self.steps + CLOCK_EVERY
            self.check_clock()

    def check_clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise EvaluationError(f"expression takes too long (more than {MAX_SECONDS:g} s)")

    # -- names and values --------------------------------------------------------------

    def constant(self, node: ast.Constant) -> Any:
        return node.value

    def name(self, node: ast.Name) -> Any:
        for scope in reversed(self.scopes):
            if node.id in scope:
                return scope[node.id]
        try:
            return self.names[node.id]
        except KeyError:
            raise EvaluationError(f"unknown name {node.id!r}") from None

    def attribute(self, node: ast.Attribute) -> Any:
        value = self.eval(node.value)
        result = attribute(value, node.attr)
        if isinstance(value, list | tuple):
            self.count_built(len(result))
        return result

    def subscript(self, node: ast.Subscript) -> Any:
        value = self.eval(node.value)
        result = subscript(value, self.eval(node.slice))
        if isinstance(node.slice, ast.Slice):
            self.produced(result)
        return result

    def slice(self, node: ast.Slice) -> slice:
        parts = (node.lower, node.upper, node.step)
        return slice_of(*(None if part is None else self.eval(part) for part in parts))

    # -- operators -----------------------------------------------------------------------

    def binary(self, node: ast.BinOp) -> Any:
        operation = BINARY[BINARY_OPERATORS[type(node.op)]]
        return self.produced(operation(self.eval(node.left), self.eval(node.right)))

    def unary(self, node: ast.UnaryOp) -> Any:
        operand = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.USub):
            return self.produced(negate(operand))
        return self.produced(positive(operand))

    def boolean(self, node: ast.BoolOp) -> Any:
        stop_when = isinstance(node.op, ast.Or)
        value = None
        for operand in node.values:
            value = self.eval(operand)
            if bool(value) is stop_when:
                return value
        return value

    def compare(self, node: ast.Compare) -> bool:
        left = self.eval(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator)
            self.spend(_size(right) + _size(left))  # what a membership test or comparison walks
            if not COMPARE[COMPARISON_OPERATORS[type(op)]](left, right):
                return False
            left = right
        return True

    def if_else(self, node: ast.IfExp) -> Any:
        return self.eval(node.body) if self.eval(node.test) else self.eval(node.orelse)

    # -- calls -----------------------------------------------------------------------------

    def call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name)  # the compiler admits plain names only
        name = node.func.id
        function = BUILTIN_FUNCTIONS.get(name) or self.context.functions.get(name)
        if function is None:
            raise EvaluationError(f"function {name!r} is not available here")
        args = [self.eval(arg) for arg in node.args]
        kwargs = {keyword.arg: self.eval(keyword.value) for keyword in node.keywords}
        self.spend(sum(_size(value) for value in (*args, *kwargs.values())))
        try:
            if isinstance(function, ContextFunction):
                result = function(self.context, *args, **kwargs)
            else:
                result = function(*args, **kwargs)
        except EvaluationError as error:
            raise EvaluationError(_prefixed(name, error.message)) from None
        except Exception as error:
            raise EvaluationError(_prefixed(name, describe(error))) from error
        self.check_clock()  # a function may be slow without taking a step
        return self.produced(result)

    # -- displays and comprehensions -----------------------------------------------------

    def list_display(self, node: ast.List) -> list[Any]:
        return self.produced([self.eval(item) for item in node.elts])

    def tuple_display(self, node: ast.Tuple) -> tuple[Any, ...]:
        return self.produced(tuple(self.eval(item) for item in node.elts))

    def set_display(self, node: ast.Set) -> set[Any]:
        return self.produced({self.eval(item) for item in node.elts})

    def dict_display(self, node: ast.Dict) -> dict[Any, Any]:
        pairs = zip(node.keys, node.values, strict=True)
        return self.produced({self.eval(key): self.eval(value) for key, value in pairs})

    def list_comprehension(self, node: ast.ListComp | ast.GeneratorExp) -> list[Any]:
        return self.produced(self.comprehend(node))

    def set_comprehension(self, node: ast.SetComp) -> set[Any]:
        return self.produced(set(self.comprehend(node)))

    def comprehend(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> list[Any]:
        """The items of a comprehension, computed eagerly (a generator is a list here)."""
        generators = node.generators
        results: list[Any] = []
        scope: dict[str, Any] = {}
        taken = 0

        def loop(index: int, iterable: Any) -> None:
            nonlocal taken
            generator = generators[index]
            for item in iterable:
                taken += 1
                if taken > MAX_ITEMS:
                    raise EvaluationError(f"a comprehension may take at most {MAX_ITEMS} items")
                self.spend(1)
                _bind(generator.target, item, scope)
                if all(self.eval(test) for test in generator.ifs):
                    if index + 1 < len(generators):
                        loop(index + 1, self.iterable(generators[index + 1].iter))
                    else:
                        results.append(self.eval(node.elt))

        first = self.iterable(generators[0].iter)  # evaluated outside the comprehension
        self.scopes.append(scope)
        try:
            loop(0, first)
        finally:
            self.scopes.pop()
        return results

    def iterable(self, node: ast.expr) -> Any:
        return items_of(self.eval(node), "a comprehension")


def _size(value: Any) -> int:
    """How many items (or characters) an operation on ``value`` may walk."""
    return len(value) if isinstance(value, _SIZED) else 0


def _bind(target: ast.expr, item: Any, scope: dict[str, Any]) -> None:
    if isinstance(target, ast.Name):
        scope[target.id] = item
        return
    assert isinstance(target, ast.Tuple)  # the compiler admits names and tuples of them
    if not isinstance(item, list | tuple) or len(item) != len(target.elts):
        raise EvaluationError(f"cannot unpack {len(target.elts)} values from this item")
    for part, value in zip(target.elts, item, strict=True):
        _bind(part, value, scope)


def _prefixed(function: str, message: str) -> str:
    return message if message.startswith(f"{function}(") else f"{function}(): {message}"


_HANDLERS: Mapping[type[ast.AST], Callable[[Evaluator, Any], Any]] = {
    ast.Constant: Evaluator.constant,
    ast.Name: Evaluator.name,
    ast.Attribute: Evaluator.attribute,
    ast.Subscript: Evaluator.subscript,
    ast.Slice: Evaluator.slice,
    ast.BinOp: Evaluator.binary,
    ast.UnaryOp: Evaluator.unary,
    ast.BoolOp: Evaluator.boolean,
    ast.Compare: Evaluator.compare,
    ast.IfExp: Evaluator.if_else,
    ast.Call: Evaluator.call,
    ast.List: Evaluator.list_display,
    ast.Tuple: Evaluator.tuple_display,
    ast.Set: Evaluator.set_display,
    ast.Dict: Evaluator.dict_display,
    ast.ListComp: Evaluator.list_comprehension,
    ast.GeneratorExp: Evaluator.list_comprehension,
    ast.SetComp: Evaluator.set_comprehension,
}

#: The expression node types the evaluator understands; the compiler admits no other.
EXPRESSION_NODES = frozenset(_HANDLERS)
