"""What the operators of the expression language do to values.

Numbers are exact: ``int`` stays ``int`` where Python keeps it so, everything else
becomes ``decimal.Decimal`` (a ``float`` handed in by a caller is read through its
shortest text, ``0.1`` -> ``Decimal("0.1")``), and ``/`` always gives a Decimal.
Dates move by whole days.  ``a.b`` reads a key of a record (a Mapping) or a column
of line items (a list of Mappings); it never touches a Python attribute.  Every
operation checks its operands first, so nothing can build a huge value.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from formflow.expressions.errors import EvaluationError

#: Largest magnitude of a number an expression may produce.
MAX_NUMBER = 10**30
#: Longest text an expression may produce or take as an operand.
MAX_TEXT = 100_000
#: Most items a list an expression builds may hold; also the cap on one comprehension.
MAX_ITEMS = 10_000
#: Largest exponent of ``**``.
MAX_EXPONENT = 100

_MAX_DECIMAL = Decimal(MAX_NUMBER)
_SEQUENCES = list | tuple
_COLLECTIONS = list | tuple | set | frozenset


def kind(value: Any) -> str:
    """The name of a value's type as a business user would say it."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, _SEQUENCES):
        return "list"
    if isinstance(value, set | frozenset):
        return "set"
    if isinstance(value, Mapping):
        return "record"
    return type(value).__name__


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal)


def to_decimal(value: Any) -> Decimal:
    """A number as a Decimal; a float goes through its shortest text so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, int):
        return Decimal(value)
    raise EvaluationError(f"expected a number, got {kind(value)}")


def _exact(value: Any) -> Any:
    """A number fit for arithmetic: floats become Decimals, ints and Decimals stay."""
    return Decimal(str(value)) if isinstance(value, float) else value


def check_result(value: Any) -> Any:
    """Reject numbers and texts beyond the limits; return the value unchanged."""
    if isinstance(value, int):
        if -MAX_NUMBER <= value <= MAX_NUMBER:
            return value
        raise EvaluationError("number too large")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise EvaluationError("result is not a finite number")
        if abs(value) > _MAX_DECIMAL:
            raise EvaluationError("number too large")
        return value
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise EvaluationError(f"text longer than {MAX_TEXT} characters")
    if isinstance(value, _COLLECTIONS) and len(value) > MAX_ITEMS:
        raise EvaluationError(f"list longer than {MAX_ITEMS} items")
    return value


def _check_operand(value: Any) -> None:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise EvaluationError(f"text longer than {MAX_TEXT} characters")


def whole_number(value: Any, what: str) -> int:
    """An int from an int or a Decimal without a fraction (a count of days, digits...)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal | float):
        exact = to_decimal(value)
        if exact.is_finite() and exact == exact.to_integral_value() and abs(exact) <= _MAX_DECIMAL:
            return int(exact)
    raise EvaluationError(f"{what} must be a whole number, got {kind(value)}")


def _days_of(value: Any) -> timedelta:
    return timedelta(days=whole_number(value, "a number of days"))


def _type_error(verb: str, left: Any, right: Any) -> EvaluationError:
    return EvaluationError(f"cannot {verb} {kind(left)} and {kind(right)}")


# -- arithmetic --------------------------------------------------------------------------


def add(left: Any, right: Any) -> Any:
    if is_number(left) and is_number(right):
        return _exact(left) + _exact(right)
    if isinstance(left, date) and is_number(right):
        return left + _days_of(right)
    if is_number(left) and isinstance(right, date):
        return right + _days_of(left)
    if isinstance(left, str) and isinstance(right, str):
        _check_operand(left)
        _check_operand(right)
        if len(left) + len(right) > MAX_TEXT:
            raise EvaluationError(f"text longer than {MAX_TEXT} characters")
        return left + right
    if isinstance(left, list | tuple) and type(left) is type(right):
        if len(left) + len(right) > MAX_ITEMS:
            raise EvaluationError(f"list longer than {MAX_ITEMS} items")
        return left + right
    raise _type_error("add", left, right)


def subtract(left: Any, right: Any) -> Any:
    if is_number(left) and is_number(right):
        return _exact(left) - _exact(right)
    if isinstance(left, date) and is_number(right):
        return left - _days_of(right)
    if isinstance(left, date) and isinstance(right, date):
        if isinstance(left, datetime) and isinstance(right, datetime):
            raise EvaluationError("cannot subtract datetimes; use hours_between(a, b)")
        return (_date_part(left) - _date_part(right)).days
    raise _type_error("subtract", left, right)


def multiply(left: Any, right: Any) -> Any:
    if is_number(left) and is_number(right):
        return _exact(left) * _exact(right)
    if isinstance(right, str | list | tuple) and isinstance(left, int):
        left, right = right, left
    if isinstance(left, str | list | tuple) and isinstance(right, int):
        _check_operand(left)
        limit = MAX_TEXT if isinstance(left, str) else MAX_ITEMS
        count = max(right, 0)
        if len(left) * count > limit:
            raise EvaluationError(f"repetition longer than {limit}")
        return left * count if left else left
    raise _type_error("multiply", left, right)


def _numbers(verb: str, left: Any, right: Any) -> tuple[Any, Any]:
    if is_number(left) and is_number(right):
        return _exact(left), _exact(right)
    raise _type_error(verb, left, right)


def _divisor(right: Any) -> None:
    if right == 0:
        raise EvaluationError("division by zero")


def divide(left: Any, right: Any) -> Decimal:
    left, right = _numbers("divide", left, right)
    _divisor(right)
    return to_decimal(left) / to_decimal(right)


def floor_divide(left: Any, right: Any) -> Any:
    left, right = _numbers("divide", left, right)
    _divisor(right)
    return left // right


def modulo(left: Any, right: Any) -> Any:
    left, right = _numbers("take the remainder of", left, right)
    _divisor(right)
    return left % right


def power(base: Any, exponent: Any) -> Any:
    base, exponent = _numbers("raise", base, exponent)
    if abs(exponent) > MAX_EXPONENT:
        raise EvaluationError(f"exponent larger than {MAX_EXPONENT}")
    if base == 0 and exponent < 0:
        raise EvaluationError("division by zero")
    if isinstance(base, int) and isinstance(exponent, int) and exponent >= 0:
        return base**exponent
    return to_decimal(base) ** to_decimal(exponent)


def negate(value: Any) -> Any:
    if is_number(value):
        return -_exact(value)
    raise EvaluationError(f"cannot negate {kind(value)}")


def positive(value: Any) -> Any:
    if is_number(value):
        return _exact(value)
    raise EvaluationError(f"cannot apply unary + to {kind(value)}")


BINARY: Mapping[str, Callable[[Any, Any], Any]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "/": divide,
    "//": floor_divide,
    "%": modulo,
    "**": power,
}


# -- comparison --------------------------------------------------------------------------


def _date_part(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Make a float comparable to a Decimal, and a date to a datetime (by its date)."""
    if isinstance(left, float) or isinstance(right, float):
        return _exact(left), _exact(right)
    one_is_a_datetime = isinstance(left, datetime) is not isinstance(right, datetime)
    if isinstance(left, date) and isinstance(right, date) and one_is_a_datetime:
        return _date_part(left), _date_part(right)
    return left, right


def _ordered(symbol: str, test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(left: Any, right: Any) -> bool:
        left, right = _comparable(left, right)
        try:
            return bool(test(left, right))
        except TypeError:
            raise EvaluationError(f"cannot compare {kind(left)} {symbol} {kind(right)}") from None

    return compare


def _container(value: Any) -> Any:
    if isinstance(value, str | Mapping | list | tuple | set | frozenset):
        return value
    raise EvaluationError(f"cannot look inside {kind(value)}")


def contains(container: Any, item: Any) -> bool:
    """``item in container`` for texts (substring), lists, sets and records (keys)."""
    container = _container(container)
    if isinstance(container, str) and not isinstance(item, str):
        raise EvaluationError(f"cannot look for {kind(item)} in text")
    try:
        return item in container
    except TypeError:
        raise EvaluationError(f"cannot look for {kind(item)} in {kind(container)}") from None


def equal(left: Any, right: Any) -> bool:
    left, right = _comparable(left, right)
    return bool(left == right)


COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": equal,
    "!=": lambda left, right: not equal(left, right),
    "<": _ordered("<", operator.lt),
    "<=": _ordered("<=", operator.le),
    ">": _ordered(">", operator.gt),
    ">=": _ordered(">=", operator.ge),
    "in": lambda left, right: contains(right, left),
    "not in": lambda left, right: not contains(right, left),
    "is": lambda left, right: left is right,
    "is not": lambda left, right: left is not right,
}


def less_than(left: Any, right: Any) -> bool:
    return COMPARE["<"](left, right)


# -- records, line items and indexing -------------------------------------------------------


def attribute(value: Any, name: str) -> Any:
    """``value.name``: a record's field, a column of line items, or None through None."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return value.get(name)
    if isinstance(value, _SEQUENCES):
        return [_field_of_row(row, name) for row in value]
    raise EvaluationError(f"cannot read .{name} of {kind(value)}")


def _field_of_row(row: Any, name: str) -> Any:
    if row is None:
        return None
    if isinstance(row, Mapping):
        return row.get(name)
    raise EvaluationError(f"cannot read .{name} of {kind(row)} in a list")


def subscript(value: Any, key: Any) -> Any:
    """``value[key]``: an item of a list or text, a key of a record, None through None."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        try:
            return value.get(key)
        except TypeError:
            raise EvaluationError(f"cannot use {kind(key)} as a key") from None
    if isinstance(value, str | list | tuple):
        if isinstance(key, slice):
            return value[key]
        index = whole_number(key, "an index")
        try:
            return value[index]
        except IndexError:
            raise EvaluationError(f"index {index} out of range") from None
    raise EvaluationError(f"cannot index {kind(value)}")


def slice_of(lower: Any, upper: Any, step: Any) -> slice:
    bounds = [
        None if part is None else whole_number(part, "a slice bound")
        for part in (lower, upper, step)
    ]
    if bounds[2] == 0:
        raise EvaluationError("slice step cannot be zero")
    return slice(*bounds)


def items_of(value: Any, what: str) -> Any:
    """The items a comprehension or an aggregate walks over; only plain collections."""
    if isinstance(value, _COLLECTIONS | str):
        return value
    if isinstance(value, Mapping):
        return list(value)
    raise EvaluationError(f"cannot iterate over {kind(value)} in {what}")
