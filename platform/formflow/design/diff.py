"""A readable diff of two versions of an app's documents: what a publish changed.

Each line names what changed by name, in the order of the documents: an entity or
process added or removed, a field, role, state or transition added, removed or changed
(with the properties that changed), and other top-level properties changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from formflow.design.paths import APP_DOCUMENT, FOLDERS, item_key

#: Per kind of document: its keyed collections, the singular word for their items and
#: the items' key property.
_COLLECTIONS = {
    "app": {"roles": ("role", "name")},
    "entity": {"fields": ("field", "name"), "permissions": ("permission", "role")},
    "process": {"states": ("state", "name"), "transitions": ("transition", "name@from")},
    "dashboard": {"widgets": ("widget", "name")},
}


def describe_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for key in sorted(set(before) | set(after), key=lambda k: (k != APP_DOCUMENT, k)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        kind, name = _kind(key)
        if old is None:
            lines.append(f"adds {kind} {name}".rstrip())
        elif new is None:
            lines.append(f"removes {kind} {name}".rstrip())
        else:
            lines += [f"{kind} {name}: {change}" if name else f"{kind}: {change}"
                      for change in _document_changes(kind, old, new)]
    return lines


def _kind(key: str) -> tuple[str, str]:
    if key == APP_DOCUMENT:
        return "app", ""
    folder, _, file = key.partition("/")
    return FOLDERS.get(folder, folder), \
        file.removesuffix(".json")


def _document_changes(kind: str, old: dict, new: dict) -> list[str]:
    collections = _COLLECTIONS.get(kind, {})
    changes = []
    for prop in sorted(set(old) | set(new)):
        if old.get(prop) == new.get(prop):
            continue
        if prop in collections and isinstance(old.get(prop, []), list) and isinstance(
                new.get(prop, []), list):
            word, key_property = collections[prop]
            changes += _items(word, key_property, old.get(prop, []), new.get(prop, []))
        else:
            changes.append(f"changes {prop}")
    return changes


def _items(word: str, key_property: str, old: list, new: list) -> list[str]:
    before = {item_key(item, key_property): item for item in old}
    after = {item_key(item, key_property): item for item in new}
    changes = [f"adds {word} {key}" for key in after if key not in before]
    changes += [f"removes {word} {key}" for key in before if key not in after]
    for key, item in after.items():
        previous = before.get(key)
        if previous is None or previous == item:
            continue
        if word == "field" and isinstance(item, dict) and item.get("renamed_from") and \
                item["renamed_from"] in before:
            continue
        props = sorted(p for p in set(previous) | set(item) if previous.get(p) != item.get(p)) \
            if isinstance(previous, dict) and isinstance(item, dict) else []
        changes.append(f"changes {word} {key}" + (f" ({', '.join(props)})" if props else ""))
    renamed = [(item["renamed_from"], key) for key, item in after.items()
               if word == "field" and isinstance(item, dict) and item.get("renamed_from")
               in before and key not in before]
    for old_name, new_name in renamed:
        changes.remove(f"adds field {new_name}")
        changes.remove(f"removes field {old_name}")
        changes.append(f"renames field {old_name} → {new_name}")
    if [k for k in before if k in after] != [k for k in after if k in before]:
        changes.append(f"reorders {word}s")
    return changes
