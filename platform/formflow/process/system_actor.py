"""The actor of what the engine decides by itself: an SLA's auto-action, an approval
taken automatically (see :mod:`formflow.process.auto_decisions`).  It is no user: the
events it logs have no actor."""

from __future__ import annotations

from formflow.auth import User

SYSTEM = User(
    id=None, username="@system", display_name="System", email=None,
    roles=frozenset({"admin", "user"}), department_id=None, manager_id=None, language=None,
    active=True,
)
