"""Plugins: the hook specifications (:mod:`formflow.plugins.hookspecs`, the plugin
reference), their discovery (:mod:`~formflow.plugins.loading`), the plugin set that
calls them (:mod:`~formflow.plugins.manager`), what registration hooks return
(:mod:`~formflow.plugins.declarations`: record actions, jobs, menu links), and the
services behind record actions (:mod:`~formflow.plugins.actions`) and scheduled jobs
(:mod:`~formflow.plugins.jobs`).

Core features that could be plugins are built-in plugins (the process engine is one),
so the hook API is exercised every day.

This package's top level is the plugin surface: everything a plugin module needs below
the pages, listed in ``__all__`` (a plugin's pages add :mod:`formflow.plugins.pages`)::

    from formflow.plugins import Job, MenuLink, RecordAction, hookimpl, message

The shipped plugins import nothing else from formflow (``tests/plugins/test_plugins_surface.py``).
"""

from __future__ import annotations

import pluggy

PROJECT = "formflow"
hookimpl = pluggy.HookimplMarker(PROJECT)

from formflow import outbound  # noqa: E402
from formflow.auth import SYSTEM, User, user_ids_with_role  # noqa: E402
from formflow.auth.admin_log import Target  # noqa: E402
from formflow.auth.admin_log import record as admin_log  # noqa: E402
from formflow.errors import (  # noqa: E402
    Forbidden,
    NotFound,
    ServiceError,
    ValidationFailed,
    Vetoed,
)
from formflow.fields import FieldType, FieldValueError, TextType  # noqa: E402
from formflow.fields.columns import ExactDecimal, UtcDateTime, utcnow  # noqa: E402
from formflow.i18n import Message  # noqa: E402
from formflow.outbound import TargetPolicy, TargetRefused  # noqa: E402
from formflow.plugins.declarations import Job, MenuLink, RecordAction, message  # noqa: E402
from formflow.process.tables import events as process_events  # noqa: E402
from formflow.records.serialize import record_to_json  # noqa: E402
from formflow.storage.database import after_commit  # noqa: E402

__all__ = [
    "PROJECT",
    "SYSTEM",
    "ExactDecimal",
    "FieldType",
    "FieldValueError",
    "Forbidden",
    "Job",
    "MenuLink",
    "Message",
    "NotFound",
    "RecordAction",
    "ServiceError",
    "Target",
    "TargetPolicy",
    "TargetRefused",
    "TextType",
    "User",
    "UtcDateTime",
    "ValidationFailed",
    "Vetoed",
    "admin_log",
    "after_commit",
    "hookimpl",
    "message",
    "outbound",
    "process_events",
    "record_to_json",
    "user_ids_with_role",
    "utcnow",
]
