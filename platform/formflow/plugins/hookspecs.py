"""The hook specifications: the plugin reference.

Hooks are called with keyword arguments only; an implementation takes only the
arguments it needs.  Record and process hooks run inside the operation's transaction
(``conn``): raising :class:`formflow.errors.ServiceError` (or any exception) rolls the
whole operation back and the user sees the message.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("formflow")


@hookspec
def record_validate(conn, user, entity, record, current):
    """Check a record about to be saved.

    ``record`` is the merged record (internal form: user names, department codes, link
    ids, line items as lists of dicts), ``current`` the stored one or None on create.
    Return ``{"field path": [Message, ...]}`` (``""`` for the whole record) or None;
    every plugin's errors are reported together with the built-in ones."""


@hookspec
def record_before_save(conn, user, entity, record, current, changed):
    """Called after validation, before the write; may change ``record`` in place.
    ``changed`` is the set of field names the caller changed."""


@hookspec
def record_after_save(conn, user, entity, record, current):
    """Called after the write, in the same transaction.  ``record`` is the saved record
    (with ``id``, ``_version``, ``_state``); ``current`` the previous one or None."""


@hookspec
def record_before_delete(conn, user, entity, record):
    """Called before a soft delete; raise a ServiceError to refuse it."""


@hookspec
def record_writable_fields(conn, user, entity, record):
    """Limit which fields ``user`` may change on the stored ``record`` now.

    Return None (no opinion) or a set of field names ("*" in it: every field); the
    records service intersects the answers of every plugin.  The process engine uses it
    for a state's ``editable`` list and to lock final states."""
