"""Every evaluation is bounded three ways, each with an error of its own: steps, time
and the data it builds.  Each test trips one bound while staying well inside the other
two, so each bound is known to work on its own."""

from __future__ import annotations

import time
from typing import Any

import pytest

from formflow.expressions import EvaluationContext, EvaluationError, compile_expression, evaluator

ROWS = list(range(10_000))


def failure(text: str, names: dict[str, Any], context: EvaluationContext | None = None,
            functions: tuple[str, ...] = ()) -> tuple[EvaluationError, float]:
    """The error evaluating ``text`` raised, and how long it took."""
    expression = compile_expression(text, functions=functions)
    started = time.perf_counter()
    with pytest.raises(EvaluationError) as excinfo:
        expression.evaluate(names, context)
    return excinfo.value, time.perf_counter() - started


@pytest.fixture
def measured(monkeypatch):
    """Keep count of the data an evaluation builds and the steps it takes."""
    seen: list[evaluator.Evaluator] = []
    original = evaluator.Evaluator.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append(self)

    monkeypatch.setattr(evaluator.Evaluator, "__init__", init)
    return seen


def test_a_hundred_million_steps_trip_the_step_limit_alone(measured):
    # 10,000 membership tests of 10,000 items each: 10**8 comparisons, little data.
    error, seconds = failure("len([a in rows for a in rows])", {"rows": ROWS})
    assert "too many steps" in str(error) and f"{evaluator.MAX_STEPS:,}" in str(error)
    assert seconds < evaluator.MAX_SECONDS / 2
    assert measured[0].built < evaluator.MAX_BUILT / 10


def test_nested_comprehensions_trip_the_step_limit(measured):
    error, _ = failure("[[y for y in rows] for x in rows]", {"rows": ROWS})
    assert "too many steps" in str(error)


def test_a_slow_evaluation_trips_the_time_limit_alone(monkeypatch, measured):
    monkeypatch.setattr(evaluator, "MAX_SECONDS", 0.2)

    def slow(value: Any) -> Any:
        time.sleep(0.05)
        return value

    context = EvaluationContext(functions={"slow": slow})
    error, seconds = failure("[slow(x) for x in rows]", {"rows": ROWS[:50]}, context, ("slow",))
    assert "too long" in str(error) and "0.2 s" in str(error)
    assert seconds < 0.5
    assert measured[0].steps < 1000 and measured[0].built < 1000


def test_building_too_much_data_trips_the_data_limit_alone(measured):
    # 100 texts of 100,000 characters: 10 million characters in a few hundred steps.
    error, seconds = failure("[s + s for s in texts]", {"texts": ["a" * 50_000] * 100})
    assert "too much data" in str(error) and f"{evaluator.MAX_BUILT:,}" in str(error)
    assert measured[0].steps < 1000 and seconds < evaluator.MAX_SECONDS / 2


def test_ordinary_work_over_many_line_items_is_within_every_limit():
    lines = [{"qty": n, "amount": n * 2} for n in range(1000)]
    expression = compile_expression("sum([l.amount for l in lines if l.qty > 10])")
    assert expression.evaluate({"lines": lines}) == sum(n * 2 for n in range(11, 1000))
