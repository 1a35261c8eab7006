"""Carrying out a migration plan with Alembic's operations, inside the caller's transaction.

SQLite changes columns natively (ADD, RENAME and DROP COLUMN) except where a table-level
foreign key pins a column: such a column is dropped by rebuilding its table (Alembic's
batch mode).  The caller runs SQLite migrations with foreign keys switched off, so the
rebuild's DROP TABLE cannot cascade into line items.  A column that changes type is
swapped: a new column is added, filled, the old one dropped and the new one renamed.

On PostgreSQL a new index on a table that exists already is built after the transaction
commits, ``CREATE INDEX CONCURRENTLY`` on a connection of its own in autocommit mode (the
statement cannot run in a transaction): writers are not locked out of the table while it
is built (see :func:`create_indexes_concurrently`).  An index it replaces (the same
columns, another definition) serves the queries until then: it is dropped after the new
one is built, ``DROP INDEX CONCURRENTLY``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.engine import Connection

from formflow.storage.migrate_plan import MigrationStep, Plan
from formflow.storage.tables import MAX_IDENTIFIER, Schema, constraint_name

SWAP_PREFIX = "_ff_new_"


def execute_plan(conn: Connection, schema: Schema, plan: Plan) -> list[MigrationStep]:
    """Carry out ``plan`` in the caller's transaction but for the indexes left to build
    (and those they replace, to drop) concurrently once it commits (PostgreSQL), which are
    returned."""
    runner = _Runner(conn, schema, plan)
    created = [step.table for step in plan.steps if step.kind == "create_table"]
    if created:
        runner.create_tables(created)
    later = concurrent_indexes(conn, plan)
    deferred = {id(step) for step in later}
    for step in plan.steps:
        handler = getattr(runner, step.kind, None)
        if handler is not None and id(step) not in deferred:
            handler(step)
    return later


def concurrent_indexes(conn: Connection, plan: Plan) -> list[MigrationStep]:
    """The new indexes of ``plan`` to build concurrently: on PostgreSQL, those of tables
    that exist already (a table made now is empty: its indexes come with it); then the
    indexes they replace, to drop once they are built."""
    if conn.dialect.name != "postgresql":
        return []
    created = {step.table for step in plan.steps if step.kind == "create_table"}
    built = [step for step in plan.steps
             if step.kind == "add_index" and step.table not in created]
    names = {step.index for step in built}
    return built + [step for step in plan.steps
                    if step.kind == "drop_index" and step.replaced_by in names]


def create_indexes_concurrently(engine: sa.Engine, schema: Schema,
                                steps: list[MigrationStep]) -> None:
    """Build each new index of ``steps`` with ``CREATE INDEX CONCURRENTLY``, one after the
    other in autocommit mode, then drop the indexes they replace, ``DROP INDEX
    CONCURRENTLY``.  One that fails to build is dropped again (PostgreSQL would leave it
    behind, invalid) and the error raised, the old indexes kept; ``migrate`` run again
    builds it."""
    if not steps:
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        runner = _Runner(conn, schema, Plan([], {}, []))
        quote = conn.dialect.identifier_preparer.quote
        for step in steps:
            if step.kind == "drop_index":
                # IF EXISTS: dropping a column of the index in the migration dropped it.
                conn.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(step.index)}")
                continue
            try:
                runner._create_index(schema.metadata.tables[step.table], step.index,
                                     postgresql_concurrently=True)
            except sa.exc.DBAPIError:
                conn.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(step.index)}")
                raise


class _Runner:
    def __init__(self, conn: Connection, schema: Schema, plan: Plan):
        self.conn = conn
        self.schema = schema
        self.plan = plan
        self.op = Operations(MigrationContext.configure(conn))
        self.sqlite = conn.dialect.name == "sqlite"

    def create_tables(self, names: list[str]) -> None:
        # From a copy: creating a use_alter foreign key marks the constraint it was made
        # from, and the schema's tables must stay usable on any database.
        # Only the new tables and those their foreign keys reach are copied.
        tables = self.schema.metadata.tables
        needed, pending = set(names), list(names)
        while pending:
            for key in tables[pending.pop()].foreign_keys:
                target = key.column.table.name
                if target not in needed:
                    needed.add(target)
                    pending.append(target)
        copy = sa.MetaData()
        for table in self.schema.metadata.sorted_tables:
            if table.name in needed:
                table.to_metadata(copy)
        copy.create_all(self.conn, tables=[copy.tables[name] for name in names])

    # -- one handler per step kind (create_table and keep_table need none) -----------------

    def rename_table(self, step) -> None:
        self.op.rename_table(step.table, step.new_name)

    def rename_column(self, step) -> None:
        self.op.alter_column(step.table, step.column, new_column_name=step.new_name)

    archive_column = rename_column

    def drop_column(self, step) -> None:
        self._drop_column(step.table, step.column)

    def drop_index(self, step) -> None:
        self.op.drop_index(step.index, table_name=step.table)

    def add_index(self, step) -> None:
        self._create_index(self.schema.metadata.tables[step.table], step.index)

    def add_column(self, step) -> None:
        self._add_column(step.table, _fresh_column(step.target, step.target.name))

    def alter_column(self, step) -> None:
        if step.change == "convert":
            self._swap(step, self.plan.conversions[(step.table, step.column)])
        elif self.sqlite:  # SQLite cannot change a column's declared type in place
            self._swap(step, None)
        else:
            self.op.alter_column(
                step.table, step.column, type_=step.target.type, existing_nullable=True
            )

    # -- building blocks ------------------------------------------------------------------

    def _swap(self, step, values: list[tuple[int, Any]] | None) -> None:
        """Replace a column by a new one of the target type, filled with ``values`` (or a
        copy of the old values); its indexes are dropped first and made again after."""
        table, column = step.table, step.column
        inspector = sa.inspect(self.conn)
        indexes = [
            ix["name"] for ix in inspector.get_indexes(table) if column in ix["column_names"]
        ]
        for name in indexes:
            self.op.drop_index(name, table_name=table)
        temporary = (SWAP_PREFIX + column)[:MAX_IDENTIFIER]
        foreign_key = None
        if not self.sqlite and step.target.foreign_keys:
            foreign_key = constraint_name("fk", table, temporary)
        self._add_column(table, _fresh_column(step.target, temporary, foreign_key))
        if values is None:
            self.conn.execute(
                sa.table(table, sa.column(temporary))
                .update()
                .values({temporary: sa.column(column)})
            )
        elif values:
            target = sa.table(table, sa.column("id"), sa.column(temporary, step.target.type))
            statement = (
                target.update()
                .where(target.c.id == sa.bindparam("row_id"))
                .values({temporary: sa.bindparam("value", type_=step.target.type)})
            )
            self.conn.execute(statement, [{"row_id": i, "value": v} for i, v in values])
        self._drop_column(table, column)
        self.op.alter_column(table, temporary, new_column_name=column)
        if foreign_key:
            # The name PostgreSQL gives a column's foreign key, as on a freshly made table.
            name = f"{table}_{column}_fkey"
            name = name if len(name) <= MAX_IDENTIFIER else constraint_name("fk", table, column)
            quote = self.conn.dialect.identifier_preparer.quote
            rename = f"RENAME CONSTRAINT {quote(foreign_key)} TO {quote(name)}"
            self.op.execute(f"ALTER TABLE {quote(table)} {rename}")
        wanted = {ix.name for ix in self.schema.metadata.tables[table].indexes}
        for name in indexes:
            if name in wanted:
                self._create_index(self.schema.metadata.tables[table], name)

    def _add_column(self, table: str, column: sa.Column) -> None:
        if self.sqlite and column.foreign_keys:
            # Alembic would add the foreign key with ALTER, which SQLite lacks; SQLite
            # takes it inline in ADD COLUMN instead.
            definition = sa.schema.CreateColumn(column).compile(dialect=self.conn.dialect)
            references = " ".join(_references(fk, self.conn.dialect) for fk in column.foreign_keys)
            quote = self.conn.dialect.identifier_preparer.quote
            self.conn.exec_driver_sql(
                f"ALTER TABLE {quote(table)} ADD COLUMN {definition} {references}"
            )
        else:
            self.op.add_column(table, column)

    def _drop_column(self, table: str, column: str) -> None:
        if self.sqlite and any(
            column in fk["constrained_columns"]
            for fk in sa.inspect(self.conn).get_foreign_keys(table)
        ):
            # resolve_fks=False: the tables it points at need no reflecting.
            with self.op.batch_alter_table(
                table, recreate="always", reflect_kwargs={"resolve_fks": False}
            ) as batch:
                batch.drop_column(column)
        else:
            self.op.drop_column(table, column)

    def _create_index(self, table: sa.Table, name: str, **options: Any) -> None:
        index = next(ix for ix in table.indexes if ix.name == name)
        self.op.create_index(
            name,
            table.name,
            [c.name for c in index.columns],
            unique=index.unique,
            **index.dialect_kwargs,
            **options,
        )


def _fresh_column(column: sa.Column, name: str, foreign_key: str | None = None) -> sa.Column:
    """A detached copy of a desired column, named ``name`` (its foreign key ``foreign_key``)."""
    foreign_keys = [
        sa.ForeignKey(fk.target_fullname, ondelete=fk.ondelete, name=foreign_key)
        for fk in column.foreign_keys
    ]
    default = column.server_default
    return sa.Column(
        name,
        column.type,
        *foreign_keys,
        nullable=column.nullable,
        server_default=default.arg if isinstance(default, sa.DefaultClause) else None,
    )


def _references(fk: sa.ForeignKey, dialect) -> str:
    quote = dialect.identifier_preparer.quote
    table, _, column = fk.target_fullname.rpartition(".")
    clause = f"REFERENCES {quote(table)} ({quote(column)})"
    return clause + (f" ON DELETE {fk.ondelete}" if fk.ondelete else "")
