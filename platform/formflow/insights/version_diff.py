"""What changed between two published versions of a process, read from their stored
documents: steps and transitions added, removed or changed (which of their keys), and
the process's own settings — shown beside the numbers of a before-and-after comparison.

Pure: two process documents (JSON as published) in, a list of changes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Keys that say nothing about how the process works.
IGNORED = frozenset({"label", "description", "color", "name"})


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"kind": "added"|"removed"|"changed", "part": "process"|"state"|"transition",
    "name", "keys": [...]}]``, the process first, then states and transitions in the
    order of the later version (removed ones last)."""
    changes = []
    keys = _changed_keys(_settings(before), _settings(after))
    if keys:
        changes.append({"kind": "changed", "part": "process", "name": after.get("name"),
                        "keys": keys})
    changes += _parts("state", _by_name(before.get("states")), _by_name(after.get("states")))
    changes += _parts("transition", _transitions(before), _transitions(after))
    return changes


def _parts(part: str, old: dict[str, dict], new: dict[str, dict]) -> list[dict[str, Any]]:
    found = []
    for name, document in new.items():
        if name not in old:
            found.append({"kind": "added", "part": part, "name": name, "keys": []})
        elif keys := _changed_keys(old[name], document):
            found.append({"kind": "changed", "part": part, "name": name, "keys": keys})
    found += [{"kind": "removed", "part": part, "name": name, "keys": []}
              for name in old if name not in new]
    return found


def _settings(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in ("states", "transitions")}


def _by_name(items) -> dict[str, dict]:
    return {item["name"]: item for item in items or () if isinstance(item, Mapping)}


def _transitions(document: Mapping[str, Any]) -> dict[str, dict]:
    """Transitions keyed ``name@from`` (as the design API names them); a second guarded
    branch of the same name and source gets ``#2``."""
    found: dict[str, dict] = {}
    for item in document.get("transitions") or ():
        sources = item.get("from")
        sources = ",".join(sources) if isinstance(sources, list) else str(sources)
        key = f"{item.get('name')}@{sources}"
        number = 2
        while key in found:
            key = f"{item.get('name')}@{sources}#{number}"
            number += 1
        found[key] = item
    return found


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new)
                  if k not in IGNORED and old.get(k) != new.get(k))
