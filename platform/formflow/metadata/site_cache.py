"""What checking a site app's draft again after a small edit may reuse.

An edit changes one or two documents of an app; the others are the very same objects
(see :func:`formflow.design.operations.apply_ops`).  A :class:`DocumentCache` remembers,
by a document's identity, its schema problems and the model object built from it, so a
new check validates and builds only what changed.  An entity's fields are validated one
by one (each remembered by its JSON text), so a changed field costs one field's
validation, not the whole document's.  The model objects are immutable, which is what
makes reusing them safe.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from formflow.expressions import ExpressionError
from formflow.metadata.model import Entity, Field
from formflow.metadata.problems import Problem
from formflow.metadata.schema import SCHEMA_BASE, _explain, registry, validate_document

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

T = TypeVar("T")
#: A valid field standing in for each field while the rest of an entity is validated.
_PLACEHOLDER = {"name": "placeholder", "type": "text"}


class DocumentCache:
    """Per-document results, by the document object's identity (kept alive here, so an
    id is not reused while remembered).  Entries of documents not seen in the last use
    are dropped by :meth:`keep_only`."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._checked: dict[int, tuple[Any, tuple, tuple, list[Problem]]] = {}
        self._derived: dict[tuple[str, int], tuple[Any, Any]] = {}

    def get(self, what: str, document: Any, compute: Callable[[], T]) -> T:
        key = (what, id(document))
        entry = self._entries.get(key)
        if entry is None or entry[0] is not document:
            entry = self._entries[key] = (document, compute())
        return entry[1]

    def keep_only(self, documents: list[Any], entities: list[Any]) -> None:
        alive = {id(d) for d in documents}
        self._entries = {k: v for k, v in self._entries.items() if k[1] in alive}
        alive = {id(e) for e in entities}
        self._checked = {k: v for k, v in self._checked.items() if k in alive}
        self._derived = {k: v for k, v in self._derived.items() if k[1] in alive}

    def derived(self, function: Callable[[Any], T], entity: Any) -> T:
        """``function(entity)``, remembered while the entity is in the app."""
        key = (function.__name__, id(entity))
        entry = self._derived.get(key)
        if entry is None or entry[0] is not entity:
            entry = self._derived[key] = (entity, function(entity))
        return entry[1]

    def checked(self, checker, entity: Any, compute: Callable[[], list[Problem]]
                ) -> list[Problem]:
        """An entity's problems, from the last check when the entity and the objects it
        depends on are the same and the values it depends on equal."""
        objects, values = _dependencies(self, checker, entity)
        entry = self._checked.get(id(entity))
        if (entry is None or entry[0] is not entity or len(entry[1]) != len(objects)
                or any(a is not b for a, b in zip(entry[1], objects, strict=True))
                or entry[2] != values):
            entry = self._checked[id(entity)] = (entity, objects, values, compute())
        return entry[3]

    def validate(self, kind: str, document: Any, file: str) -> list[Problem]:
        return self.get(f"valid:{file}", document,
                        lambda: validate_fieldwise(kind, document, file))


def validate_fieldwise(kind: str, document: Any, file: str) -> list[Problem]:
    """The problems :func:`validate_document` finds, an entity's fields validated one
    by one."""
    fields = document.get("fields") if isinstance(document, dict) else None
    if kind != "entity" or not isinstance(fields, list) or not fields or not all(
            isinstance(f, dict) for f in fields):
        return validate_document(kind, document, file)
    problems = validate_document(kind, {**document, "fields": [_PLACEHOLDER] * len(fields)},
                                 file)
    for index, field in enumerate(fields):
        text = json.dumps(field, sort_keys=True, ensure_ascii=False, default=str)
        problems += [Problem(file, f"fields/{index}/{path}".rstrip("/"), message)
                     for path, message in _field_errors(text)]
    return sorted(problems)


@cache
def _field_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator({"$ref": f"{SCHEMA_BASE}entity.schema.json#/$defs/field"},
                                registry=registry())


@lru_cache(maxsize=16384)
def _field_errors(text: str) -> tuple[tuple[str, str], ...]:
    errors = _field_validator().iter_errors(json.loads(text))
    return tuple(sorted({pair for error in errors for pair in _explain(error)}))


# -- what an entity's check depends on ------------------------------------------------


def _dependencies(cache: DocumentCache, checker, entity: Entity) -> tuple[tuple, tuple]:
    """What an entity's problems depend on besides the entity itself: its process
    (an object), and as values the shapes (field names, types, targets, options) of
    the entities its links reach as far as its expressions follow links, the roles,
    the broken documents and the field types and functions known."""
    shapes: dict[str, tuple | None] = {}
    level = [entity]
    for _ in range(_link_depth(cache, checker, entity)):
        reached = []
        for target_name in {name for e in level for name in cache.derived(_link_targets, e)}:
            if target_name not in shapes:
                target = checker.model.entity(target_name)
                shapes[target_name] = None if target is None else cache.derived(_shape, target)
                if target is not None:
                    reached.append(target)
        level = reached
    app = checker.model.apps[entity.app]
    process = app.processes.get(entity.process) if entity.process else None
    values = (tuple(sorted(shapes.items(), key=lambda item: item[0])), checker.roles,
              checker.broken, checker.type_names, checker.functions)
    return (process,), values


def _link_depth(cache: DocumentCache, checker, entity: Entity) -> int:
    """How many links the entity's expressions follow at most (at least one: a link's
    target and a fetch are checked)."""
    depth = 1
    for text in cache.derived(_expressions, entity):
        compiled = checker.compile(text)
        if not isinstance(compiled, ExpressionError):
            depth = max(depth, *(len(chain) for chain in compiled.references), 1)
    return depth


def _all_fields(fields: Iterable[Field]) -> Iterator[Field]:
    for field in fields:
        yield field
        yield from _all_fields(field.fields)


EXPRESSION_KEYS = ("default_expr", "compute", "visible_if", "required_if", "readonly_if")


def _expressions(entity: Entity) -> tuple[str, ...]:
    texts = [getattr(f, key) for f in _all_fields(entity.fields) for key in EXPRESSION_KEYS]
    texts += [rule.check for rule in entity.rules]
    return tuple(text for text in texts if isinstance(text, str))


def _link_targets(entity: Entity) -> tuple[str, ...]:
    return tuple(sorted({f.to for f in _all_fields(entity.fields) if f.type == "link" and f.to}))


def _shape(entity: Entity) -> tuple:
    """What another entity's check may read of ``entity``: its fields' names, types,
    link targets, option values and columns."""
    def shape(fields) -> tuple:
        return tuple((f.name, f.type, f.to, tuple(o.value for o in f.options), shape(f.fields))
                     for f in fields)

    return entity.qualified_name, shape(entity.fields)
