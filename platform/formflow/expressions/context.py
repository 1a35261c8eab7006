"""What an expression may know besides the record: who is asking, and what time it is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from typing import Any


@dataclass(frozen=True)
class EvaluationContext:
    """The caller's side of an evaluation.

    ``now`` should be aware; a naive one is read as UTC, and None means the moment
    ``evaluate`` is called.  ``timezone`` decides which date ``today()`` is (UTC when
    None).  ``functions`` are extra functions from plugins, callable by name; they
    cannot replace a built-in function.
    """

    username: str | None = None
    roles: frozenset[str] = frozenset()
    now: datetime | None = None
    timezone: tzinfo | None = None
    functions: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.roles, frozenset):
            roles: Iterable[str] = self.roles or ()
            object.__setattr__(self, "roles", frozenset(roles))

    @property
    def zone(self) -> tzinfo:
        return self.timezone or UTC

    def current_time(self) -> datetime:
        """``now`` as an aware datetime (the real time when it is not set)."""
        if self.now is None:
            return datetime.now(UTC)
        return self.now if self.now.tzinfo else self.now.replace(tzinfo=UTC)

    def pinned(self) -> EvaluationContext:
        """This context with ``now`` fixed and aware, so one evaluation sees one instant."""
        if self.now is not None and self.now.tzinfo is not None:
            return self
        return replace(self, now=self.current_time())
