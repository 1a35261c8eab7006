"""Installed databases to copy from.

Installing the shipped apps into an empty database takes a second or more (metadata,
some 160 tables, the admin user), and most tests start from exactly that state.  A test
process installs each combination of metadata, plugins and settings once into a template
and every test starting on an empty database gets a copy of it: a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.  The copy is what ``install`` would have
written, so tests see no difference.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from formflow.storage.database import normalize_url
from support.databases import create_database, retire_postgres_database

#: Settings that name the database or the instance folder of one app, not what it installs.
PER_APP_SETTINGS = ("DATABASE_URL", "INSTANCE_PATH")
#: Settings naming folders: what counts is the files in them, wherever they are.
FOLDER_SETTINGS = ("METADATA_PATH", "PLUGINS_PATH")


class TemplateDatabases:
    """Installed template databases of one test process, by what they were installed from."""

    def __init__(self, directory: Path, server_url: str | None):
        self.directory = directory
        self.server_url = server_url  # the PostgreSQL server, None for SQLite
        self.templates: dict[str, str] = {}  # key -> SQLite file or PostgreSQL database

    def fill(self, settings: dict[str, Any], installer: Callable[[dict[str, Any]], None]) -> bool:
        """Copy an installed template for ``settings`` into the empty database
        ``settings["DATABASE_URL"]``; ``installer(settings)`` builds a missing template.

        Returns False (and copies nothing) when that database is not empty."""
        url = settings["DATABASE_URL"]
        if not self._is_empty(url):
            return False
        key = _key(settings)
        if key not in self.templates:
            self.templates[key] = self._install(key, settings, installer)
        self._copy(self.templates[key], url)
        return True

    def drop_all(self) -> None:
        if self.server_url is None:
            return
        for name in self.templates.values():
            self._server_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _install(self, key: str, settings: dict[str, Any], installer) -> str:
        folder = self.directory / key
        folder.mkdir(parents=True, exist_ok=True)
        if self.server_url is None:
            target, url = str(folder / "template.db"), f"sqlite:///{folder / 'template.db'}"
        else:
            target = f"ff_template_{uuid.uuid4().hex[:12]}"
            create_database(target)
            url = self._url_of(target)
        installer({**settings, "DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance")})
        if self.server_url is None:
            with sqlite3.connect(target) as conn:  # fold the write-ahead log into the file
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return target

    def _copy(self, template: str, url: str) -> None:
        if self.server_url is None:
            shutil.copyfile(template, sa.make_url(url).database)
            return
        name = sa.make_url(url).database
        retire_postgres_database(url)
        create_database(name, template)

    def _is_empty(self, url: str) -> bool:
        parsed = sa.make_url(url)
        if parsed.get_backend_name() == "sqlite":
            path = Path(parsed.database or "")
            return self.server_url is None and (not path.exists() or path.stat().st_size == 0)
        if self.server_url is None:
            return False
        engine = sa.create_engine(normalize_url(url))
        try:
            with engine.connect() as conn:
                tables = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                ).scalar()
        finally:
            engine.dispose()
        return tables == 0

    def _url_of(self, name: str) -> str:
        url = normalize_url(self.server_url).set(database=name)
        return url.render_as_string(hide_password=False)

    def _server_execute(self, statement: str) -> None:
        server = sa.create_engine(normalize_url(self.server_url), isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as conn:
                conn.exec_driver_sql(statement)
        finally:
            server.dispose()


def _key(settings: dict[str, Any]) -> str:
    """A digest of what an install depends on: the files of the metadata and plugin
    folders and every other setting."""
    digest = hashlib.sha256()
    for name, value in sorted(settings.items()):
        if name in PER_APP_SETTINGS:
            continue
        if name not in FOLDER_SETTINGS:
            digest.update(f"{name}={value!r}\n".encode())
            continue
        for folder in [value] if isinstance(value, str | Path) else value:
            digest.update(f"{name}:\n".encode())
            for path in _files(Path(folder)):
                digest.update(f"{path.relative_to(folder)}\n".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _files(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts
    )
