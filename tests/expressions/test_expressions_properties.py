"""Properties of the expression language over generated input: any text either
compiles or is refused, any compiled expression either evaluates or fails with an
EvaluationError (every function too, whatever values it is given), nothing has a side
effect, and arithmetic is Python's Decimal."""

from __future__ import annotations

import builtins
import copy
import operator
import string
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Context, Decimal, DecimalException, localcontext
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formflow.expressions import (
    BUILTIN_FUNCTIONS,
    EvaluationContext,
    EvaluationError,
    ExpressionError,
    compile_expression,
)

NAMES = {
    "a": 3,
    "b": Decimal("2.5"),
    "x": None,
    "s": "text",
    "d": date(2024, 2, 29),
    "t": datetime(2024, 3, 1, 8, tzinfo=UTC),
    "lines": [{"qty": 2, "price": Decimal("1.5")}, {"qty": None, "price": Decimal("3")}],
    "customer": {"name": "ACME", "region": {"name": "East"}, "credit_limit": 1000},
    "tags": ["vip", "new"],
    "_number": "SO-0001",
}
CONTEXT = EvaluationContext(username="alice", roles=frozenset({"user"}), now=datetime.now(UTC))
TOKENS = [
    *("a", "b", "x", "s", "d", "t", "lines", "customer", "tags", "r", "_number", "_secret"),
    *("sum", "len", "min", "max", "round", "today", "coalesce", "open", "eval", "getattr"),
    *("__class__", "__import__", "__dict__", "lambda", "not", "and", "or", "if", "else"),
    *("for", "in", "is", "None", "True", "0", "1", "2", "10", "0.1", "1e3", "'x'", "''"),
    *("+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", ">=", ":=", "@", "<<", "~"),
    *("(", ")", "[", "]", "{", "}", ",", ".", ":", "f'", "'", "\\", " "),
]


# Python's parser itself imports unicodedata to normalize non-ASCII names.
PARSER_IMPORTS = {"unicodedata"}


@contextmanager
def no_side_effects() -> Iterator[list[str]]:
    """Record any call to a builtin that reaches outside the evaluator."""
    calls: list[str] = []
    real_import = builtins.__import__

    def spy(name: str) -> Callable[..., Any]:
        def called(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise PermissionError(name)

        return called

    def guarded_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name in PARSER_IMPORTS:
            return real_import(name, *args, **kwargs)
        return spy(f"import {name}")()

    with (
        warnings.catch_warnings(),
        mock.patch.object(builtins, "open", spy("open")),
        mock.patch.object(builtins, "__import__", guarded_import),
        mock.patch.object(builtins, "eval", spy("eval")),
        mock.patch.object(builtins, "exec", spy("exec")),
    ):
        warnings.simplefilter("error")  # a warning from the parser counts as a side effect
        yield calls


def compile_and_run(text: str) -> None:
    names = copy.deepcopy(NAMES)
    with no_side_effects() as calls:
        try:
            expression = compile_expression(text)
        except ExpressionError as error:
            assert str(error) and "\n" not in str(error)
        else:
            try:
                expression.evaluate(names, CONTEXT)
            except EvaluationError as error:
                assert str(error) and "\n" not in str(error)
    assert calls == []
    assert names == NAMES


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable, max_size=60))
def test_any_printable_text_compiles_or_is_refused(text: str) -> None:
    compile_and_run(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=24), st.sampled_from([" ", ""]))
def test_token_soup_compiles_or_is_refused(tokens: list[str], separator: str) -> None:
    compile_and_run(separator.join(tokens))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "x", "s", "d", "1", "0.5", "'y'", "None"]), min_size=2),
    st.lists(st.sampled_from(["+", "-", "*", "/", "%", "<", "==", "and", "or"]), min_size=1),
)
def test_well_formed_expressions_evaluate_or_fail_cleanly(
    operands: list[str], operators: list[str]
) -> None:
    parts = [operands[0]]
    for index, operand in enumerate(operands[1:]):
        parts += [operators[index % len(operators)], operand]
    compile_and_run(" ".join(parts))


BOUND = Decimal(10) ** 12
decimals = st.decimals(
    min_value=-BOUND, max_value=BOUND, places=6, allow_nan=False, allow_infinity=False
)
OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
}


def python_decimal(op: str, left: Decimal, right: Decimal) -> Decimal | None:
    """What Python's default Decimal arithmetic gives, or None where it cannot."""
    if right == 0 and op in {"/", "//", "%"}:
        return None
    with localcontext(Context(prec=28)):
        try:
            result = OPERATIONS[op](left, right)
        except DecimalException:
            return None
    return result if abs(result) <= Decimal(10) ** 30 else None


def outcome(text: str, names: dict[str, Any]) -> Any:
    """The value, or None when the expression is refused or fails."""
    try:
        return compile_expression(text).evaluate(names)
    except (ExpressionError, EvaluationError):
        return None


@settings(max_examples=300, deadline=None)
@given(decimals, decimals, st.sampled_from(sorted(OPERATIONS)))
def test_decimal_arithmetic_matches_python(left: Decimal, right: Decimal, op: str) -> None:
    expected = python_decimal(op, left, right)
    from_names = outcome(f"left {op} right", {"left": left, "right": right})
    from_literals = outcome(f"({left}) {op} ({right})", {})
    assert from_names == expected
    assert from_literals == expected
    if expected is not None:
        assert isinstance(from_names, Decimal)
        assert isinstance(from_literals, Decimal | int)  # "(1) + (2)" are int literals


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.sampled_from(["+", "-", "*", "//", "%"]),
)
def test_integer_arithmetic_stays_integer(left: int, right: int, op: str) -> None:
    expression = compile_expression(f"left {op} right")
    if right == 0 and op in {"//", "%"}:
        with pytest.raises(EvaluationError):
            expression.evaluate({"left": left, "right": right})
        return
    result = expression.evaluate({"left": left, "right": right})
    assert result == OPERATIONS[op](left, right)
    assert type(result) is int


@settings(max_examples=100, deadline=None)
@given(st.dates(), st.dates())
def test_days_between_agrees_with_date_subtraction(start: date, end: date) -> None:
    names = {"start": start, "end": end}
    assert compile_expression("days_between(start, end)").evaluate(names) == (end - start).days
    assert compile_expression("end - start").evaluate(names) == (end - start).days


#: Values a record can hold, and a few it cannot (floats from plugins, nested rows).
record_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12)
    | st.decimals(allow_nan=True, allow_infinity=True, places=None)
    | st.floats() | st.dates() | st.datetimes(timezones=st.just(UTC)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("pq"), inner,
                                                                  max_size=2),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(BUILTIN_FUNCTIONS)),
    st.lists(record_values, max_size=3),
)
def test_every_function_takes_any_values_or_fails_cleanly(name: str, arguments: list) -> None:
    names = {f"v{i}": value for i, value in enumerate(arguments)}
    text = f"{name}({', '.join(names)})"
    with no_side_effects() as calls:
        try:
            compile_expression(text).evaluate(names, CONTEXT)
        except EvaluationError as error:
            assert str(error) and "\n" not in str(error)
    assert calls == []
