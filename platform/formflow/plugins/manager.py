"""The plugin set of one app instance: which plugins are loaded, and hook callers that
run only the plugins an app enabled.

Every hook implementation is registered behind a guard that times it and, when it
raises anything but a deliberate ServiceError, logs the details under the plugin's name
and raises :class:`PluginFailed`, so the operation rolls back and the user is told which
plugin failed.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import pluggy

from formflow.errors import ServiceError
from formflow.i18n import Message
from formflow.metadata.model import Model
from formflow.plugins import PROJECT, hookspecs
from formflow.plugins.loading import LoadedPlugin

log = logging.getLogger("formflow.plugins")
SLOW_SECONDS = 0.5


class PluginFailed(ServiceError):
    """A plugin raised an unexpected error; nothing of the operation was kept."""

    status = 500

    def __init__(self, plugin: str):
        self.plugin = plugin
        super().__init__(Message("plugin_failed", {"plugin": plugin}))


class PluginLoadError(Exception):
    """A plugin could not be loaded and plugins are strict: start-up stops."""


class _GuardedPlugin:
    """What is registered for a plugin: its hook implementations behind guards."""


class PluginSet:
    def __init__(self, model: Model, builtin: list[tuple[str, object]],
                 found: list[LoadedPlugin], *, strict: bool = True):
        self.model = model
        self.manager = pluggy.PluginManager(PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.plugins: list[LoadedPlugin] = []
        #: seconds spent per (plugin, hook), and calls
        self.timings: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
        for name, plugin in builtin:
            self._register(LoadedPlugin(name=name, source="built-in", module=plugin, builtin=True))
        for plugin in found:
            self._register(plugin)
        failed = [p for p in self.plugins if p.error]
        if failed and strict:
            raise PluginLoadError("\n".join(f"plugin {p.name}: {p.error}" for p in failed))
        for plugin in failed:
            log.error("plugin %s disabled: %s", plugin.name, plugin.error)
        self._by_app: dict[str, Any] = {}

    @property
    def hook(self):
        """Hook callers running every loaded plugin (for app-independent hooks)."""
        return self.manager.hook

    def hooks_for(self, app: str):
        """Hook callers running the built-in plugins and those ``app`` enabled."""
        relay = self._by_app.get(app)
        if relay is None:
            enabled = set(self.model.apps[app].plugins) if app in self.model.apps else set()
            others = [
                self.manager.get_plugin(p.name) for p in self.plugins
                if p.loaded and not p.builtin and p.name not in enabled
            ]
            relay = SimpleNamespace(**{
                name: self.manager.subset_hook_caller(name, remove_plugins=others)
                for name in vars(self.manager.hook)
            })
            self._by_app[app] = relay
        return relay

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

    def _guarded(self, plugin: LoadedPlugin) -> _GuardedPlugin:
        """The plugin's hook implementations, each wrapped in a guard."""
        guarded = _GuardedPlugin()
        for attribute in dir(plugin.module):
            function = getattr(plugin.module, attribute, None)
            if callable(function) and hasattr(function, f"{PROJECT}_impl"):
                setattr(guarded, attribute, self._guard(plugin.name, attribute, function))
        return guarded

    def _guard(self, plugin: str, hook: str, function):
        timing = self.timings[(plugin, hook)]

        @functools.wraps(function)
        def call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            except ServiceError:
                raise
            except Exception as error:
                log.exception("plugin %s failed in %s", plugin, hook)
                raise PluginFailed(plugin) from error
            finally:
                elapsed = time.perf_counter() - started
                timing[0] += elapsed
                timing[1] += 1
                if elapsed > SLOW_SECONDS:
                    log.warning("plugin %s took %.2f s in %s", plugin, elapsed, hook)

        return call
