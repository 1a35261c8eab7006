"""The checks of one dashboard document that a schema cannot make: every widget's record
type is in the app, its fields exist and fit their use (``sum`` and ``avg`` of a number,
a date ``bucket`` of a date), a chart groups by something, the roles and filters are
known.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from formflow.metadata.dashboard_model import Dashboard, Widget
from formflow.metadata.model import Entity
from formflow.metadata.problems import Problem
from formflow.metadata.problems import hint as _hint

if TYPE_CHECKING:
    from formflow.metadata.checker import _Checker

NUMBERS = frozenset({"integer", "decimal", "money", "percent", "rating"})
DATES = frozenset({"date", "datetime"})
#: Field types a chart may group by without a bucket, and a filter may pick one value of.
CATEGORIES = frozenset({"select", "user", "boolean", "department", "rating"})
SYSTEM_TYPES = {"_created_at": "datetime", "_updated_at": "datetime", "_state": "select",
                "_created_by": "user", "_number": "text", "_title": "text", "id": "integer"}


def field_type(entity: Entity, name: str) -> str | None:
    """The type of field ``name`` of ``entity`` (system fields included), None if none."""
    if name in SYSTEM_TYPES:
        return SYSTEM_TYPES[name]
    found = next((f for f in entity.scalar_fields if f.name == name), None)
    return found.type if found is not None else None


def dashboard_problems(checker: _Checker, dashboard: Dashboard) -> Iterator[Problem]:
    for path, message in _messages(checker, dashboard):
        yield Problem(dashboard.source, path, message)


def _messages(checker: _Checker, dashboard: Dashboard) -> Iterator[tuple[str, str]]:
    for index, role in enumerate(dashboard.roles):
        problem = checker.role_problem(role)
        if problem:
            yield f"roles/{index}", problem
    entities = []
    for index, widget in enumerate(dashboard.widgets):
        entity = checker.model.entity(widget.entity)
        if entity is None or entity.app != dashboard.app:
            if not checker.is_broken(widget.entity):
                yield f"widgets/{index}/entity", f"unknown entity {widget.entity!r} in this app"
            continue
        entities.append(entity)
        for path, message in _widget(entity, widget):
            yield f"widgets/{index}/{path}", message
    for index, name in enumerate(dashboard.filters):
        types = {field_type(e, name) for e in entities} - {None}
        if not types:
            yield f"filters/{index}", f"no widget's entity has a field {name!r}"
        elif not types <= CATEGORIES | DATES:
            yield f"filters/{index}", "filter by a select, user, boolean, date or datetime field"


def _widget(entity: Entity, widget: Widget) -> Iterator[tuple[str, str]]:
    names = [f.name for f in entity.scalar_fields] + list(SYSTEM_TYPES)
    if widget.aggregate in ("sum", "avg"):
        kind = field_type(entity, widget.measure) if widget.measure else None
        if widget.measure is None:
            yield "field", f"{widget.aggregate} needs the field it adds up"
        elif kind is None:
            yield "field", f"unknown field {widget.measure!r}" + _hint(widget.measure, names)
        elif kind not in NUMBERS:
            yield "field", f"{widget.aggregate} needs a number field, not a {kind} field"
    if widget.type in ("bar", "line", "pie"):
        kind = field_type(entity, widget.group_by) if widget.group_by else None
        if widget.group_by is None:
            yield "group_by", f"a {widget.type} chart needs group_by"
        elif kind is None:
            yield "group_by", f"unknown field {widget.group_by!r}" + _hint(widget.group_by, names)
        elif kind in DATES and widget.bucket is None:
            yield "bucket", "grouping by a date needs a bucket: day, week or month"
        elif kind not in DATES and kind not in CATEGORIES:
            yield "group_by", f"group by a select, user, boolean or date field, not a {kind} field"
        elif widget.bucket is not None and kind not in DATES:
            yield "bucket", "a bucket groups a date or datetime field"
    for name in widget.where:
        if field_type(entity, name) is None:
            yield f"where/{name}", f"unknown field {name!r}" + _hint(name, names)
    for index, name in enumerate(widget.columns):
        if field_type(entity, name) is None:
            yield f"columns/{index}", f"unknown field {name!r}" + _hint(name, names)
    if widget.sort and field_type(entity, widget.sort.lstrip("-")) is None:
        yield "sort", f"unknown field {widget.sort.lstrip('-')!r}"
    if widget.type == "table" and not widget.columns:
        yield "columns", "a table lists columns"
