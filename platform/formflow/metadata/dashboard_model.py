"""The dashboards of an app in the model (``dashboards/<name>.json``; see
:mod:`formflow.insights` for how they are computed and drawn)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from formflow.metadata.model import Label


@dataclass(frozen=True)
class Widget:
    """One number card, chart or table of a dashboard (``dashboards/<name>.json``)."""

    name: str
    label: Label
    type: str  # number | bar | line | pie | table
    entity: str  # qualified
    aggregate: str = "count"  # count | sum | avg
    measure: str | None = None  # the field sum and avg add up ("field" in metadata)
    group_by: str | None = None
    bucket: str | None = None  # day | week | month
    where: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    columns: tuple[str, ...] = ()
    sort: str | None = None
    limit: int = 10


@dataclass(frozen=True)
class Dashboard:
    name: str
    label: Label
    app: str
    widgets: tuple[Widget, ...]
    roles: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    description: Label | None = None
    source: str = ""  # the document's file, for problems
