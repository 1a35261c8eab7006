"""The published column catalog: which field type each entity column had when last migrated.

``publish`` stores, per app, one row in ``ff_published_apps`` whose ``documents`` hold
``{"tables": {table: {column: spec}}}`` and, once the computed values were brought up
to date, ``"formulas"``: each computed field's formula (see ``records.recompute``).
A spec records the field type name and the parameters that decide its column
(``precision``, ``scale``, ``max_length``, ``to``), so the next plan knows how existing
values were stored (a decimal on SQLite is a scaled integer: reading it needs the old
scale) and whether a field changed type.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.fields.columns import utcnow
from formflow.metadata.model import Field, Label
from formflow.storage.system import published_apps
from formflow.storage.tables import Schema

SPEC_KEYS = ("type", "precision", "scale", "max_length", "to")

Catalog = dict[str, dict[str, dict[str, Any]]]  # table -> column -> spec


def column_spec(field: Field) -> dict[str, Any]:
    return {
        "type": field.type,
        "precision": field.precision,
        "scale": field.scale,
        "max_length": field.max_length,
        "to": field.to,
    }


def field_from_spec(name: str, spec: dict[str, Any]) -> Field:
    """A stand-in for the field a column was published for, enough to build its column type."""
    return Field(
        name=name,
        type=spec["type"],
        label=Label.of(name),
        precision=spec.get("precision"),
        scale=spec.get("scale"),
        max_length=spec.get("max_length"),
        to=spec.get("to"),
    )


def field_columns(schema: Schema) -> dict[str, tuple[str, dict[str, Field]]]:
    """Every entity table of the schema: ``{table: (app, {column: field})}``."""
    result: dict[str, tuple[str, dict[str, Field]]] = {}
    for tables in schema.entities.values():
        entity = tables.entity
        result[tables.main.name] = (
            entity.app,
            {f.name: f for f in entity.fields if f.name in tables.main.c},
        )
        for name, lines in tables.lines.items():
            table_field = entity.field(name)
            columns = table_field.fields if table_field is not None else ()
            result[lines.name] = (entity.app, {f.name: f for f in columns if f.name in lines.c})
    return result


def schema_catalogs(schema: Schema) -> dict[str, Catalog]:
    """The catalog of every app of the schema, by app name."""
    catalogs: dict[str, Catalog] = {}
    for table, (app, fields) in field_columns(schema).items():
        catalogs.setdefault(app, {})[table] = {
            name: column_spec(field) for name, field in fields.items()
        }
    return catalogs


def read_catalog(conn: Connection) -> Catalog:
    """The published catalog of every app, merged (table names are unique across apps)."""
    catalog: Catalog = {}
    for documents in conn.execute(sa.select(published_apps.c.documents)).scalars():
        catalog.update((documents or {}).get("tables") or {})
    return catalog


def checksum(documents: dict[str, Any]) -> str:
    canonical = json.dumps(documents, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def publish(conn: Connection, schema: Schema) -> None:
    """Record the column catalog of every app of ``schema`` (revision + 1 when it changed).

    An app that is no longer in the schema keeps its row with an empty catalog, so its
    kept tables are reported once and other documents stored beside it survive."""
    _publish_documents(conn, "tables", schema_catalogs(schema))


def read_formulas(conn: Connection) -> dict[str, dict[str, str] | None]:
    """The published formulas of the computed fields of every app: ``{app: {"entity.field"
    or "entity.table.column": formula}}``; None for an app published before formulas were
    kept (what they were is unknown)."""
    return {
        app: (documents or {}).get("formulas")
        for app, documents in conn.execute(sa.select(published_apps.c.app,
                                                     published_apps.c.documents))
    }


def publish_formulas(conn: Connection, formulas: dict[str, dict[str, str]]) -> None:
    """Record the formulas of the computed fields of every app (see :func:`read_formulas`),
    so the next migration knows which stored values a changed formula made stale."""
    _publish_documents(conn, "formulas", formulas)


def _publish_documents(conn: Connection, key: str, by_app: dict[str, Any]) -> None:
    """Store ``by_app[app]`` under ``key`` in each app's documents, beside the others."""
    rows = {row.app: row for row in conn.execute(sa.select(published_apps))}
    for app in sorted(set(rows) | set(by_app)):
        row = rows.get(app)
        previous = dict(row.documents or {}) if row is not None else {}
        if app not in by_app and not previous.get(key):
            continue
        documents = {**previous, key: by_app.get(app, {})}
        digest = checksum(documents)
        if row is None:
            conn.execute(
                published_apps.insert().values(
                    app=app,
                    revision=1,
                    checksum=digest,
                    documents=documents,
                    published_at=utcnow(),
                )
            )
        elif digest != row.checksum:
            conn.execute(
                published_apps.update()
                .where(published_apps.c.app == app)
                .values(
                    revision=row.revision + 1,
                    checksum=digest,
                    documents=documents,
                    published_at=utcnow(),
                )
            )
