"""The plugin set of one app instance: which plugins are loaded, their settings, what
their registration hooks return, and hook callers that run only the plugins an app
enabled.

It is built in two phases, because plugins shape the metadata language: first the
discovered plugins are registered (their field types, expression functions, tables and
template folders are collected before the metadata loads), then :meth:`PluginSet.complete`
adds the built-in plugins and the loaded model, after which :meth:`PluginSet.hooks_for`
works.

Every hook implementation is registered behind a guard that times it, gives it the
extra ``settings`` and ``runtime`` arguments when it asks for them, and, when it raises
anything but a deliberate ServiceError (or a database outage, which is no plugin's
fault), logs the details under the plugin's name and raises :class:`PluginFailed`, so
the operation rolls back and the user is told which plugin failed.  A guard's code takes
exactly the arguments pluggy should pass (see :func:`taking`), which every pluggy version
reads the same way.
"""

from __future__ import annotations

import inspect
import json
import keyword
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType, SimpleNamespace
from typing import Any

import pluggy
import sqlalchemy as sa

from formflow.errors import ServiceError
from formflow.expressions import BUILTIN_FUNCTIONS
from formflow.fields import FieldType, Registry
from formflow.i18n import LANGUAGES, Message
from formflow.metadata.model import Model
from formflow.plugins import PROJECT, hookspecs
from formflow.plugins.declarations import NAME, Job, MenuLink, RecordAction
from formflow.plugins.loading import LoadedPlugin
from formflow.storage.database import is_outage

log = logging.getLogger("formflow.plugins")
SLOW_SECONDS = 0.5
#: Arguments any hook implementation may take besides the hook's own.
INJECTED = ("settings", "runtime")
ALL_APPS = "*"


class PluginFailed(ServiceError):
    """A plugin raised an unexpected error; nothing of the operation was kept."""

    status = 500

    def __init__(self, plugin: str):
        self.plugin = plugin
        super().__init__(Message("plugin_failed", {"plugin": plugin}))


class PluginLoadError(Exception):
    """A plugin could not be loaded or set up and plugins are strict: start-up stops."""


class _GuardedPlugin:
    """What is registered for a plugin: its hook implementations behind guards."""


class PluginSet:
    def __init__(self, found: Iterable[LoadedPlugin] = (), *, strict: bool = True,
                 config: Mapping[str, Any] | None = None):
        self.strict = strict
        self.model: Model | None = None
        #: Set by the runtime once it is built; given to implementations asking for it.
        self.runtime: Any = None
        self.manager = pluggy.PluginManager(PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.plugins: list[LoadedPlugin] = []
        #: seconds spent per (plugin, hook), and calls
        self.timings: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
        self._config = dict(config or {})
        self._settings: dict[str, Mapping[str, Any]] = {}
        self._reported: set[int] = set()
        for plugin in found:
            self._register(plugin)
        self._report_failures()
        self._by_app: dict[str, Any] = {}

    def complete(self, model: Model, builtin: Iterable[tuple[str, object]] = ()) -> PluginSet:
        """Add the built-in plugins (they run before the installed ones) and the loaded
        model; from now on :meth:`hooks_for` works."""
        for name, plugin in builtin:
            self._register(LoadedPlugin(name=name, source="built-in", module=plugin, builtin=True))
        self._report_failures()
        self.model = model
        self._by_app.clear()
        return self

    # -- callers ------------------------------------------------------------------------

    @property
    def hook(self):
        """Hook callers running every loaded plugin (for app-independent hooks)."""
        return self.manager.hook

    def hooks_for(self, app: str):
        """Hook callers running the built-in plugins and those ``app`` enabled."""
        relay = self._by_app.get(app)
        if relay is None:
            if self.model is None:
                raise RuntimeError("the plugin set is not complete: no model yet")
            others = [
                self.manager.get_plugin(p.name) for p in self.plugins
                if p.loaded and not self.enabled(p, app)
            ]
            relay = SimpleNamespace(**{
                name: self.manager.subset_hook_caller(name, remove_plugins=others)
                for name in vars(self.manager.hook)
            })
            self._by_app[app] = relay
        return relay

    def enabled(self, plugin: LoadedPlugin, app: str) -> bool:
        """Whether ``plugin``'s record and process hooks run for ``app``."""
        if plugin.builtin or ALL_APPS in plugin.apps:
            return True
        entry = self.model.apps.get(app) if self.model is not None else None
        return entry is not None and plugin.name in entry.plugins

    def loaded(self) -> list[LoadedPlugin]:
        return [p for p in self.plugins if p.loaded]

    def get(self, name: str) -> LoadedPlugin | None:
        return next((p for p in self.plugins if p.name == name and p.loaded), None)

    def hook_names(self, name: str) -> list[str]:
        """The hooks the loaded plugin ``name`` implements, by name."""
        registered = self.manager.get_plugin(name)
        callers = self.manager.get_hookcallers(registered) if registered is not None else None
        return sorted(caller.name for caller in callers or ())

    # -- settings -----------------------------------------------------------------------

    def settings(self, name: str) -> Mapping[str, Any]:
        """Plugin ``name``'s settings: its manifest defaults, each overridden by the
        setting ``PLUGIN_<NAME>_<KEY>`` (``FORMFLOW_PLUGIN_<NAME>_<KEY>`` in the
        environment or ``.env``, or the mapping given to ``create_app``)."""
        if name not in self._settings:
            plugin = next((p for p in self.plugins if p.name == name), None)
            defaults = plugin.settings if plugin is not None else {}
            values = {}
            for key, default in defaults.items():
                setting = f"PLUGIN_{name}_{key}".upper()
                raw = self._config.get(setting)
                values[key] = default if raw is None else _convert(setting, raw, default)
            self._settings[name] = MappingProxyType(values)
        return self._settings[name]

    # -- registration hooks -------------------------------------------------------------

    def add_field_types(self, registry: Registry) -> Registry:
        """Add the field types the plugins register to ``registry``; a name already
        taken is a start-up error naming the plugin."""
        for plugin, result in self.collect("register_field_types"):
            for field_type in result or ():
                if not isinstance(field_type, FieldType):
                    self.setup_failed(plugin, f"{field_type!r} is not a FieldType instance")
                elif field_type.name in registry:
                    self.setup_failed(plugin, f"field type {field_type.name!r} already exists")
                else:
                    registry.register(field_type)
        return registry

    def expression_functions(self) -> dict[str, Callable[..., Any]]:
        functions: dict[str, Callable[..., Any]] = {}
        for plugin, result in self.collect("register_expression_functions"):
            for name, function in (result or {}).items():
                if not callable(function):
                    self.setup_failed(plugin, f"expression function {name!r} is not callable")
                elif name in BUILTIN_FUNCTIONS or name in functions:
                    self.setup_failed(plugin, f"expression function {name!r} already exists")
                else:
                    functions[name] = function
        return functions

    def record_actions(self) -> list[RecordAction]:
        actions: list[RecordAction] = []
        for plugin, result in self.collect("register_record_actions"):
            for action in result or ():
                if any(a.name == action.name for a in actions):
                    self.setup_failed(plugin, f"record action {action.name!r} is registered twice")
                    continue
                actions.append(_with_plugin(action, plugin))
        return actions

    def jobs(self) -> list[Job]:
        return [_with_plugin(job, plugin) for plugin, result in self.collect("register_jobs")
                for job in result or ()]

    def menu_links(self) -> list[MenuLink]:
        return [_with_plugin(link, plugin) for plugin, result in self.collect("register_menu_links")
                for link in result or ()]

    def admin_links(self) -> list[MenuLink]:
        return [_with_plugin(link, plugin)
                for plugin, result in self.collect("register_admin_links")
                for link in result or ()]

    def admin_log_actions(self) -> list[str]:
        return [str(action) for _plugin, result in self.collect("register_admin_log_actions")
                for action in result or ()]

    def notification_kinds(self, taken: Iterable[str]) -> dict[str, dict[str, tuple[str, str]]]:
        """The notification kinds the plugins register (``taken``: the built-in ones);
        a malformed or duplicate kind is a start-up error naming the plugin."""
        kinds: dict[str, dict[str, tuple[str, str]]] = {}
        taken = set(taken)
        for plugin, result in self.collect("register_notification_kinds"):
            for kind, texts in (result or {}).items():
                problem = _kind_problem(kind, texts)
                if problem is None and (kind in taken or kind in kinds):
                    problem = f"notification kind {kind!r} is already taken"
                if problem:
                    self.setup_failed(plugin, problem)
                    continue
                kinds[kind] = {lang: tuple(texts[lang]) for lang in LANGUAGES}
        return kinds

    def pages(self) -> list[tuple[str, Any]]:
        """``(registration name, blueprint)`` for every plugin blueprint."""
        found = []
        for plugin, result in self.collect("register_pages"):
            blueprints = result if isinstance(result, list | tuple) else [result] if result else []
            for blueprint in blueprints:
                name = f"plugin_{plugin}"
                found.append((name if len(blueprints) == 1 else f"{name}_{blueprint.name}",
                              blueprint))
        return found

    def tables(self) -> list[sa.Table]:
        tables: list[sa.Table] = []
        for plugin, result in self.collect("register_tables"):
            for table in result or ():
                if not isinstance(table, sa.Table) or not table.name.startswith(f"{plugin}_"):
                    self.setup_failed(plugin, f"table {getattr(table, 'name', table)!r} must be "
                                       f"a Table named {plugin}_...")
                    continue
                tables.append(table)
        return tables

    def template_folders(self) -> list[str]:
        folders = []
        for plugin, result in self.collect("template_folders"):
            for folder in result or ():
                if not Path(folder).is_dir():
                    self.setup_failed(plugin, f"template folder {str(folder)!r} does not exist")
                    continue
                folders.append(str(folder))
        return folders

    def startup(self, app) -> None:
        self.collect("startup", app=app)

    def collect(self, hook: str, **kwargs) -> list[tuple[str, Any]]:
        """Call a registration hook on each loaded plugin separately, so each result is
        known by its plugin.  A plugin that fails stops start-up (strict) or is logged."""
        results = []
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            try:
                result = impl.function(*(kwargs[name] for name in impl.argnames))
            except PluginFailed as failed:
                self.setup_failed(impl.plugin_name, f"{hook} failed: {failed.__cause__!r}")
                continue
            except ServiceError as error:
                self.setup_failed(impl.plugin_name, f"{hook} failed: {error.message.render('en')}")
                continue
            results.append((impl.plugin_name, result))
        return results  # in registration order

    def setup_failed(self, plugin: str, problem: str) -> None:
        if self.strict:
            raise PluginLoadError(f"plugin {plugin}: {problem}")
        log.error("plugin %s: %s", plugin, problem)

    # -- registering ----------------------------------------------------------------------

    def _report_failures(self) -> None:
        failed = [p for p in self.plugins if p.error and id(p) not in self._reported]
        self._reported.update(id(p) for p in failed)
        if failed and self.strict:
            raise PluginLoadError("\n".join(f"plugin {p.name}: {p.error}" for p in failed))
        for plugin in failed:
            log.error("plugin %s disabled: %s", plugin.name, plugin.error)

    def _register(self, plugin: LoadedPlugin) -> None:
        self.plugins.append(plugin)
        if not plugin.loaded:
            return
        if any(p.name == plugin.name and p is not plugin for p in self.plugins):
            plugin.error = f"{plugin.source}: another plugin is already named {plugin.name!r}"
            return
        try:
            self.manager.register(self._guarded(plugin), name=plugin.name)
            self.manager.check_pending()
        except pluggy.PluginValidationError as error:
            self.manager.unregister(name=plugin.name)
            plugin.error = f"{plugin.source}: {error}"
        except (TypeError, ValueError) as error:  # a bad setting value
            plugin.error = f"{plugin.source}: {error}"

    def _guarded(self, plugin: LoadedPlugin) -> _GuardedPlugin:
        """The plugin's hook implementations, each wrapped in a guard."""
        guarded = _GuardedPlugin()
        if not plugin.builtin:
            self.settings(plugin.name)  # a bad setting value fails here, at start
        for attribute in dir(plugin.module):
            function = getattr(plugin.module, attribute, None)
            if inspect.isroutine(function) and hasattr(function, f"{PROJECT}_impl"):
                setattr(guarded, attribute, self._guard(plugin.name, attribute, function))
        return guarded

    def _guard(self, plugin: str, hook: str, function):
        timing = self.timings[(plugin, hook)]
        signature = inspect.signature(function)
        wanted = [n for n in INJECTED if n in signature.parameters]
        # What pluggy passes: the parameters without a default (those with one keep it).
        own = [n for n, p in signature.parameters.items()
               if n not in INJECTED and p.default is p.empty]

        def call(*args):
            kwargs = dict(zip(own, args, strict=False))
            if "settings" in wanted:
                kwargs["settings"] = self.settings(plugin)
            if "runtime" in wanted:
                kwargs["runtime"] = self.runtime
            started = time.perf_counter()
            try:
                return function(**kwargs)
            except ServiceError:
                raise
            except Exception as error:
                if is_outage(error):
                    raise
                log.exception("plugin %s failed in %s", plugin, hook)
                raise PluginFailed(plugin) from error
            finally:
                elapsed = time.perf_counter() - started
                timing[0] += elapsed
                timing[1] += 1
                if elapsed > SLOW_SECONDS:
                    log.warning("plugin %s took %.2f s in %s", plugin, elapsed, hook)

        guard = taking(own, call, name=hook, where=f"{plugin}.{hook}")
        guard.__doc__ = function.__doc__
        guard.__dict__.update(function.__dict__)  # pluggy's hookimpl marker and options
        return guard


def taking(names: list[str], target: Callable[..., Any], *, name: str, where: str):
    """A function whose own code takes exactly the positional parameters ``names`` and
    passes them on to ``target``.

    pluggy learns which arguments an implementation wants from the function it is given:
    pluggy up to 1.6 through ``inspect.signature``, 1.7 and later from the code object of
    the unwrapped function.  A guard's parameters are the implementation's minus the
    injected ones, so the guard needs a code object of that shape; like ``dataclasses``
    building ``__init__``, it is compiled from source made of the parameter names alone
    (identifiers taken from a real signature)."""
    if not all(n.isidentifier() and not keyword.iskeyword(n) for n in names):
        raise ValueError(f"not parameter names: {names!r}")
    params = ", ".join(names)
    namespace: dict[str, Any] = {"_target": target}
    source = f"def {name}({params}):\n    return _target({params})\n"
    exec(compile(source, f"<guard of {where}>", "exec"), namespace)  # noqa: S102
    return namespace[name]


def _kind_problem(kind: Any, texts: Any) -> str | None:
    if not isinstance(kind, str) or not NAME.match(kind) or len(kind) > 32:
        return f"notification kind {kind!r} must be lower_snake_case, at most 32 characters"
    if not isinstance(texts, Mapping) or not all(
        isinstance(texts.get(lang), list | tuple) and len(texts[lang]) == 2
        and all(isinstance(t, str) and t for t in texts[lang]) for lang in LANGUAGES
    ):
        return (f"notification kind {kind!r} needs (subject, sentence) for "
                f"{' and '.join(LANGUAGES)}")
    return None


def _with_plugin(item, plugin: str):
    return replace(item, plugin=plugin)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _convert(setting: str, raw: Any, default: Any) -> Any:
    """A setting's text (from the environment) as the type of its default."""
    if not isinstance(raw, str) or isinstance(default, str) or default is None:
        return raw
    text = raw.strip()
    try:
        if isinstance(default, bool):
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError(text)
            return text.lower() in _TRUE
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, list | tuple):
            if text.startswith("["):
                return list(json.loads(text))
            return [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(default, dict):
            value = json.loads(text)
            if not isinstance(value, dict):
                raise ValueError(text)
            return value
    except ValueError:
        raise ValueError(
            f"FORMFLOW_{setting} = {raw!r} is not a valid {type(default).__name__}"
        ) from None
    return raw
