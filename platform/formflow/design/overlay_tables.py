"""The system tables of overlays: a site's changes to a shipped app, kept apart from
its files so they survive an upgrade.

``ff_design_overlays`` holds the draft overlay of each shipped app, one row per
operation in order, with the shipped value it was made against (``was``);
``ff_design_overlay_heads`` the draft's revision and the version published last;
``ff_design_overlay_versions`` every published overlay (its operations and ``was``s).
"""

from __future__ import annotations

import sqlalchemy as sa

from formflow.fields.columns import UtcDateTime
from formflow.storage.system import system_metadata

overlays = sa.Table(
    "ff_design_overlays",
    system_metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("op", sa.JSON, nullable=False),
    #: {"value": ...} the shipped value at the op's path when it was made; {} when absent.
    sa.Column("was", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

overlay_heads = sa.Table(
    "ff_design_overlay_heads",
    system_metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("published_version", sa.Integer, nullable=True),
)

overlay_versions = sa.Table(
    "ff_design_overlay_versions",
    system_metadata,
    sa.Column("app", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    #: [{"op", "was"}] in order.
    sa.Column("operations", sa.JSON, nullable=False),
)
