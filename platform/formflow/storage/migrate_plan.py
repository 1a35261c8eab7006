"""Planning a schema sync: what must change so the database matches the desired tables.

A plan compares three things: the desired tables (built from the metadata), the database
(reflection) and the published catalog (the field types the columns had last time).  It
reads data only to prove a change is safe: every value of a column that changes type is
converted in memory first (:mod:`formflow.storage.migrate_convert`), and a value that
does not fit refuses the whole migration before anything is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.fields import Registry
from formflow.metadata.model import Field
from formflow.storage.indexes import ALIVE, ALIVE_SUFFIX
from formflow.storage.migrate_catalog import Catalog, field_columns, read_catalog
from formflow.storage.migrate_convert import TypeChange, describe_type, plan_type_change
from formflow.storage.system import published_apps
from formflow.storage.tables import MAX_IDENTIFIER, Schema, constraint_name

#: Steps run in this order; the returned plan lists them the same way.
PHASES = ("create", "rename", "drop_index", "remove", "alter", "add_column", "add_index", "keep")
ARCHIVE_PREFIX = "_archived_"


@dataclass(frozen=True)
class MigrationStep:
    """One change to the database, described for a human in ``description``."""

    kind: str
    table: str
    column: str | None
    description: str
    destructive: bool = False
    #: rename_table / rename_column / archive_column: the name the table or column gets.
    new_name: str | None = field(default=None, compare=False)
    #: add_index / drop_index: the index.
    index: str | None = field(default=None, compare=False)
    #: drop_index: the new index over the same columns that replaces it, if any.
    replaced_by: str | None = field(default=None, compare=False)
    #: alter_column: "widen", "narrow" or "convert".
    change: str | None = field(default=None, compare=False)
    #: add_column / alter_column: the desired column (type, foreign key).
    target: sa.Column | None = field(default=None, compare=False, repr=False)


class MigrationRefused(Exception):
    """The migration would lose or corrupt data; ``problems`` says where (one line each)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Plan:
    steps: list[MigrationStep]
    #: (table, column) -> [(row id, converted value)] for every "convert" step.
    conversions: dict[tuple[str, str], list[tuple[int, Any]]]
    problems: list[str]


def make_plan(
    conn: Connection, schema: Schema, field_types: Registry, *, allow_destructive: bool
) -> Plan:
    return _Planner(conn, schema, field_types, allow_destructive).plan()


def is_system_column(name: str) -> bool:
    """``id`` and every name starting with ``_`` (system fields, ``_parent_id``, ``_idx``,
    archived columns) belong to the platform: a plan never archives or drops them."""
    return name == "id" or name.startswith("_")


class _Planner:
    def __init__(self, conn: Connection, schema: Schema, field_types: Registry, allow_destructive):
        self.conn = conn
        self.schema = schema
        self.field_types = field_types
        self.allow_destructive = allow_destructive
        self.inspector = sa.inspect(conn)
        self.existing = set(self.inspector.get_table_names())
        self.catalog: Catalog = read_catalog(conn) if published_apps.name in self.existing else {}
        self.steps: dict[str, list[MigrationStep]] = defaultdict(list)
        self.conversions: dict[tuple[str, str], list[tuple[int, Any]]] = {}
        self.problems: list[str] = []

    def plan(self) -> Plan:
        wanted = self.schema.metadata.tables
        entity_tables = field_columns(self.schema)
        renamed_tables = self._renamed_tables()
        for table in self.schema.metadata.sorted_tables:
            if table.name not in self.existing and table.name not in renamed_tables:
                self._add("create", "create_table", table.name, None, self._create_text(table))
        for name, (_app, fields) in entity_tables.items():
            source = renamed_tables.get(name, name)
            if source in self.existing:
                self._plan_table(wanted[name], source, fields)
        for table in self.schema.metadata.sorted_tables:
            if table.name.startswith("ff_") and table.name in self.existing:
                self._plan_system_columns(table)
        kept = set(renamed_tables.values())
        for name in sorted(self.catalog):
            if name in self.existing and name not in wanted and name not in kept:
                text = f"{name}: kept with its data (no entity uses it any more)"
                self._add("keep", "keep_table", name, None, text)
        steps = [step for phase in PHASES for step in self.steps[phase]]
        return Plan(steps, self.conversions, self.problems)

    def _add(self, phase: str, kind: str, table: str, column: str | None, text: str, **extra):
        self.steps[phase].append(MigrationStep(kind, table, column, text, **extra))

    def _create_text(self, table: sa.Table) -> str:
        if table.name.startswith("ff_"):
            return f"{table.name}: create system table"
        for tables in self.schema.entities.values():
            if tables.main is table:
                return f"{table.name}: create table for {tables.entity.qualified_name}"
            for name, lines in tables.lines.items():
                if lines is table:
                    return (
                        f"{table.name}: create table for the line items of "
                        f"{tables.entity.qualified_name}.{name}"
                    )
        return f"{table.name}: create table"

    # -- tables ---------------------------------------------------------------------------

    def _renamed_tables(self) -> dict[str, str]:
        """Line-item tables of renamed table fields: ``{new name: old name}``."""
        renamed = {}
        for tables in self.schema.entities.values():
            entity = tables.entity
            for name, lines in tables.lines.items():
                source = getattr(entity.field(name), "renamed_from", None)
                old = f"{entity.app}__{entity.name}__{source}"
                if (
                    source
                    and lines.name not in self.existing
                    and old in self.existing
                    and old not in self.schema.metadata.tables
                ):
                    renamed[lines.name] = old
                    text = f"{old}: rename table to {lines.name} (field renamed; data kept)"
                    self._add("rename", "rename_table", old, None, text, new_name=lines.name)
        return renamed

    def _plan_table(self, table: sa.Table, source: str, fields: dict[str, Field]) -> None:
        """``source`` is the table's name in the database (it differs when it is renamed)."""
        name = table.name
        db_columns = {c["name"]: c for c in self.inspector.get_columns(source)}
        catalog = self.catalog.get(source, {})
        renamed: dict[str, str] = {}  # old column -> new column
        for column in table.columns:
            if column.name in db_columns:
                continue
            field_ = fields.get(column.name)
            old = field_.renamed_from if field_ is not None else None
            if old and old in db_columns and old not in table.c and old not in renamed:
                renamed[old] = column.name
                text = f"{name}: rename column {old} to {column.name} (field renamed; data kept)"
                self._add("rename", "rename_column", name, old, text, new_name=column.name)
            else:
                kind = fields[column.name].type if column.name in fields else "system"
                text = f"{name}: add column {column.name} ({kind} {describe_type(column.type)})"
                self._add("add_column", "add_column", name, column.name, text, target=column)
        sources = {new: old for old, new in renamed.items()}
        for column_name, field_ in fields.items():
            old = sources.get(column_name, column_name)
            if old in db_columns:
                stored, published = db_columns[old]["type"], catalog.get(old)
                args = (table, field_, source, old, stored, published)
                change = plan_type_change(self.conn, self.field_types, *args)
                if change is not None:
                    self._alter(table, field_, change)
        taken = set(db_columns) | set(table.c.keys())
        for column_name in db_columns:
            if column_name in table.c or column_name in renamed or is_system_column(column_name):
                continue
            if self.allow_destructive:
                text = f"{name}: drop column {column_name} and its data (field removed)"
                self._add("remove", "drop_column", name, column_name, text, destructive=True)
            else:
                archive = _archive_name(column_name, taken)
                taken.add(archive)
                text = (
                    f"{name}: archive column {column_name} as {archive} (field removed; data kept)"
                )
                self._add("remove", "archive_column", name, column_name, text, new_name=archive)
        self._plan_indexes(table, source)

    def _plan_system_columns(self, table: sa.Table) -> None:
        """Columns a newer Formflow added to a system table (each nullable or with a
        server default, so existing rows get a value)."""
        present = {c["name"] for c in self.inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                text = (f"{table.name}: add column {column.name} "
                        f"(system {describe_type(column.type)})")
                self._add("add_column", "add_column", table.name, column.name, text,
                          target=column)

    def _alter(self, table: sa.Table, field_: Field, change: TypeChange) -> None:
        self.problems += change.problems
        if change.values is not None:
            self.conversions[(table.name, field_.name)] = change.values
        extra = {"change": change.change, "target": table.c[field_.name]}
        self._add("alter", "alter_column", table.name, field_.name, change.description, **extra)

    def _plan_indexes(self, table: sa.Table, source: str) -> None:
        reflected = {
            ix["name"]: ix
            for ix in self.inspector.get_indexes(source)
            if ix.get("name") and not ix.get("duplicates_constraint")
        }
        wanted = {ix.name: ix for ix in table.indexes}
        added = sorted(wanted.keys() - reflected.keys())
        # Only our own indexes: one made by hand under another name is left alone.
        dropped = sorted(name for name in reflected.keys() - wanted.keys()
                         if name.startswith(("ix_", "uq_")))
        replacements = _replacements(dropped, reflected, added, wanted)
        for name in dropped:
            text = f"{table.name}: drop index {name}"
            replaced_by = replacements.get(name)
            if replaced_by:
                text += f", replaced by {replaced_by}"
                if self.conn.dialect.name == "postgresql":  # see migrate_apply
                    text += " once that is built"
            self._add("drop_index", "drop_index", table.name, None, text, index=name,
                      replaced_by=replaced_by)
        for name in added:
            index = wanted[name]
            columns = ", ".join(c.name for c in index.columns)
            what = "unique index" if index.unique else "index"
            condition = index.dialect_options["postgresql"]["where"]
            if condition is not None:
                alive = str(condition) == ALIVE
                columns += "; records not deleted only" if alive else f"; rows where {condition}"
            text = f"{table.name}: add {what} {name} ({columns})"
            if self.conn.dialect.name == "postgresql":  # see migrate_apply
                text += ", built concurrently"
            self._add("add_index", "add_index", table.name, None, text, index=name)


def _replacements(dropped: list[str], reflected: dict[str, dict], added: list[str],
                  wanted: dict[str, sa.Index]) -> dict[str, str]:
    """``{dropped index: the new index replacing it}``: the one named after it as a
    partial index, or else one over the same columns (but the deleted mark)."""
    free = [name for name in added if not wanted[name].unique]
    found = {}
    for old in dropped:
        named = constraint_name(old, ALIVE_SUFFIX)
        if named in free:
            found[old] = named
            free.remove(named)
    for old in dropped:
        columns = reflected[old]["column_names"]
        same = [new for new in free if _keys(wanted[new]) == _keys(columns)]
        if old not in found and same:
            found[old] = same[0]
            free.remove(same[0])
    return found


def _keys(index: sa.Index | list[str]) -> list[str]:
    columns = [c.name for c in index.columns] if isinstance(index, sa.Index) else index
    return [name for name in columns if name != "_deleted_at"]


def _archive_name(name: str, taken: set[str]) -> str:
    base = f"{ARCHIVE_PREFIX}{name}"[:MAX_IDENTIFIER]
    candidate, counter = base, 1
    while candidate in taken:
        counter += 1
        suffix = f"_{counter}"
        candidate = base[: MAX_IDENTIFIER - len(suffix)] + suffix
    return candidate
