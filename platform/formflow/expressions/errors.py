"""The two errors of the expression language: one for compiling, one for evaluating."""

from __future__ import annotations


class _PositionedError(ValueError):
    """A one-line message, with the place in the expression text when it is known."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        super().__init__(self._format())

    def locate(self, line: int, column: int) -> None:
        """Record where in the expression text the error happened."""
        self.line = line
        self.column = column
        self.args = (self._format(),)

    def _format(self) -> str:
        if self.column is None:
            return self.message
        if self.line is not None and self.line > 1:
            return f"{self.message} (line {self.line}, column {self.column})"
        return f"{self.message} (column {self.column})"

    def __str__(self) -> str:
        return self._format()


class ExpressionError(_PositionedError):
    """The text is not an allowed expression: bad syntax, a forbidden construct or name,
    an unknown function, or it is too big.  Raised by ``compile_expression``."""


class EvaluationError(_PositionedError):
    """A compiled expression failed on the values it was given (a type mismatch, a
    division by zero, an unknown name, a result too large).  Raised by ``evaluate``."""
