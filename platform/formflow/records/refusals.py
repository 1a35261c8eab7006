"""The refusals of the records service, with messages naming the entity and the
operation in the caller's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from formflow.errors import Forbidden, NotFound, StaleVersion
from formflow.i18n import Message
from formflow.metadata.model import Entity


def check_version(current: Mapping[str, Any], expected: int | None) -> None:
    if expected is not None and expected != current["_version"]:
        raise StaleVersion(Message("stale_version", {"current": current["_version"]}))


def forbidden(action: str, entity: Entity) -> Forbidden:
    return Forbidden(Message("forbidden_action",
                             {"action": Message(f"verb_{action}"), "entity": entity.label}))


def not_found(entity: Entity, record_id: int) -> NotFound:
    return NotFound(Message("record_not_found", {"entity": entity.label, "id": record_id}))
