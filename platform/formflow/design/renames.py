"""Renames and removals in design operations, with the references that go along.

Renaming a field also renames it in the entity's form, list and title and in the
processes of its entity, and records ``renamed_from`` once the field was published (so
``migrate`` renames the column and keeps its data).  Entities and processes can be
renamed until they are first published; states, roles and options any time.
Expressions are left as they are: the checker names the ones that no longer resolve.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from formflow.design.paths import APP_DOCUMENT, Address, PathError, Slot, document_key, find_item
from formflow.i18n import Message

if TYPE_CHECKING:
    from formflow.design.operations import _Editor

LIST_KEYS = ("columns", "filters", "search")


def _refuse(message: str, /, **params: Any) -> PathError:
    return PathError(Message(message, params))


def _new_name(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 100:
        raise _refuse("design_name_text")
    return value


def rename_document(editor: _Editor, address: Address, value: Any) -> None:
    """``set entities/<e>/name`` (or a process's): the document moves to its new key."""
    new = _new_name(value)
    if address.kind == "app":
        raise _refuse("design_app_rename")
    old_key, folder = address.document, address.document.partition("/")[0]
    new_key = document_key(folder, new)
    if old_key not in editor.documents:
        raise _refuse("design_path_missing", path=f"{folder}/{address.name}")
    if old_key in editor.published:
        raise _refuse("design_published_rename", name=address.name)
    if new_key in editor.documents:
        raise _refuse("design_exists", path=f"{folder}/{new}")
    document = editor.writable(old_key)
    del editor.documents[old_key]
    document["name"] = new
    editor.documents[new_key] = document
    editor._copied.add(new_key)
    old = address.name
    if address.kind == "entity":
        editor._menu(lambda menu: _replace(menu, old, new))
        for key in _keys(editor, "processes/"):
            if editor.documents[key].get("entity") == old:
                editor.writable(key)["entity"] = new
    else:
        for key in _keys(editor, "entities/"):
            if editor.documents[key].get("process") == old:
                editor.writable(key)["process"] = new


def rename_item(editor: _Editor, item: Slot, prop: str, address: Address, value: Any) -> None:
    """``set .../<key>/name`` (or ``value``, ``role``): the ``item`` gets a new key."""
    new = _new_name(value)
    old = item.key
    if old == new:
        return
    if find_item(item.items, new, prop) is not None:
        raise _refuse("design_exists", path=new)
    current = item.get()
    if isinstance(current, str):  # an option given as plain text
        item.items[item.index] = new
        return
    current[prop] = new
    document = editor.documents[address.document]
    if item.pattern == "fields/*":
        _renamed_field(editor, address, current, old, new)
        rename_field_references(editor, address.name, document, old, new)
    elif item.pattern == "fields/*/fields/*":
        _renamed_field(editor, address, current, old, new, table=address.steps[1])
    elif item.pattern == "states/*":
        _rename_state(document, old, new)


def _renamed_field(editor, address, field: dict, old: str, new: str, table=None) -> None:
    """Record ``renamed_from`` when the field's published name is not its new one."""
    published_name = field.get("renamed_from") or old
    published = editor.published.get(address.document) or {}
    fields = published.get("fields", [])
    if table is not None:
        owner = next((f for f in fields if f.get("name") == table), {})
        fields = owner.get("fields", [])
    if not any(f.get("name") == published_name for f in fields):
        return
    if new == published_name:
        field.pop("renamed_from", None)
    else:
        field["renamed_from"] = published_name


def rename_field_references(editor, entity: str, document: dict, old: str, new: str) -> None:
    """The form, list, title and processes of ``entity`` name the field by its new name."""
    _rename_in_views(document, lambda names: _replace(names, old, new))
    list_ = document.get("list")
    if isinstance(list_, dict) and isinstance(list_.get("sort"), str):
        list_["sort"] = re.sub(rf"(?<![\w]){re.escape(old)}(?![\w])", new, list_["sort"])
    for key in ("title", "numbering"):
        if isinstance(document.get(key), str):
            document[key] = document[key].replace(f"{{{old}}}", f"{{{new}}}")
    for key in _keys(editor, "processes/"):
        if editor.documents[key].get("entity") != entity:
            continue
        process = editor.writable(key)
        for state in process.get("states", []):
            for names in (state.get("editable"), state.get("hidden")):
                if isinstance(names, list):
                    _replace(names, old, new)
        for transition in process.get("transitions", []):
            if isinstance(transition.get("required"), list):
                _replace(transition["required"], old, new)
            if isinstance(transition.get("set"), dict) and old in transition["set"]:
                transition["set"][new] = transition["set"].pop(old)


def forget_field(document: dict, name: str) -> None:
    """Take a removed or hidden field out of the entity's form and list."""
    _rename_in_views(document, lambda names: names.remove(name) if name in names else None)
    sections = (document.get("form") or {}).get("sections")
    if isinstance(sections, list):
        sections[:] = [s for s in sections if not isinstance(s, dict) or s.get("fields") != []]
        if not sections:
            document.pop("form", None)
    list_ = document.get("list")
    if isinstance(list_, dict):
        for key in LIST_KEYS:
            if list_.get(key) == []:
                del list_[key]


def _rename_in_views(document: dict, change) -> None:
    for section in (document.get("form") or {}).get("sections", []):
        if isinstance(section, dict) and isinstance(section.get("fields"), list):
            change(section["fields"])
    list_ = document.get("list")
    if isinstance(list_, dict):
        for key in LIST_KEYS:
            if isinstance(list_.get(key), list):
                change(list_[key])


def _rename_state(process: dict, old: str, new: str) -> None:
    if process.get("start") == old:
        process["start"] = new
    for transition in process.get("transitions", []):
        if transition.get("to") == old:
            transition["to"] = new
        sources = transition.get("from")
        if sources == old:
            transition["from"] = new
        elif isinstance(sources, list):
            _replace(sources, old, new)


def _replace(names: list, old: str, new: str) -> None:
    names[:] = [new if name == old else name for name in names]


def _keys(editor, prefix: str) -> list[str]:
    return [key for key in editor.documents if key.startswith(prefix)]


__all__ = ["APP_DOCUMENT", "forget_field", "rename_document", "rename_item"]
