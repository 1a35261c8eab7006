"""Plugins: the hook specifications (:mod:`formflow.plugins.hookspecs`, the plugin
reference), their discovery (:mod:`~formflow.plugins.loading`) and the plugin set that
calls them (:mod:`~formflow.plugins.manager`).

Core features that could be plugins are built-in plugins (the process engine is one),
so the hook API is exercised every day.
"""

from __future__ import annotations

import pluggy

PROJECT = "formflow"
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl"]
