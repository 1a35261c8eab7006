"""Build SQLAlchemy tables from the metadata model.

Every entity gets a table ``<app>__<entity>`` with the system columns and one typed
column per stored field; every ``table`` (line-item) field gets a child table
``<app>__<entity>__<field>``.  Links are foreign keys; unique fields get unique indexes;
the other indexes come from :mod:`formflow.storage.indexes`.  The tables live in a fresh
``MetaData`` per model, beside copies of the system tables they reference.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from formflow.fields import Registry
from formflow.fields.columns import UtcDateTime
from formflow.metadata.model import Entity, Field, Model
from formflow.storage.indexes import (
    ALIVE,
    LOOKUP_COLUMNS,
    SYSTEM_COLUMNS,
    composite_index,
    composite_keys,
    name_parts,
)
from formflow.storage.system import system_metadata

MAX_IDENTIFIER = 63  # PostgreSQL's limit
PARENT_COLUMN = "_parent_id"
ORDER_COLUMN = "_idx"


@dataclass(frozen=True)
class EntityTables:
    entity: Entity
    main: sa.Table
    lines: Mapping[str, sa.Table]  # table field name -> its child table


@dataclass(frozen=True)
class Schema:
    """The SQL side of a model: a MetaData holding every table, and lookups by entity."""

    metadata: sa.MetaData
    entities: Mapping[str, EntityTables]

    def __getitem__(self, qualified_name: str) -> EntityTables:
        return self.entities[qualified_name]


def table_name(entity: Entity) -> str:
    return f"{entity.app}__{entity.name}"


def lines_table_name(entity: Entity, field: Field) -> str:
    return f"{entity.app}__{entity.name}__{field.name}"


def constraint_name(prefix: str, table: str, *columns: str) -> str:
    """A deterministic name within PostgreSQL's identifier limit."""
    name = "_".join((prefix, table, *columns))
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER - 9]}_{digest}"


def build_schema(model: Model, field_types: Registry, extra: Iterable[sa.Table] = ()) -> Schema:
    """The tables of ``model``, beside the system tables and the ``extra`` tables
    plugins bring (created by migrations when missing, never altered)."""
    metadata = sa.MetaData()
    for table in system_metadata.sorted_tables:
        table.to_metadata(metadata)
    for table in extra:
        table.to_metadata(metadata)
    entities = {}
    for entity in model.entities():
        main = _main_table(metadata, entity, model, field_types)
        lines = {
            field.name: _lines_table(metadata, entity, field, main, model, field_types)
            for field in entity.table_fields
        }
        entities[entity.qualified_name] = EntityTables(entity, main, lines)
    return Schema(metadata, entities)


def system_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("_number", sa.String(64)),
        sa.Column("_title", sa.String(255)),
        sa.Column("_state", sa.String(64)),
        sa.Column("_process_version", sa.Integer),
        sa.Column("_version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("_created_at", UtcDateTime, nullable=False),
        sa.Column("_created_by", sa.Integer, sa.ForeignKey("ff_users.id")),
        sa.Column("_updated_at", UtcDateTime, nullable=False),
        sa.Column("_updated_by", sa.Integer, sa.ForeignKey("ff_users.id")),
        sa.Column("_deleted_at", UtcDateTime),
    ]


def field_column(field: Field, model: Model, field_types: Registry) -> sa.Column:
    """The column of a stored field (every field column is nullable: ``required`` is
    enforced by the records service, where ``required_if`` and drafts are understood)."""
    field_type = field_types[field.type]
    foreign_keys = []
    if field_type.reference == "record":
        target = model.entity(field.to or "")
        if target is not None:
            foreign_keys.append(sa.ForeignKey(f"{table_name(target)}.id"))
    elif field_type.reference == "user":
        foreign_keys.append(sa.ForeignKey("ff_users.id"))
    elif field_type.reference == "department":
        foreign_keys.append(sa.ForeignKey("ff_departments.id"))
    return sa.Column(field.name, field_type.column_type(field), *foreign_keys, nullable=True)


def _main_table(metadata, entity: Entity, model: Model, field_types: Registry) -> sa.Table:
    name = table_name(entity)
    columns = system_columns()
    columns += [
        field_column(f, model, field_types) for f in entity.fields if field_types[f.type].stored
    ]
    table = sa.Table(name, metadata, *columns)
    lookups = _lookup_columns(entity, field_types)
    for column in lookups:
        sa.Index(constraint_name("ix", name, column), table.c[column])
    for keys in _composite_keys(entity, field_types, lookups):
        composite_index(table, keys, constraint_name("ix", name, *name_parts(keys)))
    for field in entity.scalar_fields:
        if field.unique:
            sa.Index(
                constraint_name("uq", name, field.name),
                table.c[field.name],
                unique=True,
                sqlite_where=sa.text(ALIVE),
                postgresql_where=sa.text(ALIVE),
            )
    if entity.numbering:
        sa.Index(constraint_name("uq", name, "_number"), table.c._number, unique=True)
    return table


def _lookup_columns(entity: Entity, field_types: Registry) -> list[str]:
    """Columns indexed on their own: links, ``index: true`` fields, look-up system columns."""
    names = list(LOOKUP_COLUMNS)
    for field in entity.scalar_fields:
        wanted = field.index or field_types[field.type].reference
        if wanted and not field.unique and field_types[field.type].stored:
            names.append(field.name)
    return names


def _composite_keys(entity: Entity, field_types: Registry, lookups: list[str]):
    """The list's filter + sort indexes and the entity's declared ones."""
    unique = {f.name for f in entity.scalar_fields if f.unique}
    indexable = {f.name for f in entity.scalar_fields if field_types[f.type].stored}
    indexable = (indexable | SYSTEM_COLUMNS) - unique
    covered = set(lookups) | ({"_number"} if entity.numbering else set())
    filters = entity.list.filters if entity.list else ()
    sort = entity.list.sort if entity.list else "-_created_at"
    return composite_keys(filters, sort, entity.indexes, indexable, covered)


def _lines_table(metadata, entity, field: Field, parent: sa.Table, model, field_types):
    name = lines_table_name(entity, field)
    table = sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            PARENT_COLUMN,
            sa.Integer,
            sa.ForeignKey(f"{parent.name}.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(ORDER_COLUMN, sa.Integer, nullable=False),
        *(field_column(column, model, field_types) for column in field.fields),
    )
    sa.Index(
        constraint_name("ix", name, PARENT_COLUMN), table.c[PARENT_COLUMN], table.c[ORDER_COLUMN]
    )
    return table
