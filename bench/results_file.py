"""``bench/RESULTS.md``: the machine line every result starts with, and the load test's
section, which ``load.py`` writes in place and ``all.py`` keeps when it rewrites the rest."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path

import sqlalchemy as sa

RESULTS = Path(__file__).resolve().with_name("RESULTS.md")
LOAD_BEGIN = "<!-- load test: written by bench/load.py -->"
LOAD_END = "<!-- end of load test -->"


def machine(postgres_url: str) -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        postgres = conn.exec_driver_sql("SHOW server_version").scalar()
    engine.dispose()
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {postgres} on loopback"
    )


def load_section(path: Path = RESULTS) -> str:
    """The load test's section of ``path`` with its markers, or "" when it has none."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    begin, end = text.find(LOAD_BEGIN), text.find(LOAD_END)
    if begin < 0 or end < begin:
        return ""
    return text[begin:end + len(LOAD_END)] + "\n"


def write_load_section(body: str, path: Path = RESULTS) -> None:
    """Put ``body`` between the load test's markers in ``path``, replacing what was there
    (at the end of the file the first time) and keeping the rest of the file."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    section = f"{LOAD_BEGIN}\n{body.strip()}\n{LOAD_END}\n"
    old = load_section(path)
    if old:
        text = text.replace(old.rstrip("\n"), section.rstrip("\n"), 1)
    else:
        text = text.rstrip("\n") + "\n\n" + section if text else section
    path.write_text(text, encoding="utf-8")
