"""The expression language: syntax allowed and refused, what each operator and
function computes, None handling, links and line items, references, and limits."""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, localcontext
from typing import Any

import pytest

from formflow.expressions import (
    BUILTIN_FUNCTIONS,
    ContextFunction,
    EvaluationContext,
    EvaluationError,
    Expression,
    ExpressionError,
    compile_expression,
)

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)  # already 1 April in Shanghai
CONTEXT = EvaluationContext(
    username="alice", roles=frozenset({"user", "hr_manager"}), now=NOW, timezone=SHANGHAI
)
LINES = [
    {"item": "pen", "qty": 2, "price": Decimal("1.50"), "amount": Decimal("3.00")},
    {"item": "ink", "qty": 1, "price": Decimal("0.10"), "amount": Decimal("0.10")},
    {"item": "pad", "qty": 3, "price": Decimal("2.00"), "amount": None},
]


def evaluate(text: str, names: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
    context = kwargs.pop("context", CONTEXT)
    return compile_expression(text, **kwargs).evaluate(names or {}, context)


def same(value: Any, expected: Any) -> bool:
    """Equal and of the same type: 3 is not Decimal("3"), and never a float."""
    return value == expected and type(value) is type(expected)


# -- literals and operators --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2", 3),
        ("7 - 10", -3),
        ("6 * 7", 42),
        ("7 / 2", Decimal("3.5")),
        ("6 / 3", Decimal("2")),
        ("1 / 3", Decimal(1) / Decimal(3)),
        ("7 // 2", 3),
        ("-7 // 2", -4),
        ("7 % 3", 1),
        ("2 ** 10", 1024),
        ("2 ** -1", Decimal("0.5")),
        ("1.5 ** 2", Decimal("2.25")),
        ("-5", -5),
        ("+5", 5),
        ("-(1.5)", Decimal("-1.5")),
        ("0.1 + 0.2", Decimal("0.3")),
        ("0.13 * 100", Decimal("13.00")),
        ("1.5e3", Decimal("1.5E+3")),
        ("1_000.25", Decimal("1000.25")),
        ("7.5 // 2", Decimal("3")),
        ("7.5 % 2", Decimal("1.5")),
        ("10 * 1.1", Decimal("11.0")),
        ("'ab' + 'cd'", "abcd"),
        ("'ab' * 3", "ababab"),
        ("2 * 'ab'", "abab"),
        ("[1] + [2]", [1, 2]),
        ("[0] * 3", [0, 0, 0]),
        ("(1, 2) + (3,)", (1, 2, 3)),
        ("{1, 2, 2}", {1, 2}),
        ("{'a': 1}", {"a": 1}),
        ("[]", []),
        ("True", True),
        ("None", None),
        ("'text'", "text"),
    ],
)
def test_operator_computes_exact_value(text: str, expected: Any) -> None:
    assert same(evaluate(text), expected)


def test_float_literals_are_exact_decimals() -> None:
    assert evaluate("0.1 + 0.2 == 0.3") is True
    assert same(evaluate("0.1 + 0.2"), Decimal("0.3"))


def test_division_gives_decimal_never_float() -> None:
    assert same(evaluate("a / b", {"a": 1, "b": 4}), Decimal("0.25"))
    assert same(evaluate("a / b", {"a": Decimal("1.00"), "b": 4}), Decimal("0.25"))


def test_float_values_from_the_caller_are_read_as_their_text() -> None:
    assert same(evaluate("x + 0.2", {"x": 0.1}), Decimal("0.3"))
    assert evaluate("x == 0.1", {"x": 0.1}) is True
    assert same(evaluate("x * 2", {"x": 0.1}), Decimal("0.2"))


def test_arithmetic_ignores_the_callers_decimal_context() -> None:
    with localcontext() as caller:
        caller.prec = 3
        assert evaluate("1 / 3") == Decimal("0.3333333333333333333333333333")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 < 2 < 3", True),
        ("3 > 2 > 2", False),
        ("1 <= 1 >= 1", True),
        ("1 == 1.0", True),
        ("2 != 2.00", False),
        ("'a' != 'b'", True),
        ("'a' < 'b'", True),
        ("2 in [1, 2]", True),
        ("3 not in [1, 2]", True),
        ("'b' in 'abc'", True),
        ("'k' in {'k': 1}", True),
        ("x is None", True),
        ("x is not None", False),
        ("x == None", True),
        ("1 and 2", 2),
        ("0 and 2", 0),
        ("0 or 'y'", "y"),
        ("x or 5", 5),
        ("not 0", True),
        ("not 'a'", False),
        ("'yes' if 1 > 0 else 'no'", "yes"),
        ("'yes' if x else 'no'", "no"),
    ],
)
def test_comparison_and_logic(text: str, expected: Any) -> None:
    assert same(evaluate(text, {"x": None}), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2, 3][0]", 1),
        ("[1, 2, 3][-1]", 3),
        ("[1, 2, 3][1:]", [2, 3]),
        ("'abcdef'[::2]", "ace"),
        ("{'a': 1}['a']", 1),
        ("{'a': 1}['b']", None),
        ("x[0]", None),
        ("[1, 2][1.0]", 2),
    ],
)
def test_subscript(text: str, expected: Any) -> None:
    assert same(evaluate(text, {"x": None}), expected)


@pytest.mark.parametrize(
    "text", ["pair[5]", "n[0]", "pair[half]", "pair[::zero]", "{pair: 2}", "{pair}"]
)
def test_bad_subscripts_and_displays_fail_at_evaluation(text: str) -> None:
    with pytest.raises(EvaluationError):
        evaluate(text, {"pair": [1, 2], "n": 5, "half": Decimal("0.5"), "zero": 0})


@pytest.mark.parametrize("text", ["[1, 2][5]", "5[0]", "[1][0.5]", "{[1]: 2}", "x + 1 / 0"])
def test_constant_parts_that_cannot_be_evaluated_fail_at_compile_time(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(text)


# -- None ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["x + 1", "1 - x", "x * 2", "x / 2", "-x", "d > x", "x < 1", "'a' in x", "x ** 2"]
)
def test_operations_on_none_are_evaluation_errors(text: str) -> None:
    with pytest.raises(EvaluationError):
        evaluate(text, {"x": None, "d": date(2024, 1, 1)})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x.name", None),
        ("x.a.b.c", None),
        ("coalesce(x, 0) + 1", 1),
        ("round(x, 2)", None),
        ("abs(x)", None),
        ("days_between(x, d)", None),
        ("hours_between(d, x)", None),
        ("add_days(x, 3)", None),
        ("sum([x, 1, x])", 1),
        ("sum(x)", 0),
        ("min([x, 3, 2])", 2),
        ("max(x, x)", None),
        ("len(x)", 0),
        ("upper(x)", None),
        ("lower(x)", None),
        ("contains(x, 'a')", False),
        ("contains('abc', x)", False),
        ("str(x)", ""),
        ("int(x)", None),
        ("decimal(x)", None),
        ("date(x)", None),
        ("x is None and True", True),
    ],
)
def test_none_flows_through_functions_and_links(text: str, expected: Any) -> None:
    assert same(evaluate(text, {"x": None, "d": date(2024, 1, 1)}), expected)


# -- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("d + 1", date(2024, 3, 1)),
        ("1 + d", date(2024, 3, 1)),
        ("d + 1.0", date(2024, 3, 1)),
        ("d - 29", date(2024, 1, 31)),
        ("e - d", 4),
        ("d - e", -4),
        ("t - d", 2),
        ("d - t", -2),
        ("t + 1", datetime(2024, 3, 3, 9, 30, tzinfo=UTC)),
        ("d < e", True),
        ("t > d", True),
        ("t == date(t)", True),
        ("d2 == t", True),
        ("d2 >= t", True),
        ("d2 < t", False),
    ],
)
def test_date_arithmetic_counts_days(text: str, expected: Any) -> None:
    names = {
        "d": date(2024, 2, 29),
        "e": date(2024, 3, 4),
        "d2": date(2024, 3, 2),
        "t": datetime(2024, 3, 2, 9, 30, tzinfo=UTC),
    }
    assert same(evaluate(text, names), expected)


@pytest.mark.parametrize("text", ["t - t", "d + 1.5", "d * 2", "d + d", "d + 'x'"])
def test_unsupported_date_arithmetic_is_an_error(text: str) -> None:
    names = {"d": date(2024, 2, 29), "t": datetime(2024, 3, 2, tzinfo=UTC)}
    with pytest.raises(EvaluationError):
        evaluate(text, names)


def test_subtracting_datetimes_points_to_hours_between() -> None:
    t = datetime(2024, 3, 2, tzinfo=UTC)
    with pytest.raises(EvaluationError, match="hours_between"):
        evaluate("a - b", {"a": t, "b": t})


# -- links and line items --------------------------------------------------------------


class LazyRecord(Mapping[str, Any]):
    """A linked record loaded on first use, as the storage layer hands links in."""

    def __init__(self, load: Any) -> None:
        self._load = load
        self._values: dict[str, Any] | None = None

    def _fields(self) -> dict[str, Any]:
        if self._values is None:
            self._values = self._load()
        return self._values

    def __getitem__(self, key: str) -> Any:
        return self._fields()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())


def test_attribute_follows_nested_links() -> None:
    names = {"order": {"customer": {"region": {"name": "East"}, "credit_limit": Decimal("500")}}}
    assert evaluate("order.customer.region.name", names) == "East"
    assert evaluate("order.customer.credit_limit * 2", names) == Decimal("1000")
    assert evaluate("order.customer.missing", names) is None
    assert evaluate("order.nothing.region.name", names) is None


def test_links_are_followed_through_the_callers_mapping_only_when_read() -> None:
    loads: list[str] = []
    customer = LazyRecord(lambda: loads.append("customer") or {"credit_limit": 100})
    expression = compile_expression("amount > customer.credit_limit if amount else False")
    assert expression.evaluate({"amount": 0, "customer": customer}) is False
    assert loads == []
    assert expression.evaluate({"amount": 150, "customer": customer}) is True
    assert loads == ["customer"]


@pytest.mark.parametrize("value", [5, "text", date(2024, 1, 1), object()])
def test_attribute_of_a_plain_value_is_an_error(value: Any) -> None:
    with pytest.raises(EvaluationError, match="cannot read .real"):
        evaluate("x.real", {"x": value})


def test_attribute_never_reaches_python_attributes() -> None:
    class Record(dict):
        secret = "python attribute"

    assert evaluate("r.secret", {"r": Record(name="n")}) is None
    assert evaluate("r.name", {"r": Record(name="n")}) == "n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lines.amount", [Decimal("3.00"), Decimal("0.10"), None]),
        ("lines.missing", [None, None, None]),
        ("sum(lines.amount)", Decimal("3.10")),
        ("sum([r.qty * r.price for r in lines])", Decimal("9.10")),
        ("sum(r.qty for r in lines)", 6),
        ("len(lines)", 3),
        ("max(lines.qty)", 3),
        ("min(lines.amount)", Decimal("0.10")),
        ("[r.item for r in lines if r.qty > 1]", ["pen", "pad"]),
        ("{r.qty > 1 for r in lines}", {True, False}),
        ("[q * p for q, p in pairs]", [2, 12]),
        ("[x * y for x in [1, 2] for y in [10, 20] if x * y != 20]", [10, 40]),
        ("sum(lines.qty) if lines else 0", 6),
        ("'pen' in lines.item", True),
    ],
)
def test_line_items(text: str, expected: Any) -> None:
    assert same(evaluate(text, {"lines": LINES, "pairs": [(1, 2), [3, 4]]}), expected)


def test_empty_line_items_sum_to_zero() -> None:
    assert evaluate("sum(lines.amount)", {"lines": []}) == 0
    assert evaluate("max(lines.amount)", {"lines": []}) is None


def test_comprehension_variable_shadows_a_field_only_inside() -> None:
    assert evaluate("[r for r in rows] + [r]", {"r": 9, "rows": [1, 2]}) == [1, 2, 9]


def test_line_item_that_is_not_a_record_is_an_error() -> None:
    with pytest.raises(EvaluationError):
        evaluate("lines.amount", {"lines": [{"amount": 1}, 7]})


# -- references ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "references"),
    [
        ("customer.credit_limit", {("customer", "credit_limit")}),
        ("days", {("days",)}),
        ("lines.amount", {("lines", "amount")}),
        ("sum([r.qty * r.price for r in lines])", {("lines",)}),
        ("[x for x in x]", {("x",)}),
        ("[y for x in rows for y in x.items if y > limit]", {("rows",), ("limit",)}),
        ("a.b.c + a", {("a", "b", "c"), ("a",)}),
        ("a[0].b", {("a",)}),
        ("{'k': v}.k", {("v",)}),
        ("[r for r in rows] + [r]", {("rows",), ("r",)}),
        ("_created_by == user() and _state != 'draft'", {("_created_by",), ("_state",)}),
        ("today() + 1", set()),
        ("days_between(start, end) + 1", {("start",), ("end",)}),
    ],
)
def test_references_are_dotted_name_chains(text: str, references: set[tuple[str, ...]]) -> None:
    assert compile_expression(text).references == frozenset(references)


def test_functions_lists_the_functions_called() -> None:
    expression = compile_expression("round(sum(lines.amount), 2) + len(x) + sum(y)")
    assert expression.functions == frozenset({"round", "sum", "len"})
    assert expression.text == "round(sum(lines.amount), 2) + len(x) + sum(y)"


# -- compile-time checks ------------------------------------------------------------------

HOSTILE = [
    "__import__('os')",
    "__import__('os').system('true')",
    "().__class__.__bases__",
    "().__class__.__bases__[0].__subclasses__()",
    "[c for c in ().__class__.__mro__]",
    "open('x')",
    "lambda: 1",
    "(lambda: 1)()",
    "(x := 1)",
    "a.__dict__",
    "a._private",
    "getattr(a, 'b')",
    "eval('1')",
    "exec('1')",
    "compile('1', 'x', 'eval')",
    "type(a)",
    "globals()",
    "__builtins__",
    "_secret",
    "f'{a}'",
    "f'{a!r:>{width}}'",
    "'{}'.format(a)",
    "a.b()",
    "[1] * 10**9",
    "'a' * 10**9",
    "9**9**9",
    "x ** 1000",
    "10 ** 31",
    "1 / 0",
    "a << 10**9",
    "a @ b",
    "~a",
    "[*a]",
    "sum(*a)",
    "round(**a)",
    "{**a}",
    "{k: 1 for k in a}",
    "[x async for x in a]",
    "await a",
    "(yield)",
    "a if b else c.__class__",
    "x is 1",
    "1j",
    "b'bytes'",
    "...",
    "import os",
    "a = 1",
    "a; b",
    "a\x00",
    "'\\d'",
    "1if a else 2",
    "(" * 500 + "1" + ")" * 500,
    "-(" * 60 + "1" + ")" * 60,
    "[" * 60 + "]" * 60,
    "[x " + "for a in b " * 60 + "]",
    "[" + ", ".join(["1"] * 600) + "]",
    "1 + " * 1300 + "1",
    "a" * 5000,
    "",
    "   ",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda text: repr(text)[:40])
def test_hostile_text_is_refused_at_compile_time(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(text)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("'%s' % a", {"a": 1}),
        ("'%999999999d' % n", {"n": 1}),
        ("[0] * n", {"n": 10**9}),
        ("s * n", {"s": "a", "n": 10**9}),
        ("s + 'a'", {"s": "a" * 100_001}),
        ("x ** n", {"x": 9, "n": 10**9}),
        ("n * n * n", {"n": 10**12}),
        ("x * 10", {"x": Decimal("1E+30")}),
        ("[r for r in rows]", {"rows": list(range(10_001))}),
        ("[[y for y in rows] for x in rows]", {"rows": list(range(10_000))}),
        ("[s + s for x in rows]", {"s": "a" * 50_000, "rows": list(range(100))}),
        ("[upper(s) for x in rows]", {"s": "a" * 100_000, "rows": list(range(100))}),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_resource_bounds_are_enforced_at_evaluation(text: str, names: dict[str, Any]) -> None:
    expression = compile_expression(text)
    with pytest.raises(EvaluationError):
        expression.evaluate(names, CONTEXT)


def test_errors_are_value_errors_with_a_one_line_message_and_a_column() -> None:
    with pytest.raises(ExpressionError) as compiled:
        compile_expression("amount + (")
    assert isinstance(compiled.value, ValueError)
    assert "\n" not in str(compiled.value)
    assert compiled.value.column is not None

    with pytest.raises(ExpressionError, match=r"'__class__' is not allowed.*\(column 3\)"):
        compile_expression("a.__class__")
    with pytest.raises(ExpressionError, match=r"column 8"):
        compile_expression("'客户' + (")

    with pytest.raises(EvaluationError) as evaluated:
        evaluate("1 + (x / 0)", {"x": 1})
    assert isinstance(evaluated.value, ValueError)
    assert str(evaluated.value) == "division by zero (column 6)"


def test_unknown_function_is_a_compile_error() -> None:
    with pytest.raises(ExpressionError, match="unknown function 'credit_score'"):
        compile_expression("credit_score(customer) > 600")


def test_plugin_function_compiles_only_when_named() -> None:
    expression = compile_expression("credit_score(customer)", functions=["credit_score"])
    assert expression.functions == frozenset({"credit_score"})
    assert compile_expression("credit_score(c)", functions="credit_score").functions


@pytest.mark.parametrize(
    "name",
    [
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
    ],
)
def test_system_fields_are_the_only_underscore_names(name: str) -> None:
    assert compile_expression(name).references == {(name,)}
    assert evaluate(name, {name: "v"}) == "v"
    assert evaluate(f"link.{name}", {"link": {name: "w"}}) == "w"
    with pytest.raises(ExpressionError, match="reserved"):
        compile_expression(f"{name}x")


def test_leading_blanks_are_allowed() -> None:
    assert evaluate("  1 + 1") == 2
    with pytest.raises(ExpressionError, match="column 6"):
        compile_expression("  1 +")


def test_compiled_expressions_are_cached() -> None:
    first = compile_expression("a + b")
    assert compile_expression("a + b") is first
    assert compile_expression("a + b", functions=["f"]) is not first
    assert compile_expression("f(a)", functions=("f", "g")) is compile_expression(
        "f(a)", functions=["g", "f"]
    )


# -- evaluation errors ---------------------------------------------------------------------


def test_unknown_name_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError, match="unknown name 'amount'"):
        evaluate("amount + 1")


def test_runtime_division_by_zero_is_an_evaluation_error() -> None:
    for text in ("a / b", "a // b", "a % b", "c / b", "c % b", "b ** -1"):
        with pytest.raises(EvaluationError, match="division by zero"):
            evaluate(text, {"a": 1, "b": 0, "c": Decimal("1.5")})


def test_plugin_failure_is_an_evaluation_error() -> None:
    def broken(value: Any) -> Any:
        raise RuntimeError("backend unreachable")

    context = EvaluationContext(functions={"score": broken})
    with pytest.raises(EvaluationError, match="score\\(\\): backend unreachable"):
        evaluate("score(1)", context=context, functions=["score"])


def test_plugin_function_missing_at_evaluation_is_an_error() -> None:
    with pytest.raises(EvaluationError, match="'score' is not available"):
        evaluate("score(1)", functions=["score"])


@pytest.mark.parametrize(
    "text", ["round(1, 2, 3)", "len()", "today(1)", "round(x=1)", "sum(1)", "min([1, 'a'])"]
)
def test_wrong_arguments_are_evaluation_errors(text: str) -> None:
    with pytest.raises(EvaluationError):
        evaluate(text)


# -- functions ---------------------------------------------------------------------------


def test_builtin_function_names() -> None:
    documented = {"today", "now", "days_between", "hours_between", "sum", "min", "max", "len"}
    documented |= {"round", "abs", "coalesce", "user", "has_role"}
    extras = {"int", "str", "decimal", "add_days", "contains", "lower", "upper", "date"}
    assert set(BUILTIN_FUNCTIONS) == documented | extras


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today()", date(2024, 4, 1)),
        ("now()", datetime(2024, 4, 1, 7, 30, tzinfo=SHANGHAI)),
        ("now() == now()", True),
        ("user()", "alice"),
        ("has_role('hr_manager')", True),
        ("has_role('admin')", False),
        ("days_between(d, e)", 4),
        ("days_between(e, d)", -4),
        ("days_between(t, e)", 2),
        ("hours_between(d, e)", Decimal("96.00")),
        ("hours_between(t, t2)", Decimal("1.51")),
        ("hours_between(e, t)", Decimal("-24.00")),  # e is midnight in Shanghai
        ("add_days(d, 2)", date(2024, 3, 2)),
        ("add_days(d, -1)", date(2024, 2, 28)),
        ("date('2024-03-31')", date(2024, 3, 31)),
        ("date('2024-03-31T10:00:00')", date(2024, 3, 31)),
        ("date(t)", date(2024, 3, 2)),
        ("sum([1, 2, 3])", 6),
        ("sum([1, 0.5])", Decimal("1.5")),
        ("sum([])", 0),
        ("min(3, 1, 2)", 1),
        ("max([3, 1, 2])", 3),
        ("max(d, e)", date(2024, 3, 4)),
        ("min([])", None),
        ("max(5)", 5),
        ("len('abc')", 3),
        ("len({'a': 1})", 1),
        ("round(2.5)", Decimal("3")),
        ("round(-2.5)", Decimal("-3")),
        ("round(0.125, 2)", Decimal("0.13")),
        ("round(2.675, 2)", Decimal("2.68")),
        ("round(7, 2)", Decimal("7.00")),
        ("round(1250, -2)", Decimal("1.3E+3")),
        ("abs(-3)", 3),
        ("abs(-1.5)", Decimal("1.5")),
        ("coalesce(None, '', 0, 5)", 0),
        ("coalesce(None, '')", None),
        ("int('12')", 12),
        ("int(' 12.9 ')", 12),
        ("int(-2.7)", -2),
        ("int(True)", 1),
        ("str(12.50)", "12.50"),
        ("str(1.5e3)", "1500"),
        ("str(d)", "2024-02-29"),
        ("str(3)", "3"),
        ("decimal('12.50')", Decimal("12.50")),
        ("decimal(3)", Decimal("3")),
        ("contains('Hello', 'ell')", True),
        ("contains(['vip', 'new'], 'vip')", True),
        ("lower('ABC')", "abc"),
        ("upper('abc')", "ABC"),
    ],
)
def test_builtin_function(text: str, expected: Any) -> None:
    names = {
        "d": date(2024, 2, 29),
        "e": date(2024, 3, 4),
        "t": datetime(2024, 3, 2, 16, tzinfo=UTC),
        "t2": datetime(2024, 3, 2, 17, 30, 30, tzinfo=UTC),
    }
    assert same(evaluate(text, names), expected)


@pytest.mark.parametrize(
    "text",
    [
        "int('abc')",
        "decimal('NaN')",
        "decimal('1e999999')",
        "date('31/03/2024')",
        "days_between('2024-01-01', d)",
        "add_days(d, 0.5)",
        "add_days(d, 10**9)",
        "round(1, 100)",
        "str([1])",
        "upper(1)",
        "len(5)",
        "contains(5, 'a')",
        "sum(['a'])",
    ],
)
def test_builtin_function_rejects_bad_input(text: str) -> None:
    with pytest.raises(EvaluationError):
        evaluate(text, {"d": date(2024, 1, 1)})


def test_now_defaults_to_the_current_time_in_utc() -> None:
    before = datetime.now(UTC)
    value = compile_expression("now()").evaluate({})
    assert before <= value <= datetime.now(UTC)
    assert compile_expression("today()").evaluate({}, EvaluationContext()) in {
        before.date(),
        datetime.now(UTC).date(),
    }


def test_naive_now_is_read_as_utc() -> None:
    context = EvaluationContext(now=datetime(2024, 3, 31, 23, 30), timezone=SHANGHAI)
    assert evaluate("today()", context=context) == date(2024, 4, 1)


def test_roles_may_be_given_as_any_collection() -> None:
    context = EvaluationContext(roles=["clerk"])  # type: ignore[arg-type]
    assert context.roles == frozenset({"clerk"})
    assert evaluate("has_role('clerk')", context=context) is True


def test_plugin_functions_are_callable_but_override_nothing() -> None:
    context = EvaluationContext(
        username="bob",
        functions={
            "double": lambda value: value * 2,
            "greeting": ContextFunction(lambda context, word: f"{word}, {context.username}"),
            "sum": lambda values: "replaced",
        },
    )
    assert evaluate("double(21)", context=context, functions=["double"]) == 42
    assert evaluate("greeting('hi')", context=context, functions=["greeting"]) == "hi, bob"
    assert evaluate("sum([1, 2])", context=context, functions=["sum"]) == 3


def test_functions_and_fields_have_separate_names() -> None:
    assert evaluate("len(len)", {"len": "abc"}) == 3
    assert compile_expression("len(len)").references == {("len",)}


# -- the package itself ------------------------------------------------------------------

PACKAGE = pathlib.Path(__file__).parents[2] / "platform" / "formflow" / "expressions"


def test_package_is_pure_and_never_evals() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("formflow"):
                assert node.module.startswith("formflow.expressions"), path.name
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("formflow") for alias in node.names)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__"}, path.name


def test_compiler_and_evaluator_know_the_same_nodes() -> None:
    from formflow.expressions.compiler import _CHECKS
    from formflow.expressions.evaluator import EXPRESSION_NODES

    assert set(_CHECKS) == EXPRESSION_NODES


def test_expression_is_immutable_and_compares_by_text() -> None:
    expression = compile_expression("a + 1")
    assert isinstance(expression, Expression)
    with pytest.raises(AttributeError):
        expression.text = "b"  # type: ignore[misc]
    assert "a + 1" in repr(expression)
