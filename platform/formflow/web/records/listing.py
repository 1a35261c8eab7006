"""An entity's list (``/<app>/<entity>/``) and its trash.

The query string is the REST API's (``field=value``, ``field__op=value``, ``q``, ``sort``,
``page``, ``per_page``), so a filtered view is a bookmarkable URL; htmx replaces only the
results and pushes the URL.  Date inputs filtering a date-and-time field mean whole days
in the configured time zone.
"""

from __future__ import annotations

import math
from datetime import datetime, time
from urllib.parse import urlencode

from flask import current_app, request, url_for
from flask_babel import gettext as _

from formflow.auth import User, can_read_field
from formflow.errors import Forbidden, ServiceError
from formflow.metadata.model import SYSTEM_FIELDS, Entity, Field
from formflow.records.query import DEFAULT_PER_PAGE
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.records.display import (
    References,
    field_type,
    picker_label,
    system_field,
    title_fields,
)
from formflow.web.records.entities import entity_crumbs, entity_or_404
from formflow.web.rendering import render

PAGE_SIZES = (10, 25, 50, 100)
#: Query-string keys that shape the page, not the records the service returns.
PAGE_ONLY = frozenset({"columns", "view"})


def list_columns(entity: Entity, user: User, chosen: list[str] | None = None) -> list[Field]:
    """The list's columns the user may read (system fields as stand-in Fields): the
    ones the user chose among :func:`column_choices`, else the metadata's."""
    if chosen:
        offered = {f.name: f for f in column_choices(entity, user)}
        picked = [offered[n] for n in chosen if n in offered]
        if picked:
            return picked
    names = list(entity.list.columns) if entity.list else []
    if not names:
        names = ["_number" if entity.numbering else "_title"] + [
            f.name for f in entity.fields if not f.is_table
        ][:5]
    return [f for f in (_field(entity, n) for n in names) if f is not None and _readable(f, user)]


def column_choices(entity: Entity, user: User) -> list[Field]:
    """Every column a user may show: the fields they may read (no line items) and the
    system fields people read."""
    system = (["_number"] if entity.numbering else []) + ["_title"] + (
        ["_state"] if entity.process else []
    )
    fields = [f for f in entity.fields if not f.is_table and _readable(f, user)]
    tail = ["_created_at", "_created_by", "_updated_at"]
    return [*(system_field(n) for n in system), *fields, *(system_field(n) for n in tail)]


def list_filters(entity: Entity, user: User) -> list[Field]:
    names = entity.list.filters if entity.list else ()
    return [f for f in (_field(entity, n) for n in names) if f is not None and _readable(f, user)]


def _field(entity: Entity, name: str) -> Field | None:
    if name in SYSTEM_FIELDS:
        return system_field(name)
    return entity.field(name)


def _readable(field: Field, user: User) -> bool:
    return field.name in SYSTEM_FIELDS or can_read_field(field, user.roles)


def list_args() -> dict[str, list[str]]:
    """The query string without empty values (an empty filter input means no filter)."""
    return {
        key: kept
        for key, values in request.args.lists()
        if not key.startswith("_q_")
        and key != "listbox"
        and (kept := [v for v in values if v.strip() != ""])
    }


def service_args(entity: Entity, args: dict[str, list[str]]) -> dict[str, list[str]]:
    """The list arguments for the records service: a day given for a date-and-time
    range becomes the start or the end of that day, local time; the values of ticked
    boxes (``_state__in`` once per state) become one list; without ``per_page``, the
    entity's list page size applies."""
    zone = current_app.config["TIMEZONE"]
    converted = {}
    if "per_page" not in args and entity.list and entity.list.page_size:
        converted["per_page"] = [str(entity.list.page_size)]
    for key, values in args.items():
        if key in PAGE_ONLY:
            continue
        name, _sep, op = key.partition("__")
        target = _field(entity, name)
        if target is not None and target.type == "datetime" and op in ("gte", "lte", "gt", "lt"):
            values = [_day_bound(v, op, zone) for v in values]
        if op == "in" and len(values) > 1:  # ticked boxes: one value each
            values = [",".join(values)]
        converted[key] = values
    return converted


def _day_bound(text: str, op: str, zone) -> str:
    if len(text) != 10:
        return text
    try:
        day = datetime.fromisoformat(text).date()
    except ValueError:
        return text
    bound = time.max if op in ("lte", "gt") else time.min
    return datetime.combine(day, bound, tzinfo=zone).isoformat()


class Listing:
    """One page of a list as the templates show it."""

    def __init__(self, entity: Entity, user: User, args: dict[str, list[str]], *, deleted=False):
        self.entity = entity
        self.user = user
        self.args = args
        self.deleted = deleted
        self.columns = list_columns(entity, user, self.chosen_columns())
        self.filters = [] if deleted else list_filters(entity, user)
        self.grant = get_runtime().records.grant(user, entity)
        self.error = None
        self.page = None
        self.fetch()
        items = self.page.items if self.page else []
        shown = self.columns + self.filters_as_values()
        if any(c.name == "_title" for c in self.columns):
            shown += [f for f in title_fields(entity) if _readable(f, user)]
        self.refs = References(user).collect(shown, [*items, self.filter_values()])

    def fetch(self) -> None:
        """Read the page of records the arguments ask for."""
        try:
            self.page = get_runtime().records.list(
                self.user, self.entity.qualified_name, service_args(self.entity, self.args),
                deleted=self.deleted,
                sums=[f.name for f in self.columns if field_type(f).totalled],
            )
        except Forbidden:
            raise
        except ServiceError as error:  # a bad filter value: say so, show no rows
            self.error = error.message.render(page_language())

    # -- what is shown ----------------------------------------------------------------

    @property
    def items(self) -> list[dict]:
        return self.page.items if self.page else []

    @property
    def filtered(self) -> bool:
        return any(k not in ("sort", "page", "per_page", *PAGE_ONLY) for k in self.args)

    def value(self, key: str) -> str:
        return (self.args.get(key) or [""])[-1]

    def chosen_columns(self) -> list[str]:
        return [n for v in self.args.get("columns", []) for n in v.split(",") if n]

    def column_choices(self) -> list[Field]:
        return column_choices(self.entity, self.user)

    def shown(self, field: Field) -> bool:
        return any(c.name == field.name for c in self.columns)

    def totals(self) -> dict[str, object] | None:
        """The totals row (sums over every matching record), when a column adds up."""
        sums = self.page.sums if self.page else {}
        return dict(sums) if sums and self.page.total > 0 else None

    def query_string(self) -> str:
        """The list's settings as a query string (what a saved view keeps)."""
        return urlencode([(k, v) for k, vs in self.args.items() for v in vs if k != "page"])

    def values(self, key: str) -> set[str]:
        """Every value given for ``key`` (``_state__in=a,b`` or ``_state__in=a&...=b``)."""
        return {part for value in self.args.get(key, []) for part in value.split(",") if part}

    def filters_as_values(self) -> list[Field]:
        return [f for f in self.filters if field_type(f).filter_kind == "picker"]

    def filter_values(self) -> dict:
        found = {}
        for f in self.filters_as_values():
            value = self.value(f.name)
            record_id = field_type(f).reference == "record" and value.isdigit()
            found[f.name] = int(value) if record_id else value or None
        return found

    def end_aligned(self) -> set[str]:
        """The columns whose values sit at the end of their cells (numbers)."""
        return {f.name for f in self.columns if field_type(f).align == "end"}

    def picker_label(self, field: Field, raw: str) -> str:
        return picker_label(self.refs, field, raw)

    def sort(self) -> str:
        default = self.entity.list.sort if self.entity.list else "-_created_at"
        return self.value("sort") or default

    def sort_state(self, field: Field) -> str | None:
        first = self.sort().split(",")[0].strip()
        if first.lstrip("-+") != field.name:
            return None
        return "descending" if first.startswith("-") else "ascending"

    def sortable(self, field: Field) -> bool:
        return (
            not field.is_table
            and field.type != "multiselect"
            and (field.name in SYSTEM_FIELDS or get_runtime().field_types[field.type].stored)
        )

    def sort_url(self, field: Field) -> str:
        state = self.sort_state(field)
        return self.url(sort=f"-{field.name}" if state == "ascending" else field.name, page=None)

    def per_page(self) -> int:
        return self.page.per_page if self.page else DEFAULT_PER_PAGE

    def pages(self) -> int:
        if not self.page:
            return 1
        return max(1, math.ceil(self.page.total / self.page.per_page))

    def page_numbers(self) -> list[int | None]:
        """Page numbers around the current one (None marks a gap)."""
        current, last = (self.page.page if self.page else 1), self.pages()
        shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    def url(self, **changes) -> str:
        args = {k: list(v) for k, v in self.args.items()}
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = [str(value)]
        endpoint = "web.trash" if self.deleted else "web.list_records"
        return url_for(endpoint, app=self.entity.app, entity=self.entity.name, **args)

    def export_url(self, file_format: str = "csv") -> str:
        args = {k: v for k, v in self.args.items() if k not in ("page", "per_page", *PAGE_ONLY)}
        return url_for("web.export_records", app=self.entity.app, entity=self.entity.name,
                       file_format=file_format, **args)

    def record_url(self, item: dict) -> str:
        return url_for(
            "web.view_record", app=self.entity.app, entity=self.entity.name, record_id=item["id"]
        )


@web.get("/<app>/<entity>/")
def list_records(app: str, entity: str):
    user = signed_in()
    found = entity_or_404(app, entity)
    listing = Listing(found, user, list_args())
    return render(
        "records/list",
        "records/_list_results",
        entity=found,
        listing=listing,
        views=get_runtime().list_views.of(user, found.qualified_name),
        crumbs=entity_crumbs(found, page_language()),
        page_sizes=PAGE_SIZES,
        status=400 if listing.error else 200,
    )


@web.get("/<app>/<entity>/trash")
def trash(app: str, entity: str):
    user = signed_in()
    found = entity_or_404(app, entity)
    listing = Listing(found, user, list_args(), deleted=True)
    crumbs = [*entity_crumbs(found, page_language()), (_("Trash"), None)]
    return render(
        "records/trash",
        "records/_trash_results",
        entity=found,
        listing=listing,
        crumbs=crumbs,
        page_sizes=PAGE_SIZES,
    )
