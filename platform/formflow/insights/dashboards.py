"""Dashboards over records (``dashboards/<name>.json`` in an app): number cards, bar,
line and pie charts grouped by a field or a date bucket, and tables, with filters.

Every widget counts only the records its reader may read (their scope on the entity,
soft-deleted records left out) and is left out when the reader may not read the entity
or a field it uses.  A dashboard with ``roles`` is shown to holders of one of them (and
admins) only.  Dates are bucketed by their UTC day; weeks are ISO weeks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from formflow.auth import User, can_read_field, grant_for
from formflow.auth.tables import users
from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import Message
from formflow.metadata.dashboard_lint import DATES, field_type
from formflow.metadata.dashboard_model import Dashboard, Widget
from formflow.metadata.model import Entity, Model

#: A bar or pie chart shows at most this many groups, the largest first.
MAX_GROUPS = 20


@dataclass
class Shown:
    """One widget as its reader sees it: a number, a chart's (label, value) points, or a
    table's rows (``id`` and each column's text)."""

    widget: Widget
    entity: Entity
    value: float | None = None
    points: list[tuple[str, float]] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


class DashboardService:
    def __init__(self, db, model: Model, schema, timezone: tzinfo, records):
        self.db = db
        self.records = records
        self.model = model
        self.schema = schema
        self.timezone = timezone

    def available(self, user: User) -> list[Dashboard]:
        """The dashboards ``user`` may open, by app and name."""
        found = [d for app in self.model.apps.values() for d in app.dashboards.values()]
        return [d for d in sorted(found, key=lambda d: (d.app, d.name))
                if self._may_open(user, d)]

    def dashboard(self, user: User, app: str, name: str) -> Dashboard:
        found = self.model.apps.get(app)
        dashboard = found.dashboards.get(name) if found else None
        if dashboard is None or not self._may_open(user, dashboard):
            raise NotFound(Message("not_found"))
        return dashboard

    def show(self, user: User, dashboard: Dashboard, filters: Mapping[str, Any],
             lang: str) -> list[Shown]:
        """The widgets ``user`` may read, computed under ``filters`` (see
        :meth:`parse_filters`), with option labels and names in ``lang``."""
        shown = []
        hidden: dict[str, frozenset[str]] = {}  # per entity: hidden on some record
        with self.db.read() as conn:
            for widget in dashboard.widgets:
                entity = self.model.entity(widget.entity)
                if not self._readable(user, entity, widget):
                    continue
                if entity.qualified_name not in hidden:
                    hidden[entity.qualified_name] = self.records.scopes.hidden_anywhere(
                        conn, user, entity)
                if hidden[entity.qualified_name] & (_used(widget) | set(filters)):
                    continue  # a process step hides a field it shows or filters on
                table = self.schema[entity.qualified_name].main
                where = [table.c._deleted_at.is_(None)]
                scope = self.records.read_condition(conn, user, entity)
                if scope is not None:
                    where.append(scope)
                where += self._conditions(conn, entity, table, widget.where, filters)
                found = self._compute(conn, entity, table, widget, where)
                _words(conn, found, lang)
                shown.append(found)
        return shown

    def parse_filters(self, dashboard: Dashboard, args: Mapping[str, str]) -> dict[str, Any]:
        """``{field: value}`` or ``{field: (from, to)}`` from the query (``f_<field>``,
        ``f_<field>_from``, ``f_<field>_to``); a bad date is a 422 naming the filter."""
        chosen: dict[str, Any] = {}
        for name in dashboard.filters:
            kind = self.filter_kind(dashboard, name)
            if kind in DATES:
                ends = []
                for end in ("from", "to"):
                    text = (args.get(f"f_{name}_{end}") or "").strip()
                    try:
                        ends.append(date.fromisoformat(text) if text else None)
                    except ValueError:
                        raise ValidationFailed(
                            {f"f_{name}_{end}": [Message("insights_date")]}) from None
                if any(ends):
                    chosen[name] = tuple(ends)
            elif (args.get(f"f_{name}") or "").strip():
                chosen[name] = args[f"f_{name}"].strip()[:200]
        return chosen

    def filter_kind(self, dashboard: Dashboard, name: str) -> str | None:
        for widget in dashboard.widgets:
            entity = self.model.entity(widget.entity)
            kind = field_type(entity, name) if entity else None
            if kind is not None:
                return kind
        return None

    # -- inside -------------------------------------------------------------------------

    def _may_open(self, user: User, dashboard: Dashboard) -> bool:
        if dashboard.roles and not user.is_admin and not set(dashboard.roles) & user.roles:
            return False
        return any(self._readable(user, self.model.entity(w.entity), w)
                   for w in dashboard.widgets)

    @staticmethod
    def _readable(user: User, entity: Entity | None, widget: Widget) -> bool:
        if entity is None or not grant_for(entity, user.roles).read:
            return False
        used = _used(widget)
        return all(can_read_field(f, user.roles) for f in entity.scalar_fields
                   if f.name in used)

    def _conditions(self, conn, entity: Entity, table, where: Mapping[str, Any],
                    filters: Mapping[str, Any]) -> list:
        conditions = []
        for name, value in [*where.items(), *filters.items()]:
            kind = field_type(entity, name)
            if kind is None:
                continue  # a dashboard filter on a field this entity lacks
            column = table.c[name]
            if isinstance(value, tuple):
                first, last = value
                if first is not None:
                    conditions.append(column >= self._day_start(first, kind))
                if last is not None:
                    conditions.append(column < self._day_start(last, kind, after=True))
            elif value is None:
                conditions.append(column.is_(None))
            elif kind == "user":
                conditions.append(column == sa.select(users.c.id)
                                  .where(users.c.username == value).scalar_subquery())
            elif kind == "boolean":
                conditions.append(column.is_(value in (True, "true", "1", "yes")))
            else:
                conditions.append(column == value)
        return conditions

    def _day_start(self, day: date, kind: str, after: bool = False):
        if after:
            day = date.fromordinal(day.toordinal() + 1)
        if kind == "date":
            return day
        return datetime.combine(day, time(), self.timezone)

    def _compute(self, conn, entity: Entity, table, widget: Widget, where: list) -> Shown:
        shown = Shown(widget, entity)
        measure = table.c[widget.measure] if widget.measure else None
        if widget.type == "number":
            shown.value = _number(conn.scalar(sa.select(_aggregate(widget, measure))
                                              .where(*where)))
        elif widget.type == "table":
            columns = [table.c.id, *(table.c[name] for name in widget.columns)]
            sort = widget.sort or "-_created_at"
            order = table.c[sort.lstrip("-")]
            query = (sa.select(*columns).where(*where)
                     .order_by(order.desc() if sort.startswith("-") else order, table.c.id)
                     .limit(widget.limit))
            shown.rows = [dict(row._mapping) for row in conn.execute(query)]
        elif widget.bucket is not None:
            shown.points = self._buckets(conn, table, widget, measure, where)
        else:
            key = table.c[widget.group_by]
            value = _aggregate(widget, measure).label("value")
            rows = conn.execute(sa.select(key, value).where(*where).group_by(key)
                                .order_by(value.desc()).limit(MAX_GROUPS))
            shown.points = [(k, _number(v) or 0.0) for k, v in rows]
        return shown

    def _buckets(self, conn, table, widget: Widget, measure, where: list) -> list:
        column = table.c[widget.group_by]
        day = column if field_type(self.model.entity(widget.entity),
                                   widget.group_by) == "date" else sa.func.date(column)
        total = sa.func.sum(measure) if measure is not None else sa.func.count()
        count = sa.func.count(measure) if measure is not None else sa.func.count()
        sums: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for when, amount, number in conn.execute(
                sa.select(day, total, count).where(*where, column.is_not(None)).group_by(day)):
            key = _bucket(when, widget.bucket)
            sums[key] += _number(amount) or 0.0
            counts[key] += number
        if widget.aggregate == "avg":
            return [(k, round(sums[k] / counts[k], 2)) for k in sorted(sums) if counts[k]]
        if widget.aggregate == "count":
            return [(k, float(counts[k])) for k in sorted(counts)]
        return [(k, round(sums[k], 2)) for k in sorted(sums)]


def _used(widget: Widget) -> set[str]:
    """The fields a widget shows, counts, groups, sorts or filters by."""
    return {widget.measure, widget.group_by, *widget.where, *widget.columns,
            (widget.sort or "").lstrip("-")}


def _words(conn, shown: Shown, lang: str) -> None:
    """Option labels, people's names and yes/no in place of stored values."""
    entity, widget = shown.entity, shown.widget
    if widget.bucket is None and shown.points:
        texts = _texts(conn, entity, widget.group_by, [k for k, _ in shown.points], lang)
        shown.points = [(texts[k], v) for k, v in shown.points]
    for name in widget.columns:
        texts = _texts(conn, entity, name, [row[name] for row in shown.rows], lang)
        for row in shown.rows:
            row[name] = texts[row[name]]


def _texts(conn, entity: Entity, name: str, values: list, lang: str) -> dict:
    kind = field_type(entity, name)
    found = next((f for f in entity.scalar_fields if f.name == name), None)
    if kind == "user":
        ids = {v for v in values if v is not None}
        names = dict(conn.execute(
            sa.select(users.c.id, sa.func.coalesce(users.c.display_name, users.c.username))
            .where(users.c.id.in_(ids))).all()) if ids else {}
        return {v: names.get(v, "—") if v is not None else "—" for v in values}
    if kind == "select" and found is not None and found.options:
        labels = {o.value: o.label.text(lang) for o in found.options}
        return {v: labels.get(v, "—" if v is None else str(v)) for v in values}
    if kind == "boolean":
        words = {"zh-CN": ("是", "否")}.get(lang, ("yes", "no"))
        return {v: "—" if v is None else words[0] if v else words[1] for v in values}
    return {v: "—" if v is None else _plain(v) for v in values}


def _plain(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()[:16].replace("T", " ")
    return str(value)


def _aggregate(widget: Widget, measure) -> sa.ColumnElement:
    if widget.aggregate == "sum":
        return sa.func.sum(measure)
    if widget.aggregate == "avg":
        return sa.func.avg(measure)
    return sa.func.count()


def _bucket(value, bucket: str) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if bucket == "month":
        return f"{day.year}-{day.month:02d}"
    if bucket == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def _number(value) -> float | None:
    if value is None:
        return None
    return round(float(value), 2) if isinstance(value, Decimal | float) else float(value)
