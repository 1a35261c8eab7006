"""Plugins: the hook specifications (:mod:`formflow.plugins.hookspecs`, the plugin
reference), their discovery (:mod:`~formflow.plugins.loading`), the plugin set that
calls them (:mod:`~formflow.plugins.manager`), what registration hooks return
(:mod:`~formflow.plugins.declarations`: record actions, jobs, menu links), and the
services behind record actions (:mod:`~formflow.plugins.actions`) and scheduled jobs
(:mod:`~formflow.plugins.jobs`).

Core features that could be plugins are built-in plugins (the process engine is one),
so the hook API is exercised every day.

A plugin module needs only this package's top level::

    from formflow.plugins import Job, MenuLink, RecordAction, hookimpl, message
"""

from __future__ import annotations

import pluggy

PROJECT = "formflow"
hookimpl = pluggy.HookimplMarker(PROJECT)

from formflow.plugins.declarations import Job, MenuLink, RecordAction, message  # noqa: E402

__all__ = ["PROJECT", "Job", "MenuLink", "RecordAction", "hookimpl", "message"]
