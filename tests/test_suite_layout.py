"""The test suite's own layout (docs/architecture.md, Tests): helpers are imported from the
``support`` package, never from a conftest.py or another test module."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_test_code_imports_a_conftest_or_a_test_module():
    offenders = {
        f"{path.relative_to(TESTS)}: {name}"
        for path in TESTS.rglob("*.py")
        if "vendor" not in path.parts
        for name in imported_modules(path)
        if name.split(".")[-1] == "conftest" or name.split(".")[-1].startswith("test_")
    }
    assert not offenders, sorted(offenders)
