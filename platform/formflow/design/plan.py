"""The publish plan of a site app in words, with the rows each step touches.

The storage planner (:mod:`formflow.storage.migrate_plan`) says what the database must
do; this module keeps the steps of one app's tables and says them the way a business
user reads them: "adds column phone", "renames tel → phone keeping 1,204 values",
"3 rows cannot become integer: #12 'abc'".  Removed fields are planned as drops (the
destructive step a publish must confirm); hiding a field keeps its column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.catalog import CATALOG
from formflow.fields import Registry
from formflow.i18n import Message
from formflow.storage.migrate_plan import MigrationStep, make_plan
from formflow.storage.tables import Schema

#: Rows named per problem; more are shown as "…".
MAX_EXAMPLES = 3
_FAILED = re.compile(r"^(?P<where>[\w.]+): (?P<count>\d+) of \d+ values cannot be converted "
                     r"from .+ to (?P<type>\w+);")
_ROW = re.compile(r"^(?P<where>[\w.]+): id (?P<id>\d+): (?P<rest>.*)$", re.DOTALL)
_LONG = re.compile(r"^(?P<where>[\w.]+): id (?P<id>\d+) holds (?P<chars>\d+) characters, "
                   r"more than the new maximum of (?P<max>\d+)")


@dataclass
class PublishPlan:
    steps: list[dict] = field(default_factory=list)
    #: {"path", "message"} of every change the data does not allow.
    problems: list[dict] = field(default_factory=list)
    #: The storage steps of the app (to apply), and whether any drops data.
    destructive: bool = False


def plan_app(conn: Connection, schema: Schema, field_types: Registry, app: str) -> PublishPlan:
    plan = make_plan(conn, schema, field_types, allow_destructive=True)
    prefix = f"{app}__"
    result = PublishPlan()
    for step in plan.steps:
        if step.table.startswith(prefix):
            text, rows = _describe(conn, step, prefix)
            result.steps.append({"text": text, "destructive": step.destructive, "rows": rows})
            result.destructive |= step.destructive
    result.problems = _problems([p for p in plan.problems if p.startswith(prefix)], prefix)
    return result


def _where(table: str, prefix: str) -> tuple[str, str | None]:
    """The entity (and table field) a table stores."""
    entity, _, lines = table.removeprefix(prefix).partition("__")
    return entity, lines or None


def _path(table: str, column: str | None, prefix: str) -> str:
    entity, lines = _where(table, prefix)
    path = f"entities/{entity}"
    if lines:
        path += f"/fields/{lines}"
    return f"{path}/fields/{column}" if column else path


def _count(conn: Connection, table: str, column: str | None = None) -> int:
    what = sa.func.count(sa.column(column)) if column else sa.func.count()
    return conn.execute(sa.select(what).select_from(sa.table(table))).scalar() or 0


def _describe(conn: Connection, step: MigrationStep, prefix: str) -> tuple[Message, int]:
    entity, lines = _where(step.table, prefix)
    owner = f"{entity}.{lines}" if lines else entity
    kind, column = step.kind, step.column
    params = {"owner": owner, "column": column, "entity": entity}
    rows = 0
    if kind in ("rename_column", "drop_column", "archive_column", "alter_column"):
        rows = _count(conn, step.table, column)
        params["values"] = _n(rows, "value")
    elif kind in ("rename_table", "keep_table"):
        rows = _count(conn, step.table)
        params["rows"] = _n(rows, "row")
    if kind == "create_table":
        return Message("design_step_create_lines" if lines else "design_step_create", params), 0
    if kind in ("rename_column", "rename_table"):
        params["new"] = (step.new_name or "").rpartition("__")[2]
    if kind == "alter_column":
        kind = {"widen": "widen", "narrow": "narrow"}.get(step.change, "convert")
    if kind in ("add_index", "drop_index"):
        params["index"] = step.index
    if f"design_step_{kind}" in CATALOG:
        return Message(f"design_step_{kind}", params), rows
    return Message("design_step_other", {"text": step.description}), rows


def _problems(lines: list[str], prefix: str) -> list[dict]:
    """The storage planner's refusals, one problem per column, in words."""
    failed: dict[str, dict] = {}

    def entry(where: str) -> dict:
        return failed.setdefault(where, {"message": None, "examples": [], "count": 0})

    for line in lines:
        if match := _FAILED.match(line):
            found = entry(match["where"])
            found["count"] = int(match["count"])
            found["message"] = Message("design_rows_not_convertible", {
                "rows": _n(found["count"], "row"), "type": match["type"]})
        elif match := _LONG.match(line):
            found = entry(match["where"])
            found["count"] += 1
            found["message"] = Message("design_rows_too_long", {
                "rows": _n(found["count"], "row"), "max": match["max"]})
            found["examples"].append(f"#{match['id']}")
        elif match := _ROW.match(line):
            entry(match["where"])["examples"].append(f"#{match['id']} {_value(match['rest'])}")
        else:
            entry(line)["message"] = Message("design_step_other", {"text": line, "examples": ""})
    problems = []
    for where, found in failed.items():
        table, _, column = where.rpartition(".")
        path = _path(table, column, prefix) if re.fullmatch(r"\w+\.\w+", where) else ""
        examples = ", ".join(found["examples"][:MAX_EXAMPLES])
        if len(found["examples"]) > MAX_EXAMPLES or found["count"] > MAX_EXAMPLES:
            examples += ", …"
        message = found["message"]
        message.params["examples"] = f": {examples}" if examples else ""
        problems.append({"path": path, "message": message})
    return problems


def _value(rest: str) -> str:
    """The value's repr at the start of ``rest`` (``'abc': reason``)."""
    if rest[:1] in ("'", '"'):
        quote, i = rest[0], 1
        while i < len(rest) and rest[i] != quote:
            i += 2 if rest[i] == "\\" else 1
        return rest[: i + 1]
    return rest.partition(": ")[0]


def _n(count: int, noun: str) -> Message:
    """``1 value``, ``1,204 values``: a count in the reader's language."""
    return Message(f"design_{noun}_one" if count == 1 else f"design_{noun}s",
                   {"n": f"{count:,}"})


def localized(items: list[dict], lang: str | None) -> list[dict]:
    """Steps or problems with their texts (messages) in ``lang``."""
    return [{key: value.render(lang) if isinstance(value, Message) else value
             for key, value in item.items()} for item in items]
