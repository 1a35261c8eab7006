"""Each app's demo data lives next to its metadata: ``<app folder>/demo.py``, or a
``demo/`` package (``demo/__init__.py`` and its own modules) when it needs more than one
file.  The modules are found in the app folders on the metadata path, the same folders
the apps are loaded from, so an app folder carries its own believable records wherever
it is installed.

A demo module provides ``bulk(demo, loader)`` (records written in bulk in the load's one
transaction) and ``live(demo, live)`` (records made through the services); it may import
:mod:`formflow.demo` (its helpers and the demo company) and the rest of formflow."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from formflow.metadata.loader import find_app_folders


def demo_modules(paths: Iterable[str]) -> dict[str, ModuleType]:
    """The demo module of each app folder on ``paths`` that has one, by app name (the
    first folder of a name wins, as it does for the apps)."""
    found: dict[str, ModuleType] = {}
    for base in paths:
        for folder in find_app_folders(base):
            if folder.name in found:
                continue
            source = demo_source(folder)
            if source is not None:
                found[folder.name] = _load(f"formflow_demo_{folder.name}", source)
    return found


def demo_source(folder: Path) -> Path | None:
    """The file that starts ``folder``'s demo module, if it has one."""
    for candidate in (folder / "demo.py", folder / "demo" / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _load(name: str, source: Path) -> ModuleType:
    loaded = sys.modules.get(name)
    if loaded is not None and Path(loaded.__file__ or "") == source:
        return loaded
    package = source.name == "__init__.py"
    spec = importlib.util.spec_from_file_location(
        name, source, submodule_search_locations=[str(source.parent)] if package else None
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # a package's own modules import it by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
