"""Turns expression text into a syntax tree, within the size limits of the language.

Python's own parser does the work.  Around it: the length, node-count and nesting
limits; leading blanks allowed (as ``eval`` allows them); literals Python only warns
about rejected outright, so an expression means the same whatever warning filters
are in force; and node columns rewritten from UTF-8 bytes to characters, so error
messages point at the right place in text with Chinese in it.
"""

from __future__ import annotations

import ast
import io
import re
import threading
import tokenize

from formflow.expressions.errors import ExpressionError

MAX_LENGTH = 2000
MAX_NODES = 500
MAX_DEPTH = 50

_COUNTED = (ast.expr, ast.comprehension, ast.keyword)
#: CPython 3.11 keeps the AST constructor's recursion counter in state shared by all
#: threads: two threads inside ``ast.parse`` at once can fail with "SystemError: AST
#: constructor recursion depth mismatch" (python/cpython#106905).  Threaded servers
#: compile expressions on first use, so parses take turns.
_PARSER_LOCK = threading.Lock()
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_TEXT_ESCAPES = frozenset("\n\\'\"abfnrtv01234567xNuU")
_BYTES_ESCAPES = frozenset("\n\\'\"abfnrtv01234567x")


def parse(text: str) -> ast.expr:
    """The body of ``text`` parsed as one Python expression, or an ExpressionError."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise ExpressionError("expression is empty")
    source = text.lstrip(" \t\f")
    indent = len(text) - len(source)
    _reject_warned_literals(source, indent)
    try:
        # The newline gives an error at the end of the text a column.
        with _PARSER_LOCK:
            tree = ast.parse(source + "\n", mode="eval")
    except SyntaxError as error:
        column = error.offset + (indent if error.lineno == 1 else 0) if error.offset else None
        raise ExpressionError(
            f"syntax error: {error.msg}", line=error.lineno, column=column
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("expression too complex to parse") from None
    if indent or not source.isascii():
        _count_columns_in_characters(tree.body, source, indent)
    _check_size(tree.body)
    return tree.body


def source_of(text: str, node: ast.expr) -> str | None:
    """The text of a one-line node, after ``parse`` has made its columns characters."""
    if node.lineno != node.end_lineno or node.end_col_offset is None:
        return None
    line = _LINE_BREAK.split(text)[node.lineno - 1]
    return line[node.col_offset : node.end_col_offset]


def _reject_warned_literals(source: str, indent: int) -> None:
    """Reject unknown escapes (``'\\d'``) and numbers glued to words (``1if``): Python
    accepts both with a warning today and refuses them tomorrow."""
    previous = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            line, column = token.start
            column += 1 + (indent if line == 1 else 0)
            if token.type == tokenize.STRING and _has_unknown_escape(token.string):
                raise ExpressionError("unknown escape in text", line=line, column=column)
            if (
                token.type == tokenize.NAME
                and previous is not None
                and previous.type == tokenize.NUMBER
                and previous.end == token.start
            ):
                raise ExpressionError("invalid number literal", line=line, column=column)
            previous = token
    except (tokenize.TokenError, SyntaxError):
        return  # malformed text: the parser reports it properly


def _has_unknown_escape(literal: str) -> bool:
    prefix = literal[: len(literal) - len(literal.lstrip("rRbBuUfF"))].lower()
    if "r" in prefix:
        return False
    known = _BYTES_ESCAPES if "b" in prefix else _TEXT_ESCAPES
    return any(match.group(1) not in known for match in _ESCAPE.finditer(literal))


def _check_size(root: ast.expr) -> None:
    """At most MAX_NODES parts, nested at most MAX_DEPTH deep; each loop of a
    comprehension counts as one more level.  Iterative, so any depth is safe."""
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"expression has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            message = f"expression nested deeper than {MAX_DEPTH} levels"
            if isinstance(node, ast.expr):
                raise ExpressionError(message, line=node.lineno, column=node.col_offset + 1)
            raise ExpressionError(message)
        generators = getattr(node, "generators", None)
        if generators:
            stack.extend((loop, depth + 1 + index) for index, loop in enumerate(generators))
            parts = [getattr(node, part) for part in ("elt", "key", "value") if hasattr(node, part)]
            stack.extend((part, depth + len(generators)) for part in parts)
            continue
        stack.extend(
            (child, depth + 1)
            for child in ast.iter_child_nodes(node)
            if isinstance(child, _COUNTED)
        )


def _count_columns_in_characters(root: ast.expr, source: str, indent: int) -> None:
    lines = [line.encode() for line in _LINE_BREAK.split(source)]

    def characters(lineno: int, offset: int) -> int:
        width = len(lines[lineno - 1][:offset].decode("utf-8", "ignore"))
        return width + (indent if lineno == 1 else 0)

    stack: list[ast.AST] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.expr | ast.keyword) and node.end_lineno is not None:
            node.col_offset = characters(node.lineno, node.col_offset)
            node.end_col_offset = characters(node.end_lineno, node.end_col_offset)
        stack.extend(ast.iter_child_nodes(node))
