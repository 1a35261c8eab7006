"""Finding and importing plugins: modules in the plugin folders and installed
distributions exposing the entry point group ``formflow``.

A plugin module declares ``MANIFEST = {"name", "version", "description", "apps",
"settings"}`` and implements hooks with ``@hookimpl`` functions.  A plugin that cannot be
imported, or has a bad manifest, becomes a :class:`LoadedPlugin` carrying the error
(file and line included) instead of a module.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from formflow.metadata.model import Label

ENTRY_POINT_GROUP = "formflow"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass
class LoadedPlugin:
    name: str
    source: str  # the file, or "entry point <name> (<distribution>)"
    module: ModuleType | Any | None = None
    version: str = ""
    #: What the plugin does, in one or several languages (the manifest's ``description``:
    #: a text, or a map of language tags to texts).
    description: Label = field(default_factory=lambda: Label.of(""))
    apps: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    builtin: bool = False
    error: str | None = None

    @property
    def loaded(self) -> bool:
        return self.error is None and self.module is not None


def discover(paths: list[str]) -> list[LoadedPlugin]:
    """Every plugin in the folders of ``paths`` and in installed distributions."""
    found = []
    for folder in map(Path, paths):
        if not folder.is_dir():
            continue
        for candidate in sorted(folder.iterdir()):
            if candidate.name.startswith(("_", ".")):
                continue
            if candidate.suffix == ".py":
                found.append(_from_file(candidate.stem, candidate))
            elif (candidate / "__init__.py").is_file():
                found.append(_from_file(candidate.name, candidate / "__init__.py"))
    for point in entry_points(group=ENTRY_POINT_GROUP):
        distribution = point.dist.name if point.dist else "?"
        found.append(_from_entry_point(point, f"entry point {point.name} ({distribution})"))
    return found


def _from_file(name: str, path: Path) -> LoadedPlugin:
    module_name = f"formflow_plugin_{name}"
    plugin = LoadedPlugin(name=name, source=str(path))
    try:
        spec = importlib.util.spec_from_file_location(
            module_name, path, submodule_search_locations=[str(path.parent)]
            if path.name == "__init__.py" else None,
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - any import failure is reported, not raised
        sys.modules.pop(module_name, None)
        plugin.error = describe_error(error, path)
        return plugin
    return read_manifest(plugin, module)


def _from_entry_point(point, source: str) -> LoadedPlugin:
    plugin = LoadedPlugin(name=point.name, source=source)
    try:
        module = point.load()
    except Exception as error:  # noqa: BLE001 - any import failure is reported, not raised
        plugin.error = describe_error(error, None)
        return plugin
    return read_manifest(plugin, module)


def read_manifest(plugin: LoadedPlugin, module: Any) -> LoadedPlugin:
    """Fill ``plugin`` from ``module.MANIFEST``, or record what is wrong with it."""
    manifest = getattr(module, "MANIFEST", None)
    problem = _manifest_problem(manifest)
    if problem:
        plugin.error = f"{plugin.source}: bad MANIFEST: {problem}"
        return plugin
    plugin.module = module
    plugin.name = manifest["name"]
    plugin.version = str(manifest.get("version", ""))
    plugin.description = Label.of(manifest.get("description", ""))
    plugin.apps = tuple(manifest.get("apps", ()))
    plugin.settings = dict(manifest.get("settings", {}))
    return plugin


def _manifest_problem(manifest: Any) -> str | None:
    if not isinstance(manifest, dict):
        return "MANIFEST must be a dict with at least 'name' and 'version'"
    unknown = set(manifest) - {"name", "version", "description", "apps", "settings"}
    if unknown:
        return f"unknown key {sorted(unknown)[0]!r}"
    if not isinstance(manifest.get("name"), str) or not NAME.match(manifest["name"]):
        return "'name' must be lower_snake_case"
    if not isinstance(manifest.get("version"), str):
        return "'version' must be a string"
    description = manifest.get("description", "")
    if not (isinstance(description, str) or (
            isinstance(description, dict) and description
            and all(isinstance(k, str) and isinstance(v, str) for k, v in description.items()))):
        return "'description' must be a text or a map of language tags to texts"
    apps = manifest.get("apps", [])
    if not isinstance(apps, list | tuple) or not all(isinstance(a, str) for a in apps):
        return "'apps' must be a list of app names"
    if not isinstance(manifest.get("settings", {}), dict):
        return "'settings' must be a dict of default values"
    return None


def describe_error(error: BaseException, path: Path | None) -> str:
    """``file:line: Error: message`` for the innermost frame in the plugin's own code."""
    if isinstance(error, SyntaxError):
        return f"{error.filename}:{error.lineno}: SyntaxError: {error.msg}"
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if path is None or Path(f.filename).parent == path.parent]
    frame = (own or frames or [None])[-1]
    where = f"{frame.filename}:{frame.lineno}: " if frame else ""
    return f"{where}{type(error).__name__}: {error}"
