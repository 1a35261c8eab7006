"""The built-in functions of the expression language.

Each function takes plain values and is None-tolerant the way a form is: an empty
field makes ``days_between`` or ``round`` empty rather than failing.  A function
that needs the caller's context (the clock, the current user) is wrapped in
``ContextFunction`` and receives the ``EvaluationContext`` as its first argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from formflow.expressions.context import EvaluationContext
from formflow.expressions.errors import EvaluationError
from formflow.expressions.values import (
    MAX_NUMBER,
    add,
    contains,
    is_number,
    items_of,
    kind,
    less_than,
    to_decimal,
    whole_number,
)

_MAX_DIGITS = 30
_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class ContextFunction:
    """A function called as ``function(context, *args)``; plugins may use it too."""

    function: Callable[..., Any]

    def __call__(self, context: EvaluationContext, *args: Any, **kwargs: Any) -> Any:
        return self.function(context, *args, **kwargs)


# -- clock and user ----------------------------------------------------------------------


def _now(context: EvaluationContext) -> datetime:
    return context.current_time().astimezone(context.zone)


def _today(context: EvaluationContext) -> date:
    return _now(context).date()


def _user(context: EvaluationContext) -> str | None:
    return context.username


def _has_role(context: EvaluationContext, role: Any) -> bool:
    return role in context.roles


# -- dates -------------------------------------------------------------------------------


def _as_date(value: Any, function: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise EvaluationError(f"{function}() needs dates, got {kind(value)}")


def _days_between(start: Any, end: Any) -> int | None:
    """``end - start`` in whole days; datetimes count by their dates."""
    if start is None or end is None:
        return None
    return (_as_date(end, "days_between") - _as_date(start, "days_between")).days


def _hours_between(context: EvaluationContext, start: Any, end: Any) -> Decimal | None:
    """``end - start`` in hours, to two places; a date counts as its midnight and a
    naive time as one in the context's time zone."""
    if start is None or end is None:
        return None

    def moment(value: Any) -> datetime:
        if not isinstance(value, date):
            raise EvaluationError(f"hours_between() needs dates or datetimes, got {kind(value)}")
        if not isinstance(value, datetime):
            value = datetime.combine(value, time())
        return value if value.tzinfo else value.replace(tzinfo=context.zone)

    delta = moment(end) - moment(start)
    seconds = Decimal(delta.days * 86_400 + delta.seconds) + Decimal(delta.microseconds) / 10**6
    return (seconds / 3600).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def _add_days(value: Any, days: Any) -> date | None:
    if value is None or days is None:
        return None
    if not isinstance(value, date):
        raise EvaluationError(f"add_days() needs a date, got {kind(value)}")
    return value + timedelta(days=whole_number(days, "a number of days"))


def _date(value: Any) -> date | None:
    """A date from a date, a datetime (its date) or ISO text (``"2024-03-31"``)."""
    if value is None:
        return None
    if isinstance(value, date):
        return _as_date(value, "date")
    if isinstance(value, str) and len(value) <= 64:
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            try:
                return datetime.fromisoformat(text).date()
            except ValueError:
                pass
        raise EvaluationError(f"date(): {value!r} is not an ISO date")
    raise EvaluationError(f"date() needs text or a date, got {kind(value)}")


# -- aggregates --------------------------------------------------------------------------


def _sum(values: Any) -> Any:
    """The total of the numbers, skipping empty ones; 0 for nothing."""
    total: Any = 0
    if values is None:
        return total
    for value in items_of(values, "sum()"):
        if value is None:
            continue
        if not is_number(value):
            raise EvaluationError(f"sum() needs numbers, got {kind(value)}")
        total = add(total, value)
    return total


def _extreme(function: str, better: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    """``min`` or ``max``: of one list, or of several values; empty ones are skipped
    and nothing gives None."""

    def pick(*values: Any) -> Any:
        if len(values) == 1 and isinstance(values[0], list | tuple | set | frozenset):
            values = tuple(items_of(values[0], f"{function}()"))
        best = None
        for value in values:
            if value is not None and (best is None or better(value, best)):
                best = value
        return best

    return pick


def _len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | tuple | set | frozenset | Mapping):
        return len(value)
    raise EvaluationError(f"len() needs text or a list, got {kind(value)}")


# -- numbers -----------------------------------------------------------------------------


def _round(value: Any, ndigits: Any = 0) -> Decimal | None:
    """Business rounding: half away from zero (2.5 -> 3), always a Decimal."""
    if value is None:
        return None
    places = whole_number(ndigits, "round() digits")
    if abs(places) > _MAX_DIGITS:
        raise EvaluationError(f"round() digits must be between -{_MAX_DIGITS} and {_MAX_DIGITS}")
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _abs(value: Any) -> Any:
    if value is None:
        return None
    if is_number(value):
        return abs(to_decimal(value) if isinstance(value, float) else value)
    raise EvaluationError(f"abs() needs a number, got {kind(value)}")


def _decimal(value: Any) -> Decimal | None:
    """A Decimal from a number or from text such as ``"12.50"``."""
    if value is None:
        return None
    if is_number(value):
        return to_decimal(value)
    if isinstance(value, str) and len(value) <= 100:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
        if number is not None and number.is_finite():
            return number
        raise EvaluationError(f"{value!r} is not a number")
    raise EvaluationError(f"cannot read {kind(value)} as a number")


def _int(value: Any) -> int | None:
    """A whole number, cutting any fraction off (towards zero)."""
    number = _decimal(value)
    if number is None:
        return None
    if abs(number) > MAX_NUMBER:
        raise EvaluationError("number too large")
    return int(number.to_integral_value(rounding=ROUND_DOWN))


# -- text --------------------------------------------------------------------------------

_SCALARS = (bool, int, float, Decimal, str, date, time)


def _str(value: Any) -> str:
    """Text of a plain value: "" for None, ISO for dates, no exponent for Decimals."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, _SCALARS):
        return str(value)
    raise EvaluationError(f"cannot turn {kind(value)} into text")


def _contains(container: Any, part: Any) -> bool:
    """``part in container``, but False when either is empty."""
    if container is None or part is None:
        return False
    return contains(container, part)


def _text_function(function: str, change: Callable[[str], str]) -> Callable[[Any], Any]:
    def apply(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return change(value)
        raise EvaluationError(f"{function}() needs text, got {kind(value)}")

    return apply


def _coalesce(*values: Any) -> Any:
    """The first value that is neither None nor empty text."""
    for value in values:
        if value is not None and value != "":
            return value
    return None


BUILTIN_FUNCTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        "today": ContextFunction(_today),
        "now": ContextFunction(_now),
        "user": ContextFunction(_user),
        "has_role": ContextFunction(_has_role),
        "days_between": _days_between,
        "hours_between": ContextFunction(_hours_between),
        "add_days": _add_days,
        "date": _date,
        "sum": _sum,
        "min": _extreme("min", less_than),
        "max": _extreme("max", lambda value, best: less_than(best, value)),
        "len": _len,
        "round": _round,
        "abs": _abs,
        "int": _int,
        "decimal": _decimal,
        "str": _str,
        "contains": _contains,
        "lower": _text_function("lower", str.lower),
        "upper": _text_function("upper", str.upper),
        "coalesce": _coalesce,
    }
)
