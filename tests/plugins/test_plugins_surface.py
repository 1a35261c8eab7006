"""The plugin surface is declared: ``formflow.plugins`` and ``formflow.plugins.pages``
list in ``__all__`` what a plugin may import, every listed name exists, and the shipped
plugins import nothing else from formflow."""

from __future__ import annotations

import ast
import importlib

import pytest

from support import ROOT

SURFACE = ("formflow.plugins", "formflow.plugins.pages")
SHIPPED = sorted((ROOT / "plugins").rglob("*.py"))


def _formflow_imports(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("formflow"):
            for alias in node.names:
                yield node.module, alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("formflow"):
                    yield alias.name, None, node.lineno


@pytest.mark.parametrize("module", SURFACE)
def test_the_surface_lists_only_names_it_has(module):
    found = importlib.import_module(module)
    assert found.__all__ and len(set(found.__all__)) == len(found.__all__)
    assert [name for name in found.__all__ if not hasattr(found, name)] == []


def test_the_shipped_plugins_are_found():
    assert {"china_ids.py", "leave_balance.py", "room_booking.py"} <= {p.name for p in SHIPPED}
    assert any(p.parent.name == "webhooks" for p in SHIPPED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT / "plugins")))
def test_a_shipped_plugin_imports_only_the_surface(path):
    wrong = []
    for module, name, line in _formflow_imports(path):
        allowed = module in SURFACE and name in importlib.import_module(module).__all__
        if not allowed:
            wrong.append(f"line {line}: {module} {name or ''}".strip())
    assert wrong == []
