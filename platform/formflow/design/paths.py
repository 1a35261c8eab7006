"""Design paths: where an operation acts, addressed by names, never list positions.

``entities/vehicle/fields/plate/label`` reads: the document ``entities/vehicle.json``,
its field named ``plate``, that field's ``label``.  Lists whose items have a name (a
key) are *keyed collections*: a path step after them is an item's key.  Everything
else in a path is a property name.  Resolving a path gives a :class:`Slot`: the
whole document, a property of an object, or an item of a keyed collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from formflow.i18n import Message

APP_DOCUMENT = "app.json"
#: Top-level path step -> (folder, kind) of the documents it names.
FOLDERS = {"entities": "entity", "processes": "process", "dashboards": "dashboard"}
#: Keyed collections by document kind and pattern (``*`` stands for an item's key),
#: and the item's key property.
COLLECTIONS: dict[tuple[str, str], str] = {
    ("app", "roles"): "name",
    ("app", "automations"): "name",
    ("entity", "fields"): "name",
    ("entity", "fields/*/fields"): "name",
    ("entity", "fields/*/options"): "value",
    ("entity", "fields/*/fields/*/options"): "value",
    ("entity", "form/sections"): "name",
    ("entity", "permissions"): "role",
    ("process", "states"): "name",
    ("process", "transitions"): "name@from",
    ("dashboard", "widgets"): "name",
}
MAX_PATH = 500


class PathError(Exception):
    """The path names nothing that exists, or is malformed; ``message`` says why."""

    def __init__(self, message: Message):
        self.message = message
        super().__init__(message.key)


@dataclass(frozen=True)
class Address:
    """A parsed path: the document it falls in and the steps inside that document."""

    document: str  # "app.json", "entities/<e>.json", "processes/<p>.json"
    kind: str  # "app", "entity", "process"
    name: str  # the document's name: the app's, the entity's or the process's
    steps: tuple[str, ...]


def parse(path: Any) -> Address:
    if not isinstance(path, str) or not path or len(path) > MAX_PATH:
        raise PathError(Message("design_path_malformed", {"path": str(path)[:100]}))
    steps = path.split("/")
    if any(not step for step in steps):
        raise PathError(Message("design_path_malformed", {"path": path}))
    if steps[0] == "app":
        return Address(APP_DOCUMENT, "app", "", tuple(steps[1:]))
    if steps[0] in FOLDERS and len(steps) >= 2:
        document = f"{steps[0]}/{steps[1]}.json"
        return Address(document, FOLDERS[steps[0]], steps[1], tuple(steps[2:]))
    raise PathError(Message("design_path_unknown", {"path": path}))


def document_key(folder: str, name: str) -> str:
    return f"{folder}/{name}.json"


# -- items of keyed collections --------------------------------------------------------


def item_key(item: Any, key_property: str) -> str | None:
    """An item's key: its name (or value, or role); an option may be a plain text;
    a form section without a name goes by its label."""
    if key_property == "value" and isinstance(item, str):
        return item
    if not isinstance(item, dict):
        return None
    if key_property == "name@from":
        source = item.get("from")
        first = source[0] if isinstance(source, list) and source else source
        return f"{item.get('name')}@{first}"
    key = item.get(key_property)
    if key is None and "label" in item:  # an unnamed form section
        label = item["label"]
        return label if isinstance(label, str) else (label or {}).get("en")
    return key


def transition_key(key: str) -> tuple[str, str, str | None]:
    """``approve@review`` -> (name, from, None); ``approve@review>done`` also names the
    target, which tells apart the conditional branches of one action from one state."""
    name, _, rest = key.partition("@")
    source, arrow, target = rest.partition(">")
    return name, source, target if arrow else None


def matches(item: Any, key: str, key_property: str) -> bool:
    if key_property == "name@from" and isinstance(item, dict):
        name, source, target = transition_key(key)
        sources = item.get("from")
        sources = sources if isinstance(sources, list) else [sources]
        return (item.get("name") == name and source in sources
                and (target is None or item.get("to") == target))
    return item_key(item, key_property) == key


def find_item(items: list, key: str, key_property: str) -> int | None:
    return next((i for i, item in enumerate(items) if matches(item, key, key_property)), None)


# -- resolving ---------------------------------------------------------------------------


@dataclass
class Slot:
    """Where an operation acts.

    ``owner[prop]`` is a property (``key`` is None), or the keyed collection whose item
    ``key`` is meant (``index`` is its position, None while it does not exist).  With no
    ``owner`` the slot is the whole document."""

    owner: dict | None = None
    prop: str | None = None
    key: str | None = None
    key_property: str | None = None
    index: int | None = None
    pattern: str = ""  # e.g. "fields/*/options/*"

    @property
    def is_document(self) -> bool:
        return self.owner is None

    @property
    def is_item(self) -> bool:
        return self.key is not None

    @property
    def items(self) -> list:
        return self.owner.setdefault(self.prop, [])

    @property
    def exists(self) -> bool:
        if self.is_item:
            return self.index is not None
        return self.owner is None or self.prop in self.owner

    def get(self) -> Any:
        if self.is_item:
            return self.items[self.index]
        return self.owner[self.prop]


def resolve(document: dict, kind: str, steps: tuple[str, ...], *, create: bool,
            where: str = "") -> Slot:
    """The slot ``steps`` name in ``document``.  Objects on the way that do not exist
    are made when ``create`` (an ``add`` of the first form section makes the form).
    ``where``: the path of the document, for messages."""
    try:
        return _resolve(document, kind, steps, create)
    except PathError as error:
        if where and "path" in error.message.params:
            error.message.params["path"] = f"{where}/{error.message.params['path']}"
        raise


def _resolve(document: dict, kind: str, steps: tuple[str, ...], create: bool) -> Slot:
    if not steps:
        return Slot()
    node, pattern, i = document, "", 0
    while True:
        step = steps[i]
        here = f"{pattern}/{step}" if pattern else step
        key_property = COLLECTIONS.get((kind, here))
        last = i == len(steps) - 1
        if key_property is not None and not last:
            items = node.get(step, [])
            if not isinstance(items, list):
                raise _missing(steps, i)
            key = steps[i + 1]
            index = find_item(items, key, key_property)
            slot = Slot(node, step, key, key_property, index, f"{here}/*")
            if i + 1 == len(steps) - 1:
                return slot
            if index is None:
                raise _missing(steps, i + 1)
            if isinstance(items[index], str) and key_property == "value" and create:
                items[index] = {"value": items[index]}  # a plain-text option gets properties
            node, pattern, i = items[index], f"{here}/*", i + 2
            if not isinstance(node, dict):
                raise _missing(steps, i - 1)
            continue
        if last:
            return Slot(node, step, pattern=here)
        child = node.get(step)
        if child is None and create:
            child = node[step] = {}
        if not isinstance(child, dict):
            raise _missing(steps, i)
        node, pattern, i = child, here, i + 1


def _missing(steps: tuple[str, ...], upto: int) -> PathError:
    return PathError(Message("design_path_missing", {"path": "/".join(steps[: upto + 1])}))


# -- naming what a problem points at -------------------------------------------------------


def named_path(documents: dict, file: str, pointer: str) -> str:
    """The design path of a checker problem at ``pointer`` (``fields/3/to``) in the
    document ``file`` (``entities/vehicle.json``): ``entities/vehicle/fields/plate/to``.
    List positions of keyed collections become the items' keys."""
    base = file.removesuffix(".json")
    kind = "app" if file == APP_DOCUMENT else FOLDERS.get(file.partition("/")[0])
    steps = [step for step in pointer.split("/") if step]
    named, node, pattern = [], documents.get(file), ""
    for step in steps:
        key_property = COLLECTIONS.get((kind, pattern))
        if isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
            key = item_key(node, key_property) if key_property else None
            named.append(key if key is not None else step)
            pattern = f"{pattern}/*"
            continue
        named.append(step)
        node = node.get(step) if isinstance(node, dict) else None
        pattern = f"{pattern}/{step}" if pattern else step
    return "/".join(["app" if base == "app" else base, *named])
