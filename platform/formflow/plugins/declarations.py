"""What plugins hand to Formflow from the registration hooks: record actions, jobs and
menu links, and :func:`message` for texts in every language."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from formflow.i18n import Message
from formflow.metadata.model import Label

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def message(texts: str | Mapping[str, str]) -> Message:
    """A message with its own texts: ``message({"en": "...", "zh-CN": "..."})``, for
    vetoes, validation errors and refusals raised by plugins."""
    return Message("plugin_message", {"message": Label.of(texts)})


@dataclass(frozen=True)
class RecordAction:
    """A button on the record page and ``POST .../<id>/plugin-actions/<name>``."""

    name: str
    label: str | Mapping[str, str]
    run: Callable[..., Any]
    #: Entity names (plain or qualified); empty: every entity of the enabling apps.
    entities: tuple[str, ...] = ()
    #: Roles that may run it ("user": everyone who can read the record).
    roles: tuple[str, ...] = ("admin",)
    #: A question the page asks before running it (None: no confirmation).
    confirm: str | Mapping[str, str] | None = None
    #: The plugin that registered it (filled in by the plugin set).
    plugin: str = ""

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"record action name {self.name!r} must be lower_snake_case")
        object.__setattr__(self, "entities", tuple(self.entities))
        object.__setattr__(self, "roles", tuple(self.roles))

    def applies_to(self, qualified: str) -> bool:
        if not self.entities:
            return True
        plain = qualified.split(".", 1)[1]
        return any(name in (qualified, plain) for name in self.entities)

    def allowed(self, roles: frozenset[str]) -> bool:
        return "admin" in roles or bool(set(self.roles) & roles)


@dataclass(frozen=True)
class MenuLink:
    """A page of the plugin in the menu of every app that enabled it (navbar and home
    page), after the app's entities."""

    name: str
    label: str | Mapping[str, str]
    #: The view, called as ``url_for(endpoint, app=<app name>)``.
    endpoint: str
    #: Whether a user sees the link: called with keyword arguments of its choice among
    #: ``user``, ``app`` (the app name), ``settings`` and ``runtime``; None: everyone.
    visible: Callable[..., bool] | None = None
    #: The plugin that registered it (filled in by the plugin set).
    plugin: str = ""

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"menu link name {self.name!r} must be lower_snake_case")


@dataclass(frozen=True)
class Job:
    """Scheduled work for ``formflow tick``."""

    name: str
    run: Callable[..., Any]
    interval: timedelta | int | str = 60
    #: How long a claimed run keeps others off before it is presumed dead.
    lease: timedelta = timedelta(minutes=15)
    plugin: str = ""
    seconds: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"job name {self.name!r} must be lower_snake_case")
        object.__setattr__(self, "seconds", duration_seconds(self.interval))

    @property
    def key(self) -> str:
        return f"{self.plugin}.{self.name}"


def duration_seconds(value: timedelta | int | str) -> int:
    """Seconds in ``30``, ``"30"``, ``timedelta(minutes=5)`` or ``"5m"`` (s, m, h, d)."""
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, int) and value >= 0:
        return value
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a duration (30, '30s', '5m', '1h', '1d')")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def call_with(function: Callable[..., Any], available: Mapping[str, Any]) -> Any:
    """Call ``function`` with the keyword arguments it declares among ``available``
    (plugin callables take only what they need, like hook implementations)."""
    parameters = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return function(**available)
    unknown = [n for n, p in parameters.items() if n not in available and p.default is p.empty]
    if unknown:
        raise TypeError(f"{function.__qualname__}() asks for {unknown[0]!r}; "
                        f"it may take {', '.join(sorted(available))}")
    return function(**{name: available[name] for name in parameters if name in available})
