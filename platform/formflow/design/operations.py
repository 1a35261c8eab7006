"""Design operations: small edits of an app's documents, addressed by names.

An operation is ``{"op": "add"|"set"|"hide"|"order"|"remove", "path": ..., "value": ...,
"after": ...}`` (see :mod:`formflow.design.paths` for paths).  :func:`apply_ops` applies
a list of them to a documents dict (``{"app.json": {...}, "entities/<e>.json": {...}}``)
and returns the new dict; it is pure: where the documents are kept is not its business,
so the same engine serves site apps and, later, overlays on shipped apps.  The first
operation that cannot apply stops them all with an :class:`OperationError` naming its
index; the documents given are never changed.

What a value means is not checked here beyond the shape an operation needs: a draft may
hold a wrong expression or a field without a type; the checker reports those as
problems, and they block publishing, not editing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from formflow.design import renames
from formflow.design.paths import (
    APP_DOCUMENT,
    COLLECTIONS,
    Address,
    PathError,
    Slot,
    find_item,
    item_key,
    parse,
    resolve,
    transition_key,
)
from formflow.errors import ValidationFailed
from formflow.i18n import Message

OPS = ("add", "set", "hide", "order", "remove")
OP_KEYS = frozenset({"op", "path", "value", "after"})
MAX_OPS = 500
#: The expression a hidden field's ``visible_if`` gets: it never shows, its data stays.
HIDDEN = "False"
FIELD_PATTERNS = ("fields/*", "fields/*/fields/*")
#: An option hidden stays valid for the records holding it; forms no longer offer it.
OPTION_PATTERNS = ("fields/*/options/*", "fields/*/fields/*/options/*")

Documents = dict[str, Any]


class OperationError(Exception):
    """Operation ``index`` cannot apply; ``message`` says why."""

    def __init__(self, index: int, message: Message):
        self.index = index
        self.message = message
        super().__init__(f"{index}: {message.key}")


class OperationFailed(ValidationFailed):
    """An operation could not apply: a 422 naming its index; nothing was applied."""

    def __init__(self, error: OperationError):
        super().__init__({f"ops[{error.index}]": [error.message]})
        self.index = error.index
        self.message = Message("design_op_failed", {"index": error.index,
                                                    "problem": error.message})


def apply_ops(
    documents: Mapping[str, Any], ops: Any, *, published: Mapping[str, Any] | None = None
) -> Documents:
    """The documents after every operation of ``ops``, in order.  ``published``: the
    documents as last published, which decide whether a rename records
    ``renamed_from``.  Documents no operation touched are shared, not copied."""
    if not isinstance(ops, list) or not ops:
        raise OperationError(0, Message("design_ops_required"))
    if len(ops) > MAX_OPS:
        raise OperationError(MAX_OPS, Message("design_too_many_ops", {"max": MAX_OPS}))
    editor = _Editor(dict(documents), published or {})
    for index, op in enumerate(ops):
        try:
            editor.apply(op)
        except PathError as error:
            raise OperationError(index, error.message) from None
    return editor.documents


def changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The document keys whose document differs (added, changed or removed)."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) is not after.get(k)
                  and before.get(k) != after.get(k))


def _refuse(message: str, /, **params: Any) -> PathError:
    return PathError(Message(message, params))


class _Editor:
    def __init__(self, documents: Documents, published: Mapping[str, Any]):
        self.documents = documents
        self.published = published
        self._copied: set[str] = set()

    def writable(self, key: str) -> dict | None:
        """The document ``key``, copied before its first change (None when missing)."""
        document = self.documents.get(key)
        if document is not None and key not in self._copied:
            document = self.documents[key] = json.loads(json.dumps(document))
            self._copied.add(key)
        return document

    def apply(self, op: Any) -> None:
        if not isinstance(op, dict) or not OP_KEYS.issuperset(op) or "path" not in op:
            raise _refuse("design_op_malformed")
        kind = op.get("op")
        if kind not in OPS:
            raise _refuse("design_op_unknown", op=str(kind)[:50], known=", ".join(OPS))
        address = parse(op["path"])
        if not address.steps:
            self._document_op(kind, address, op)
            return
        if address.steps == ("name",) and kind == "set":
            renames.rename_document(self, address, op.get("value"))
            return
        document = self.writable(address.document)
        if document is None:
            raise _refuse("design_path_missing", path=op["path"])
        where = op["path"].rsplit("/", len(address.steps))[0]
        slot = resolve(document, address.kind, address.steps, create=kind in ("add", "set"),
                       where=where)
        getattr(self, f"_{kind}")(slot, address, op)

    # -- whole documents ---------------------------------------------------------------

    def _document_op(self, kind: str, address: Address, op: dict) -> None:
        key, exists = address.document, address.document in self.documents
        if kind == "add" or kind == "set":
            if kind == "add" and exists:
                raise _refuse("design_exists", path=op["path"])
            value = _object(op.get("value", {}))
            name = address.name or self.documents.get(APP_DOCUMENT, {}).get("name")
            self.documents[key] = _claim_key(value, "name", name)
            self._copied.add(key)
            if kind == "add" and address.kind == "entity":
                self._menu(lambda menu: menu.append(address.name))
        elif kind == "remove":
            if not exists or address.kind == "app":
                raise _refuse("design_path_missing" if not exists else "design_app_document",
                              path=op["path"])
            del self.documents[key]
            if address.kind == "entity":
                self._menu(lambda menu: menu.remove(address.name) if address.name in menu
                           else None)
        else:
            raise _refuse("design_op_not_here", op=kind, path=op["path"])

    def _menu(self, change) -> None:
        """Apply ``change`` to the app's menu, when the app lists one."""
        app = self.writable(APP_DOCUMENT)
        if app is not None and isinstance(app.get("menu"), list):
            change(app["menu"])

    # -- inside a document ---------------------------------------------------------------

    def _add(self, slot: Slot, address: Address, op: dict) -> None:
        if slot.exists:
            raise _refuse("design_exists", path=op["path"])
        if not slot.is_item:
            slot.owner[slot.prop] = op.get("value")
            return
        item = _new_item(slot, op.get("value"))
        items = slot.items
        if not isinstance(items, list):
            raise _refuse("design_path_missing", path=op["path"])
        items.insert(_position(items, slot, op.get("after"), at_end=True), item)

    def _set(self, slot: Slot, address: Address, op: dict) -> None:
        value = op.get("value")
        if slot.is_item:
            if not slot.exists:
                raise _refuse("design_path_missing", path=op["path"])
            slot.items[slot.index] = _new_item(slot, value)
            return
        parent = slot.pattern.rpartition("/")[0].rpartition("/")[0]
        if slot.pattern.endswith("/*/" + slot.prop) and (
                COLLECTIONS.get((address.kind, parent)) == slot.prop):
            document = self.documents[address.document]
            item = resolve(document, address.kind, address.steps[:-1], create=False)
            renames.rename_item(self, item, slot.prop, address, value)
        elif value is None:
            slot.owner.pop(slot.prop, None)
        else:
            slot.owner[slot.prop] = value

    def _hide(self, slot: Slot, address: Address, op: dict) -> None:
        if not slot.is_item or slot.pattern not in FIELD_PATTERNS + OPTION_PATTERNS:
            raise _refuse("design_hide_fields_only", path=op["path"])
        if not slot.exists:
            raise _refuse("design_path_missing", path=op["path"])
        if slot.pattern in OPTION_PATTERNS:
            option = slot.get()
            option = {"value": option} if isinstance(option, str) else option
            slot.items[slot.index] = {**option, "hidden": True}
            return
        field = slot.get()
        field["visible_if"] = HIDDEN
        field.pop("required_if", None)
        if slot.pattern == "fields/*":
            renames.forget_field(self.documents[address.document], slot.key)

    def _order(self, slot: Slot, address: Address, op: dict) -> None:
        if slot.is_item:
            if not slot.exists:
                raise _refuse("design_path_missing", path=op["path"])
            items = slot.items
            item = items.pop(slot.index)
            items.insert(_position(items, slot, op.get("after"), at_end=False), item)
            return
        current = slot.owner.get(slot.prop)
        value = op.get("value")
        if not isinstance(current, list) or not isinstance(value, list):
            raise _refuse("design_order_list", path=op["path"])
        key_property = COLLECTIONS.get((address.kind, slot.pattern))
        keys = [item_key(item, key_property) if key_property else item for item in current]
        if sorted(map(json.dumps, keys)) != sorted(map(json.dumps, value)):
            raise _refuse("design_order_same_items", path=op["path"])
        slot.owner[slot.prop] = [current[keys.index(key)] for key in value]

    def _remove(self, slot: Slot, address: Address, op: dict) -> None:
        if not slot.exists:
            raise _refuse("design_path_missing", path=op["path"])
        if not slot.is_item:
            del slot.owner[slot.prop]
            return
        del slot.items[slot.index]
        document = self.documents[address.document]
        if slot.pattern == "fields/*":
            renames.forget_field(document, slot.key)
        if slot.pattern == "form/sections/*" and not slot.items:
            document.pop("form", None)


def _object(value: Any) -> dict:
    if not isinstance(value, dict):
        raise _refuse("design_value_object")
    return json.loads(json.dumps(value))


def _claim_key(value: dict, key_property: str, key: str) -> dict:
    """``value`` with the key from the path first; a different key in it is a mistake."""
    if key_property == "name@from":
        name, source, target = transition_key(key)
        value = _claim_key(value, "name", name)
        sources = value.setdefault("from", source)
        if source not in (sources if isinstance(sources, list) else [sources]):
            raise _refuse("design_key_differs", key=key, given=json.dumps(sources))
        if target is not None and value.setdefault("to", target) != target:
            raise _refuse("design_key_differs", key=key, given=json.dumps(value["to"])[:100])
        return value
    given = value.get(key_property, key)
    if given != key:
        raise _refuse("design_key_differs", key=key, given=json.dumps(given)[:100])
    return {key_property: key, **value}


def _new_item(slot: Slot, value: Any) -> Any:
    """The item an ``add`` or ``set`` puts at ``slot``; an option may be a plain text."""
    if slot.key_property == "value" and (value is None or value == slot.key):
        return slot.key
    return _claim_key(_object({} if value is None else value), slot.key_property, slot.key)


def _position(items: list, slot: Slot, after: Any, *, at_end: bool) -> int:
    """Where an item goes: right after the item named by ``after``; without one, at the
    end (``add``) or first (``order``, or ``after`` empty)."""
    if after is None or after == "":
        return len(items) if at_end and after is None else 0
    index = find_item(items, str(after), slot.key_property)
    if index is None:
        raise _refuse("design_after_missing", after=str(after)[:100])
    return index + 1
