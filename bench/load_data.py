"""The load test's database: the demo company scaled up, built once and then copied.

Building the demo company ×10 takes minutes (some 40,000 records, each checked as a save
would check it), so the first run keeps what it built as a PostgreSQL template database
(``ff_load_demo_x<scale>``, its uploaded files in a folder beside the temporary files)
and every run starts from a fresh copy of it, migrated to the tables the current code
makes (a new index, say).  The template is built again when what the data comes from
changed (the apps' metadata and demo data, the demo company), the scale or the date, or
on demand (``rebuild``).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from run import PG_SERVER, settle

ROOT = Path(__file__).resolve().parents[1]

from formflow import create_app  # noqa: E402
from formflow.demo import load_demo  # noqa: E402
from formflow.install import migrate  # noqa: E402

DATABASE = "ff_load"
SOURCES = (ROOT / "platform" / "formflow" / "demo", ROOT / "metadata")


def fingerprint(scale: int) -> str:
    """What the demo data depends on: the metadata, the demo company, the scale and
    today's date."""
    digest = hashlib.sha256(f"{scale} {datetime.now(UTC).date()}".encode())
    for top in SOURCES:
        for path in sorted(top.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".mo":
                digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _server() -> sa.Engine:
    return sa.create_engine(
        PG_SERVER.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )


def _url(database: str) -> str:
    return PG_SERVER.rsplit("/", 1)[0] + "/" + database


def _template_note(conn, template: str) -> str | None:
    return conn.execute(
        sa.text("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = :name"), {"name": template}
    ).scalar()


def _build(template: str, files: Path, scale: int, stamp: str) -> None:
    """Load the demo company (``scale`` × its 300 customers) into ``template``."""
    server = _server()
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {template}")
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    url = _url(template)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(files), "SECRET_KEY": "load"})
    runtime = app.extensions["formflow"]
    started = time.monotonic()
    load_demo(runtime, customers=300 * scale, progress=lambda line: print(f"  {line}", flush=True))
    seconds = time.monotonic() - started
    runtime.db.dispose()
    settle(url)
    with server.connect() as conn:  # marks the template complete
        conn.exec_driver_sql(f"COMMENT ON DATABASE {template} IS '{stamp} {seconds:.0f}'")
    server.dispose()


def _migrate(url: str, instance: Path) -> None:
    """Bring the copy's tables in line with the current code (the template may have been
    built by an earlier one)."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "load"})
    runtime = app.extensions["formflow"]
    for step in migrate(runtime):
        print(f"  migrated: {step.description}", flush=True)
    runtime.db.dispose()


def fresh_database(instance: Path, scale: int, rebuild: bool) -> tuple[str, float]:
    """A new database ``ff_load`` holding the demo company ×``scale``, its files copied
    into ``instance``: its URL and the seconds the demo took to build."""
    template = f"ff_load_demo_x{scale}"
    files = Path(tempfile.gettempdir()) / f"formflow-load-demo-x{scale}"
    stamp = fingerprint(scale)
    server = _server()
    with server.connect() as conn:
        note = _template_note(conn, template)
    if rebuild or not files.is_dir() or not note or note.split()[0] != stamp:
        _build(template, files, scale, stamp)
        with server.connect() as conn:
            note = _template_note(conn, template)
    started = time.monotonic()
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {DATABASE} TEMPLATE {template} STRATEGY FILE_COPY")
    server.dispose()
    shutil.copytree(files, instance, dirs_exist_ok=True)
    _migrate(_url(DATABASE), instance)
    print(f"Demo company ×{scale} copied from {template} in {time.monotonic() - started:.0f} s",
          flush=True)
    return _url(DATABASE), float(note.split()[1])
