"""Plugins: the hook specifications (:mod:`formflow.plugins.hookspecs`, the plugin
reference) and the plugin manager that calls them.

Core features that could be plugins are built-in plugins (the process engine is one),
so the hook API is exercised every day.
"""

from __future__ import annotations

import pluggy

from formflow.plugins import hookspecs

PROJECT = "formflow"
hookimpl = pluggy.HookimplMarker(PROJECT)


def create_manager(*builtin: object) -> pluggy.PluginManager:
    """A plugin manager with the hook specifications and the given built-in plugins;
    ``check_pending`` makes a misspelled hook fail at start-up."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    for plugin in builtin:
        manager.register(plugin)
    manager.check_pending()
    return manager


__all__ = ["create_manager", "hookimpl"]
