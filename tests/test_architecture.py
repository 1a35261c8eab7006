"""The map of docs/architecture.md, enforced: which layer may import which, no import
loops, no module past 500 lines.

The package is read with :mod:`ast` (nothing is imported), so a forbidden import fails
here even when no test runs the code.  An import names the module that provides the
names: ``from formflow.process import engine`` is an import of
``formflow.process.engine`` when that is a module, of the package's ``__init__``
otherwise.  Imports under ``if TYPE_CHECKING:`` are left out (they never run).

Imports inside a function count as much as those at the top of a module: a function
that imports a module it may not import at the top breaks the map just the same, and
moving an import into a function to get past a loop only hides the loop.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "platform" / "formflow"
MAX_LINES = 500

# The HTTP edge: modules that may use Flask.  Everything else in the package is a
# service (or a layer below one) and knows no request.
HTTP_EDGE = (
    "formflow.web", "formflow.api", "formflow.http", "formflow.ops",
    "formflow.app", "formflow.cli", "formflow.cli_data", "formflow.cli_overlays",
    "formflow.files_cli",
    "formflow.runtime", "formflow.reloading",
    "formflow.outage", "formflow.request_limits", "formflow.__main__",
    "formflow.plugins.pages",  # the plugin surface for pages: re-exports of the edge
)
# The views: they call services and never touch the database themselves.
VIEWS = ("formflow.web", "formflow.api")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (dotted, as written or resolved)
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` (formflow.x.y) is a module or package of ours."""
    relative = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    return (PACKAGE / relative).with_suffix(".py").is_file() or (
        PACKAGE / relative / "__init__.py").is_file()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(tree: ast.AST):
    """Every node, except what sits under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield child
                yield from _walk(child)
            continue
        yield node
        yield from _walk(node)


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _imports(path: Path, tree: ast.AST) -> list[Import]:
    module = _module_name(path)
    found = []
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = _package_of(module, path).split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target = sub if base.startswith("formflow") and _is_module(sub) else base
                found.append(Import(module, target, node.lineno))
    return found


def _db_uses(path: Path, tree: ast.AST) -> list[int]:
    return [node.lineno for node in _walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "db"]


SOURCES = {path: ast.parse(path.read_text(), str(path))
           for path in sorted(PACKAGE.rglob("*.py"))}
MODULES = {_module_name(path): path for path in SOURCES}
IMPORTS = [imp for path, tree in SOURCES.items() for imp in _imports(path, tree)]


def _within(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _violations(sources: tuple[str, ...], targets: tuple[str, ...],
                exempt: tuple[str, ...] = ()) -> list[str]:
    return [f"{imp.source} (line {imp.line}) imports {imp.target}"
            for imp in IMPORTS
            if _within(imp.source, *sources) and not _within(imp.source, *exempt)
            and _within(imp.target, *targets)]


STDLIB = set(sys.stdlib_module_names) | {"__future__"}

RULES = {
    "views do not reach the storage layer": (VIEWS, ("formflow.storage",), ()),
    "metadata knows no storage and no pages": (
        ("formflow.metadata",), ("formflow.storage", "formflow.web", "formflow.api"), ()),
    "records do not know the process engine": (("formflow.records",), ("formflow.process",), ()),
    "field types know no storage": (("formflow.fields",), ("formflow.storage",), ()),
}


@pytest.mark.parametrize("rule", RULES)
def test_imports_follow_the_map(rule):
    sources, targets, exempt = RULES[rule]
    assert _violations(sources, targets, exempt) == []


def test_services_know_no_flask():
    wrong = [f"{imp.source} (line {imp.line}) imports {imp.target}"
             for imp in IMPORTS if not _within(imp.source, *HTTP_EDGE)
             and imp.target.partition(".")[0].startswith(("flask", "htmx_flask"))]
    assert wrong == []


def test_views_never_use_the_database_handle():
    uses = [f"{_module_name(path)} line {line}"
            for path, tree in SOURCES.items() if _within(_module_name(path), *VIEWS)
            for line in _db_uses(path, tree)]
    assert uses == [], "views call a service instead of runtime.db"


def test_expressions_import_only_the_standard_library_and_themselves():
    wrong = [f"{imp.source} (line {imp.line}) imports {imp.target}"
             for imp in IMPORTS if _within(imp.source, "formflow.expressions")
             and not _within(imp.target, "formflow.expressions")
             and imp.target.partition(".")[0] not in STDLIB]
    assert wrong == []


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in IMPORTS:
        if imp.target in MODULES and imp.target != imp.source:
            graph[imp.source].add(imp.target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_modules_import_each_other():
    assert _cycles(_graph()) == []


def test_the_loop_finder_finds_a_loop_through_a_package():
    graph = {"formflow.a": {"formflow.a.b"}, "formflow.a.b": {"formflow.c"},
             "formflow.c": {"formflow.a"}, "formflow.d": set()}
    assert _cycles(graph) == [["formflow.a", "formflow.a.b", "formflow.c"]]


def test_imports_under_type_checking_are_left_out():
    tree = ast.parse("from typing import TYPE_CHECKING\n"
                     "if TYPE_CHECKING:\n    from formflow.web import shell\n"
                     "def f():\n    from formflow.storage import database\n")
    targets = {imp.target for imp in _imports(PACKAGE / "records" / "x.py", tree)}
    assert targets == {"typing", "formflow.storage.database"}


@pytest.mark.parametrize("path", sorted(SOURCES), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines: split it by job"
