"""Safe expressions: the small Python-like language of defaults, computed fields,
conditions and process guards.

Text is parsed by Python's parser and every node checked against a whitelist; it is
never given to ``eval`` or ``exec``.  Evaluation walks the checked tree with the
language's own meaning for each operator (exact Decimals, dates by days, ``a.b`` as a
record lookup) and bounded work.  The package is pure: links are followed through the
Mappings the caller passes in, not through a database.

    expr = compile_expression("days_between(start, end) + 1")
    expr.references                     # frozenset({("start",), ("end",)})
    expr.evaluate({"start": d1, "end": d2}, EvaluationContext(username="alice"))
"""

from formflow.expressions.compiler import SYSTEM_FIELDS, Expression, compile_expression
from formflow.expressions.context import EvaluationContext
from formflow.expressions.errors import EvaluationError, ExpressionError
from formflow.expressions.functions import BUILTIN_FUNCTIONS, ContextFunction

__all__ = [
    "BUILTIN_FUNCTIONS",
    "SYSTEM_FIELDS",
    "ContextFunction",
    "EvaluationContext",
    "EvaluationError",
    "Expression",
    "ExpressionError",
    "compile_expression",
]
