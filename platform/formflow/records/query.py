"""List queries: parse ``field=value``, ``field__op=value``, ``q``, ``sort`` and paging
from request arguments, and build the SQL for one page and its total.

Only fields the caller may read can be filtered or sorted on (an unreadable field is
reported as unknown, so filters cannot be used as an oracle); every value is parsed by
its field type and bound as a parameter, and every column name comes from the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from formflow.errors import ServiceError
from formflow.fields import FieldValueError, Registry
from formflow.fields.base import ALL_OPERATORS
from formflow.fields.references import MAX_RECORD_ID
from formflow.i18n import Message
from formflow.metadata.model import SYSTEM_FIELDS, Entity, Field, Label

RESERVED = frozenset({"q", "sort", "page", "per_page"})
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
MAX_IN_VALUES = 500
#: Filter conditions in one query: each is a term of the WHERE clause, and SQLite
#: refuses an expression more than 1,000 terms deep.
MAX_FILTERS = 50
MAX_SEARCH_LENGTH = 200

SYSTEM_FIELD_OBJECTS = {
    name: Field(name=name, type=kind, label=Label.of(name)) for name, kind in SYSTEM_FIELDS.items()
}
#: System integer columns are 32-bit: a wider value must not reach the database.
SMALL_SYSTEM_INTEGERS = frozenset({"id", "_version", "_process_version"})


class BadQuery(ServiceError):
    status = 400


@dataclass(frozen=True)
class Filter:
    field: Field
    op: str
    value: Any  # parsed; a list for "in"; a bool for "isnull"


@dataclass(frozen=True)
class ListQuery:
    filters: tuple[Filter, ...] = ()
    search: str | None = None
    sort: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


def parse_list_query(
    entity: Entity,
    args: Mapping[str, Sequence[str]],
    field_types: Registry,
    readable: Callable[[Field], bool],
) -> ListQuery:
    """Parse request arguments (name -> list of values) into a ListQuery or raise BadQuery."""
    filters = []
    count = sum(len(values) for key, values in args.items() if key not in RESERVED)
    if count > MAX_FILTERS:
        raise BadQuery(Message("too_many_filters", {"max": MAX_FILTERS, "count": count}))
    for key, values in args.items():
        if key in RESERVED:
            continue
        name, _, op = key.partition("__")
        op = op or "eq"
        target = _filterable(entity, name, field_types, readable)
        if target is None:
            raise BadQuery(Message("unknown_filter", {"name": name[:100]}))
        if op not in ALL_OPERATORS:
            raise BadQuery(
                Message("unknown_operator", {"op": op[:20], "ops": ", ".join(ALL_OPERATORS)})
            )
        if op not in field_types[target.type].operators | {"eq"}:
            raise BadQuery(Message("operator_not_allowed", {"op": op, "name": name}))
        for raw in values:
            filters.append(Filter(target, op, _parse_filter_value(target, op, raw, field_types)))
    return ListQuery(
        filters=tuple(filters),
        search=_search(args),
        sort=_parse_sort(entity, _single(args, "sort"), field_types, readable)
        or _default_sort(entity, field_types, readable),
        page=_parse_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_parse_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def _filterable(entity, name, field_types, readable) -> Field | None:
    if name in SYSTEM_FIELD_OBJECTS:
        return SYSTEM_FIELD_OBJECTS[name]
    target = entity.field(name)
    if target is None or not field_types[target.type].stored or not readable(target):
        return None
    return target


def _parse_filter_value(target: Field, op: str, raw: str, field_types: Registry) -> Any:
    field_type = field_types[target.type]
    try:
        if op == "isnull":
            value = field_types["boolean"].parse(target, raw)
            if value is None:
                raise FieldValueError(Message("invalid_boolean"))
            return value
        if op == "in":
            parts = [part for part in raw.split(",") if part != ""]
            if len(parts) > MAX_IN_VALUES:
                params = {"max": MAX_IN_VALUES, "count": len(parts)}
                raise FieldValueError(Message("too_many_values", params))
            return [_fit_column(target, field_type.parse_text(target, part)) for part in parts]
        if op == "contains":
            if field_type.name != "multiselect":
                return _searchable(raw)
            option = field_type.parse_text(target, raw)
            if option is None:
                raise FieldValueError(Message("required"))
            return option
        return _fit_column(target, field_type.parse_text(target, raw))
    except FieldValueError as error:
        params = {"name": target.name, "problem": error.message}
        raise BadQuery(Message("invalid_filter_value", params)) from None


def _fit_column(target: Field, value: Any) -> Any:
    if target.name in SMALL_SYSTEM_INTEGERS and value is not None and abs(value) > MAX_RECORD_ID:
        raise FieldValueError(Message("max_value", {"max": MAX_RECORD_ID}))
    return value


def _searchable(text: str) -> str:
    """Text to look for; NUL can be in no stored text (PostgreSQL refuses it outright)."""
    if "\x00" in text:
        raise FieldValueError(Message("control_characters"))
    return text


def _search(args) -> str | None:
    text = (_single(args, "q") or "").strip()
    if "\x00" in text:
        problem = {"name": "q", "problem": Message("control_characters")}
        raise BadQuery(Message("invalid_filter_value", problem))
    return text[:MAX_SEARCH_LENGTH] or None


def _default_sort(entity: Entity, field_types, readable) -> tuple[tuple[str, bool], ...]:
    """The list's own sort, without the fields the user may not read (their order would
    tell what they hold)."""
    text = entity.list.sort if entity.list and entity.list.sort else "-_created_at"
    names = [part for part in text.split(",") if part.strip()]
    kept = ",".join(
        part for part in names
        if _filterable(entity, part.strip().lstrip("+-"), field_types, readable) is not None
    )
    return _parse_sort(entity, kept or "-_created_at", field_types, readable)


def _parse_sort(entity, text: str | None, field_types, readable) -> tuple[tuple[str, bool], ...]:
    keys = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        descending = part.startswith("-")
        name = part[1:] if part[:1] in "-+" else part
        if _filterable(entity, name, field_types, readable) is None:
            raise BadQuery(Message("unknown_sort", {"name": name[:100]}))
        sorted_field = entity.field(name) or SYSTEM_FIELD_OBJECTS[name]
        if field_types[sorted_field.type].name == "multiselect":
            raise BadQuery(Message("unknown_sort", {"name": name}))
        keys.append((name, descending))
    return tuple(keys[:5])


def _single(args, name: str) -> str | None:
    values = args.get(name)
    return values[-1] if values else None


def _parse_int(args, name: str, default: int, low: int, high: int) -> int:
    text = _single(args, name)
    if text is None or text == "":
        return default
    whole = text.isascii() and text.isdigit() and len(text) <= 18
    if not whole or not low <= int(text) <= high:
        raise BadQuery(Message("invalid_page", {"name": name, "min": low, "max": high}))
    return int(text)


# -- SQL ---------------------------------------------------------------------------


def where_clauses(
    table: sa.Table, filters: Sequence[Filter], search: str | None, search_fields: Sequence[str]
) -> list:
    """Conditions for the filters and the search.  Filters on user and department fields
    must carry ids by now (the records service translates names and codes)."""
    clauses = [_condition(table.c[item.field.name], item) for item in filters]
    if search:
        pattern = "%" + _escape_like(search) + "%"
        columns = [table.c._number, table.c._title, *(table.c[name] for name in search_fields)]
        clauses.append(sa.or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    return clauses


_COMPARISONS = {
    "eq": lambda column, value: column == value,
    "ne": lambda column, value: sa.or_(column != value, column.is_(None)),
    "lt": lambda column, value: column < value,
    "lte": lambda column, value: column <= value,
    "gt": lambda column, value: column > value,
    "gte": lambda column, value: column >= value,
}


def _condition(column, item: Filter):
    op, value = item.op, item.value
    if op == "eq" and value is not None and item.field.type == "multiselect":
        op = "contains"  # ``tags=vip``: the records holding that option
    if op == "isnull":
        return column.is_(None) if value else column.is_not(None)
    if op == "in":
        return column.in_(value) if value else sa.false()
    if op == "contains":
        if item.field.type == "multiselect":
            return sa.cast(column, sa.Text).like('%"' + _escape_like(value) + '"%', escape="\\")
        return column.ilike("%" + _escape_like(value) + "%", escape="\\")
    if value is None:
        return column.is_(None) if op == "eq" else column.is_not(None)
    return _COMPARISONS[op](column, value)


def order_by(table: sa.Table, query: ListQuery) -> list:
    clauses = []
    for name, descending in query.sort:
        column = table.c[name]
        clause = column.desc() if descending else column.asc()
        clauses.append(clause.nulls_last() if column.nullable and name != "id" else clause)
    last_descending = query.sort[-1][1] if query.sort else True
    if not any(name == "id" for name, _ in query.sort):
        clauses.append(table.c.id.desc() if last_descending else table.c.id.asc())
    return clauses


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
