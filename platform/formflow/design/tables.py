"""The system tables of site apps: apps built in the designer and kept in the database.

``ff_design_apps`` holds one row per site app with its draft revision and the version
published last; ``ff_design_documents`` the draft's documents, one row each (an edit
rewrites only the documents it changed); ``ff_design_log`` the draft's operation log
(what each change did, so it can be undone and redone after a reload);
``ff_design_versions`` every published version with its author, time, note,
documents and what it changed; ``ff_design_presence`` who had the app's designer open
lately (so editors see each other).
"""

from __future__ import annotations

import sqlalchemy as sa

from formflow.fields.columns import UtcDateTime
from formflow.storage.system import system_metadata

design_apps = sa.Table(
    "ff_design_apps",
    system_metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("published_version", sa.Integer, nullable=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

design_documents = sa.Table(
    "ff_design_documents",
    system_metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("document", sa.JSON, nullable=False),
)

design_log = sa.Table(
    "ff_design_log",
    system_metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    #: The draft revision the entry's change produced.
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # ops, restore, import
    sa.Column("ops", sa.JSON, nullable=False),
    #: {document key: document or null} before and after the change (changed keys only).
    sa.Column("before", sa.JSON, nullable=False),
    sa.Column("after", sa.JSON, nullable=False),
    #: An undone entry waits for a redo; a new change forgets every undone entry.
    sa.Column("undone", sa.Boolean, nullable=False, default=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)

design_versions = sa.Table(
    "ff_design_versions",
    system_metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("documents", sa.JSON, nullable=False),
    #: What the version changed from the one published before, in lines of words.
    sa.Column("changes", sa.JSON, nullable=False),
)

design_presence = sa.Table(
    "ff_design_presence",
    system_metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    #: When the user last had one of the app's designer pages open (or read its draft).
    sa.Column("seen_at", UtcDateTime, nullable=False),
)
