"""Forking a shipped process: a bigger change than an overlay should carry becomes a
site-owned copy of the process (its own name, versioned like a site process) that the
entity then uses for new records.

The copy says ``"forked_from"``; its versions are numbered after the versions of the
process it was forked from, so a record that started before the fork keeps finding its
version (the process registry follows ``forked_from`` for it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from formflow.design.overlay_rules import SITE_PREFIX
from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import Message

NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def fork_ops(documents: Mapping[str, Any], process: str, name: Any) -> tuple[str, list]:
    """The fork's name and the operations making it: add the copy, point the entity at
    it.  ``name`` None or empty: ``x_<process>``."""
    document = documents.get(f"processes/{process}.json")
    if not isinstance(document, dict):
        raise NotFound(Message("design_path_missing", {"path": f"processes/{process}"}))
    name = name or f"{SITE_PREFIX}{process}"
    if not isinstance(name, str) or not NAME.fullmatch(name) \
            or not name.startswith(SITE_PREFIX):
        raise ValidationFailed({"name": [Message("fork_name", {"prefix": SITE_PREFIX})]})
    if f"processes/{name}.json" in documents:
        raise ValidationFailed({"name": [Message("design_exists",
                                                 {"path": f"processes/{name}"})]})
    entity = str(document.get("entity", "")).rpartition(".")[2]
    uses = (documents.get(f"entities/{entity}.json") or {}).get("process")
    if uses != process:
        raise ValidationFailed({"process": [Message("fork_not_in_use",
                                                    {"process": process})]})
    copy = {**document, "name": name, "forked_from": process}
    return name, [{"op": "add", "path": f"processes/{name}", "value": copy},
                  {"op": "set", "path": f"entities/{entity}/process", "value": name}]
