"""Move an app between instances: one zip archive with the app's metadata, every record
with its line items, the files they hold and their process history.

The archive holds:

- ``manifest.json``: the format, the app, when, and per table its row count and checksum
  (see :mod:`formflow.io.archive_rows`);
- ``metadata/<app>/...``: the app's documents as the instance runs them (unzip into a
  metadata folder to install the app where it is missing);
- ``tables/<table>.jsonl``: the rows of each entity and line-item table (deleted records
  too), the app's process tasks and events, its audit trail and numbering counters;
  users and departments are written by name and code;
- ``files/<sha256>``: the content of every file a record holds.

Loading (:meth:`AppArchive.load`) needs an instance running the same metadata for the
app, with no record in any of its entities, and every user and department the archive
names (import the organisation first: ``formflow export-org`` / ``import-org``).  It is
one transaction: records keep their ids (links between them stay right), tasks, events
and audit entries get new ones; then every table is read back and its checksum compared
with the manifest's, and any difference rolls everything back.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import department_ids_by_code, user_ids_by_name
from formflow.auth.tables import departments, users
from formflow.errors import ServiceError
from formflow.fields.references import DepartmentType, UserType
from formflow.i18n import Message
from formflow.io.archive_rows import checksum, decode, dumps, encode
from formflow.process.tables import events, process_versions, tasks
from formflow.storage.contents import ContentStore
from formflow.storage.files import KEY
from formflow.storage.system import audit, sequences

FORMAT = 1
#: Columns of tables shared with other apps that a load renumbers (or, for process
#: versions the instance has already, keeps its own): left out of checksums.
RENUMBERED = ("id", "task_id", "published_at")
CHUNK = 1000


class ArchiveRefused(ServiceError):
    status = 400


@dataclass(frozen=True)
class ArchiveSummary:
    app: str
    #: Rows per table, and files.
    counts: dict[str, int]
    files: int


class AppArchive:
    def __init__(self, db, model, schema, field_types, contents: ContentStore):
        self.db = db
        self.model = model
        self.schema = schema
        self.field_types = field_types
        self.contents = contents

    # -- export -------------------------------------------------------------------------

    def write(self, app_name: str, target) -> ArchiveSummary:
        """Write the archive of ``app_name`` to ``target`` (a path or a binary file)."""
        app = self._app(app_name)
        manifest: dict[str, Any] = {"format": FORMAT, "app": app_name,
                                    "metadata": _metadata_checksum(app), "tables": {}}
        digests: set[str] = set()
        with self.db.read() as conn, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, document in app.documents.items():
                zf.writestr(f"metadata/{app_name}/{name}",
                            json.dumps(document, ensure_ascii=False, indent=2))
            people = dict(conn.execute(sa.select(users.c.id, users.c.username)).all())
            codes = dict(conn.execute(sa.select(departments.c.id, departments.c.code)).all())
            for table, where, user_cols, dept_cols in self._tables(app_name):
                rows = [encode(row._mapping, people, codes, user_cols, dept_cols)
                        for row in conn.execute(sa.select(table).where(*where)
                                                .order_by(*_order(table)))]
                digests |= _file_digests(rows)
                zf.writestr(f"tables/{table.name}.jsonl",
                            "".join(dumps(row) + "\n" for row in rows))
                manifest["tables"][table.name] = {
                    "rows": len(rows), "checksum": _checksum(table, rows)}
            for digest in sorted(digests):
                chunks = self.contents.chunks(digest)
                if chunks is not None:
                    zf.writestr(f"files/{digest}", b"".join(chunks))
            manifest["files"] = len(digests)
            zf.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        counts = {t: v["rows"] for t, v in manifest["tables"].items()}
        return ArchiveSummary(app_name, counts, len(digests))

    # -- import -------------------------------------------------------------------------

    def load(self, data: bytes) -> ArchiveSummary:
        """Load an archive into this instance (see the module's description)."""
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            manifest = json.loads(zf.read("manifest.json"))
        except (zipfile.BadZipFile, KeyError, ValueError) as error:
            raise ArchiveRefused(Message("archive_unreadable",
                                         {"problem": str(error)[:200]})) from None
        if manifest.get("format") != FORMAT:
            raise ArchiveRefused(Message("archive_unreadable", {"problem": "unknown format"}))
        app = self._app(manifest["app"])
        if manifest["metadata"] != _metadata_checksum(app):
            raise ArchiveRefused(Message("archive_other_metadata", {"app": app.name}))
        tables = self._tables(app.name)
        with self.db.write() as conn:
            for table, *_ in tables:
                if table.name in self.schema.metadata.tables and _has_rows(conn, table, app.name):
                    raise ArchiveRefused(Message("archive_not_empty", {"app": app.name}))
            task_ids: dict[int, int] = {}
            for table, *_ in tables:
                rows = list(_jsonl(zf, table.name))
                self._insert(conn, table, rows, task_ids)
            for table, where, user_cols, dept_cols in tables:
                self._verify(conn, table, where, user_cols, dept_cols,
                             manifest["tables"][table.name])
            self._restart_identities(conn, [t for t, *_ in tables])
        files = self._unpack_files(zf)
        counts = {t: v["rows"] for t, v in manifest["tables"].items()}
        return ArchiveSummary(app.name, counts, files)

    def _insert(self, conn: Connection, table: sa.Table, rows: list[dict],
                task_ids: dict[int, int]) -> None:
        if not rows:
            return
        people, codes = _lookups(conn, rows)
        missing: set[tuple[str, str]] = set()
        decoded = [decode(row, people, codes, missing) for row in rows]
        if missing:
            raise ArchiveRefused(Message("archive_missing_names", {
                "names": ", ".join(sorted(name for _, name in missing))[:500]}))
        if table is process_versions:
            self._add_versions(conn, decoded)
            return
        if table is tasks:
            for row in decoded:
                old = row.pop("id")
                task_ids[old] = conn.execute(tasks.insert().values(**row)
                                             ).inserted_primary_key[0]
            return
        if table in (events, audit):
            for row in decoded:
                row.pop("id")
                if row.get("task_id") is not None:
                    row["task_id"] = task_ids.get(row["task_id"])
        for start in range(0, len(decoded), CHUNK):
            conn.execute(table.insert(), decoded[start:start + CHUNK])

    def _add_versions(self, conn: Connection, rows: list[dict]) -> None:
        """Add the process versions the records started with that this instance lacks;
        one it has under the same number must be the same document."""
        have = {(r.process, r.version): r.checksum for r in conn.execute(
            sa.select(process_versions.c.process, process_versions.c.version,
                      process_versions.c.checksum))}
        for row in rows:
            row.pop("id")
            known = have.get((row["process"], row["version"]))
            if known is None:
                conn.execute(process_versions.insert().values(**row))
            elif known != row["checksum"]:
                raise ArchiveRefused(Message("archive_other_metadata",
                                             {"app": row["process"].split(".")[0]}))

    def _verify(self, conn, table, where, user_cols, dept_cols, expected: dict) -> None:
        people = dict(conn.execute(sa.select(users.c.id, users.c.username)).all())
        codes = dict(conn.execute(sa.select(departments.c.id, departments.c.code)).all())
        rows = [encode(row._mapping, people, codes, user_cols, dept_cols)
                for row in conn.execute(sa.select(table).where(*where).order_by(*_order(table)))]
        if len(rows) != expected["rows"] or _checksum(table, rows) != expected["checksum"]:
            raise ArchiveRefused(Message("archive_checksum", {"table": table.name}))

    def _restart_identities(self, conn: Connection, tables: list[sa.Table]) -> None:
        """After rows came with their ids, PostgreSQL's id sequences go on from the
        highest (SQLite does so by itself)."""
        if conn.dialect.name != "postgresql":
            return
        for table in tables:
            if "id" in table.c and table not in (tasks, events, audit, process_versions):
                following = sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0) + 1)
                conn.execute(sa.select(sa.func.setval(
                    sa.func.pg_get_serial_sequence(table.name, "id"),
                    following.scalar_subquery(), False)))

    def _unpack_files(self, zf: zipfile.ZipFile) -> int:
        count = 0
        for name in zf.namelist():
            digest = name.removeprefix("files/")
            if not name.startswith("files/") or not KEY.match(f"{digest}/x"):
                continue
            if not self.contents.has(digest) and self.contents.put(zf.read(name)) != digest:
                continue  # a file whose content is not what its name says is left out
            count += 1
        return count

    # -- what an app's archive holds ----------------------------------------------------

    def _app(self, name: str):
        app = self.model.apps.get(name)
        if app is None:
            raise ArchiveRefused(Message("archive_no_app", {"app": name[:100]}))
        return app

    def _tables(self, app_name: str) -> list[tuple[sa.Table, list, list[str], list[str]]]:
        """(table, rows of the app, user columns, department columns) in loading order."""
        found = []
        names = []
        for entity in self.model.entities():
            if entity.app != app_name:
                continue
            names.append(entity.qualified_name)
            tables = self.schema[entity.qualified_name]
            found.append((tables.main, [], *self._people_columns(
                entity.scalar_fields, ["_created_by", "_updated_by"])))
            for field in entity.table_fields:
                found.append((tables.lines[field.name], [], *self._people_columns(field.fields)))
        prefixes = [sequences.c.key.startswith(f"{name}:", autoescape=True) for name in names]
        found += [
            (process_versions, [process_versions.c.process.startswith(
                f"{app_name}.", autoescape=True)], [], []),
            (sequences, [sa.or_(*prefixes)] if prefixes else [sa.false()], [], []),
            (tasks, [tasks.c.entity.in_(names)], ["assignee_id"], []),
            (events, [events.c.entity.in_(names)], ["actor_id"], []),
            (audit, [audit.c.entity.in_(names)], ["actor_id"], []),
        ]
        return found

    def _people_columns(self, fields, user_columns=()) -> tuple[list[str], list[str]]:
        people, codes = list(user_columns), []
        for field in fields:
            kind = self.field_types.get(field.type)
            if isinstance(kind, DepartmentType):
                codes.append(field.name)
            elif isinstance(kind, UserType):
                people.append(field.name)
        return people, codes


def _metadata_checksum(app) -> str:
    canonical = json.dumps(dict(app.documents), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return checksum([{"documents": canonical}])


def _order(table: sa.Table) -> list:
    return list(table.primary_key.columns)


def _checksum(table: sa.Table, rows: list[dict]) -> str:
    shared = table in (tasks, events, audit, process_versions)
    return checksum(rows, RENUMBERED if shared else ())


def _has_rows(conn: Connection, table: sa.Table, app_name: str) -> bool:
    if table in (tasks, events, audit, sequences, process_versions):
        return False  # shared with the other apps; their app's rows go with the records
    return conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None


def _lookups(conn: Connection, rows: list[dict]) -> tuple[dict[str, int], dict[str, int]]:
    from formflow.io.archive_rows import names_in

    people, codes = names_in(rows)
    return user_ids_by_name(conn, people), department_ids_by_code(conn, codes)


def _jsonl(zf: zipfile.ZipFile, table: str) -> Iterator[dict]:
    try:
        text = zf.read(f"tables/{table}.jsonl").decode("utf-8")
    except KeyError:
        raise ArchiveRefused(Message("archive_unreadable", {
            "problem": f"no rows of {table}"})) from None
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


def _file_digests(rows: list[dict]) -> set[str]:
    """The contents the rows' file cells name (storage keys ``<sha256>/<name>``)."""
    found = set()
    for row in rows:
        for value in row.values():
            if isinstance(value, str) and (match := KEY.match(value)):
                found.add(match.group(1))
    return found
