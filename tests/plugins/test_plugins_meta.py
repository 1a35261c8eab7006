"""Meta-tests keeping the plugin contract honest: every hook specification has a
docstring, a section in docs/plugins.md and a ``test_hook_<name>`` test under tests/."""

from __future__ import annotations

import inspect
import re

import pytest

from formflow.plugins import hookspecs
from support import ROOT

HOOKS = sorted(name for name, value in vars(hookspecs).items()
               if callable(value) and hasattr(value, "formflow_spec"))
GUIDE = ROOT / "docs" / "plugins.md"


def _test_names() -> set[str]:
    names = set()
    for path in (ROOT / "tests").rglob("*.py"):
        names.update(re.findall(r"^def (test_hook_\w+)\(", path.read_text(), re.MULTILINE))
    return names


TESTS = _test_names()


def test_the_hook_list_is_not_empty():
    assert {"record_validate", "process_before_transition", "register_jobs"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring(hook):
    assert (getattr(hookspecs, hook).__doc__ or "").strip()


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_in_the_plugin_guide(hook):
    assert re.search(rf"^#+ `{hook}\(", GUIDE.read_text(), re.MULTILINE), (
        f"docs/plugins.md has no section '### `{hook}(...)`'")


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    assert f"test_hook_{hook}" in TESTS, f"no test named test_hook_{hook} under tests/"


@pytest.mark.parametrize("hook", HOOKS)
def test_the_plugin_guide_gives_each_hook_its_full_signature(hook):
    parameters = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    heading = f"`{hook}({parameters})`"
    assert re.search(rf"^#+ {re.escape(heading)}$", GUIDE.read_text(), re.MULTILINE), (
        f"docs/plugins.md has no heading {heading}")
