"""Expressions applied to a record: defaults, computed values, fetched values, conditions.

A record is seen by expressions through :class:`RecordScope`, a read-only mapping of its
values in which a link field yields the linked record (loaded lazily through a callback)
and a table field yields its rows, each row seeing its parent as ``parent``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from formflow.expressions import EvaluationContext, EvaluationError, compile_expression
from formflow.metadata.compute_graph import evaluation_order
from formflow.metadata.model import Entity, Field

#: Loads a record as a mapping of internal values: (qualified entity, id) -> mapping or None.
Follow = Callable[[str, int], Mapping[str, Any] | None]


class RecordScope(Mapping):
    """The names an expression sees for one record (or one line-item row)."""

    def __init__(
        self,
        fields: tuple[Field, ...],
        values: Mapping[str, Any],
        follow: Follow,
        model_entity: Callable[[str], Entity | None],
        parent: RecordScope | None = None,
    ):
        self._fields = {f.name: f for f in fields}
        self._values = values
        self._follow = follow
        self._entity = model_entity
        self._parent = parent

    def __getitem__(self, name: str) -> Any:
        if name == "parent" and self._parent is not None:
            return self._parent
        value = self._values.get(name)
        field = self._fields.get(name)
        if field is None or value is None:
            return value
        if field.type == "link":
            target = self._entity(field.to or "")
            linked = self._follow(field.to or "", value)
            if target is None or linked is None:
                return None
            return RecordScope(target.fields, linked, self._follow, self._entity)
        if field.is_table:
            return [
                RecordScope(field.fields, row, self._follow, self._entity, parent=self)
                for row in value
            ]
        return value

    def __eq__(self, other: object) -> bool:
        """Two stored records are equal when they are the same record."""
        if isinstance(other, RecordScope) and "id" in self._values and "id" in other._values:
            return self._fields is other._fields or (
                self._fields.keys() == other._fields.keys()
            ) and self._values["id"] == other._values["id"]
        return super().__eq__(other)

    __hash__ = None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def evaluate(text: str, scope: Mapping[str, Any], context: EvaluationContext) -> Any:
    """Evaluate; a runtime problem (say ``None + 1`` on an empty field) yields None."""
    try:
        return compile_expression(text, functions=tuple(context.functions)).evaluate(
            scope, context
        )
    except EvaluationError:
        return None


def fields_named(text: str, fields: Collection[Field],
                 functions: Collection[str] = ()) -> list[Field]:
    """The fields of ``fields`` an expression reads, in their order (``a.b`` and
    ``lines.qty`` name ``a`` and ``lines``)."""
    read = {reference[0] for reference in
            compile_expression(text, functions=tuple(functions)).references}
    return [field for field in fields if field.name in read]


def holds(text: str | None, scope: Mapping[str, Any], context: EvaluationContext) -> bool:
    """Whether a condition holds; an absent condition never holds."""
    return bool(text) and bool(evaluate(text, scope, context))


def apply_defaults(fields: tuple[Field, ...], values: dict, scope, context, field_types) -> None:
    """Fill fields the caller left out with their ``default`` or ``default_expr``
    (a default that does not fit its field is left out rather than failing the save)."""
    for field in fields:
        if field.name in values or field.compute:
            continue
        field_type = field_types[field.type]
        try:
            if field.default is not None:
                values[field.name] = field_type.parse(field, field.default)
            elif field.default_expr:
                value = evaluate(field.default_expr, scope, context)
                values[field.name] = (
                    None if value is None else field_type.from_computed(field, value)
                )
        except ValueError:
            values[field.name] = None


def compute_order(
    entity: Entity, functions: Collection[str] = ()
) -> tuple[tuple[Field | None, Field], ...]:
    """The computed fields and line-item columns of ``entity`` as ``(table or None,
    field)``, each after those it reads (``functions``: the expression functions plugins
    add)."""
    functions = frozenset(functions)
    entry = _ORDERS.get(id(entity))
    if entry is None or entry[0] is not entity or entry[1] != functions:
        def references(text: str):
            return compile_expression(text, functions=functions).references

        order = evaluation_order(entity, references)
        entry = _ORDERS[id(entity)] = (entity, functions, order)
    return entry[2]


#: compute_order's results by the id of the entity (kept alive by the entry).
_ORDERS: dict[int, tuple[Entity, frozenset[str], tuple[tuple[Field | None, Field], ...]]] = {}


def compute_values(entity: Entity, record: dict, scope: RecordScope,
                   context: EvaluationContext, field_types) -> None:
    """Fill ``record``'s computed fields and line-item columns (``scope`` sees it), each
    after the computed values it reads (a column reading ``parent.x``, a total reading
    a computed column, ...).  A value that does not fit its field is left empty."""
    for table, field in compute_order(entity, context.functions):
        if table is None:
            record[field.name] = _computed_value(field, scope, context, field_types)
            continue
        for row, row_scope in rows_with_scopes(record, scope, table):
            row[field.name] = _computed_value(field, row_scope, context, field_types)


def _computed_value(field: Field, scope: Mapping[str, Any], context, field_types) -> Any:
    value = evaluate(field.compute or "", scope, context)
    if value is None:
        return None
    try:
        return field_types[field.type].from_computed(field, value)
    except ValueError:
        return None


def rows_with_scopes(record: Mapping[str, Any], scope: RecordScope, field: Field):
    """Each line item of the table ``field`` with its expression scope."""
    return zip(record.get(field.name) or [], scope[field.name] or [], strict=False)
