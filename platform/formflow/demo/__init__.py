"""``formflow demo``: a believable company for the shipped apps.

Departments with heads and managers, about thirty people across every role, hundreds of
customers and products and thousands of records: most written in bulk through the
records layer's checks (:mod:`formflow.demo.bulk`), a representative share created and
moved through the services, so that every process has records in every state, with open
tasks (some of them overdue), copies and history.  Each app's own data is a module next
to its metadata (``metadata/apps/<app>/demo.py``, found by :mod:`formflow.demo.apps`).

Loading twice is harmless: the data is loaded once (a second run finds the demo
company and leaves everything as it is); :func:`reset` empties the database to start
over.  Loading reports its steps, with counts, through a ``progress`` callable.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

import sqlalchemy as sa

from formflow.demo.apps import demo_modules
from formflow.demo.bulk import Live, Loader, backdate, sample_pdf, store_file
from formflow.demo.company import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    DEPARTMENTS,
    USERS,
    company_state,
    create_company,
    open_sign_in,
    people,
    set_demo_admin_password,
)
from formflow.install import install
from formflow.runtime import Runtime

__all__ = ["ADMIN_PASSWORD", "DEMO_PASSWORD", "USERS", "DemoIncomplete", "load_demo", "reset"]

#: The steps in loading order: (what the progress line says, the app, the part of its
#: demo module; None: the module itself).  Inventory needs crm's customers and the
#: warehouses, the warehouse documents need inventory's orders.
STEPS = (
    ("crm", "crm", None),
    ("warehouse masters", "warehouse", "masters"),
    ("inventory", "inventory", None),
    ("warehouse", "warehouse", None),
    ("hr", "hr", None),
    ("oa", "oa", None),
)


class DemoIncomplete(Exception):
    """An earlier load stopped half-way (interrupted, or failed): only a reset helps."""


#: The sample attachments the app modules use, by file name, with the title they show.
SAMPLE_FILES = {
    "medical-certificate.pdf": "Medical certificate",
    "invoice.pdf": "VAT invoice",
    "contract-draft.pdf": "Contract draft",
    "business-licence.pdf": "Business licence",
    "contract-signed.pdf": "Signed contract",
}


@dataclass
class Demo:
    """What the app modules share while loading."""

    runtime: Runtime
    rng: random.Random
    users: dict[str, Any]
    scale: float
    today: date
    now: datetime
    data: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    #: (entity, record id, how far back) for records made through the services.
    backdates: list[tuple[str, int, timedelta]] = field(default_factory=list)

    def n(self, count: int) -> int:
        """``count`` scaled to the demo's size (at least 1)."""
        return max(1, round(count * self.scale))

    def moment(self, days_ago: float, *, hour: int | None = None) -> datetime:
        """A working-hours moment ``days_ago`` days before today (local time), in UTC."""
        day = self.today - timedelta(days=int(days_ago))
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        hour = hour if hour is not None else self.rng.randint(9, 16)
        local = datetime.combine(day, clock(hour, self.rng.randrange(0, 60, 5)))
        zone = self.runtime.timezone
        aware = local.replace(tzinfo=zone) if zone else local.replace(tzinfo=UTC)
        return min(aware.astimezone(UTC), self.now - timedelta(minutes=5))

    def later(self, moment: datetime, low_hours: float = 0.5, high_hours: float = 30) -> datetime:
        """A moment some hours after ``moment``, never in the future."""
        step = timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return min(moment + step, self.now - timedelta(minutes=1))

    def pick(self, names: list[str]) -> str:
        return self.rng.choice(names)

    def file(self, name: str, title: str) -> str:
        """The storage key of the sample file ``name`` (stored on first use, outside a
        write transaction: see :meth:`store_samples`)."""
        if name not in self.files:
            self.files[name] = store_file(self.runtime, sample_pdf(title), name)
        return self.files[name]

    def store_samples(self) -> None:
        """Store the sample attachments before the bulk load's write transaction."""
        for name, title in SAMPLE_FILES.items():
            self.file(name, title)

    def overdue(self, entity: str, record: dict, days: float) -> None:
        """Move a record made now ``days`` into the past (its open tasks with it)."""
        self.backdates.append((entity, record["id"], timedelta(days=days)))


def load_demo(
    runtime: Runtime,
    *,
    customers: int = 300,
    seed: int = 7,
    progress: Callable[[str], None] = lambda line: None,
) -> bool:
    """Install, then create the demo company and its data unless it is there already.

    True when the data was loaded now; False when an earlier run had loaded it.
    ``progress`` receives one line per step.  The demo people can sign in only once
    everything is loaded; :class:`DemoIncomplete` when an earlier load did not finish."""
    started = time.monotonic()
    steps, _ = install(runtime)
    set_demo_admin_password(runtime)
    progress(f"Database ready ({len(steps)} changes).")
    state = company_state(runtime)
    if state == "loaded":
        return False
    if state == "partial":
        raise DemoIncomplete("an earlier load of the demo data did not finish")
    create_company(runtime)
    users = people(runtime)
    progress(f"company: {len(DEPARTMENTS)} departments, {len(USERS)} people")
    zone = runtime.timezone
    now = datetime.now(UTC)
    demo = Demo(
        runtime,
        random.Random(seed),
        users,
        scale=customers / 300,
        today=(now.astimezone(zone) if zone else now).date(),
        now=now,
    )
    demo.data["customers_wanted"] = customers
    demo.store_samples()
    steps = demo_steps(runtime)
    with runtime.db.write() as conn:
        loader = Loader(runtime, conn, users)
        for name, module in steps:
            clock_started, before = time.monotonic(), Counter(loader.counts)
            module.bulk(demo, loader)
            _report(progress, name, loader.counts - before, clock_started)
        loader.flush()
    live = Live(runtime, users)
    for name, module in steps:
        clock_started, before = time.monotonic(), len(live.made)
        module.live(demo, live)
        made = Counter(entity for entity, _ in live.made[before:])
        _report(progress, f"{name}, through the services", made, clock_started)
    backdate(runtime, demo.backdates)
    runtime.insights.rebuild()  # the bulk events and the moved times, summarized
    open_sign_in(runtime)
    progress(
        f"Demo data loaded in {time.monotonic() - started:.1f} s: {loader.counts.total()} records "
        f"written in bulk, {len(live.made)} through the services."
    )
    return True


def demo_steps(runtime: Runtime) -> list[tuple[str, Any]]:
    """:data:`STEPS` with the demo modules of the apps on the metadata path (a step whose
    app has no demo module is left out)."""
    modules = demo_modules(runtime.settings["METADATA_PATH"])
    return [(name, module if part is None else getattr(module, part))
            for name, app, part in STEPS if (module := modules.get(app)) is not None]


def _report(progress, step: str, counts: Counter, started: float) -> None:
    if not counts:
        return
    each = ", ".join(f"{count:,} {entity.split('.')[-1]}" for entity, count in counts.items())
    progress(f"{step}: {each} ... done in {time.monotonic() - started:.1f} s")


def reset(runtime: Runtime) -> int:
    """Drop every table of the database (Formflow's and any other); returns how many.
    Tables that refer to each other go all the same: PostgreSQL drops the constraints
    with the tables, SQLite drops with its foreign key checks off."""
    engine = runtime.db.engine
    names = sa.inspect(engine).get_table_names()
    quote = engine.dialect.identifier_preparer.quote
    if not runtime.db.is_sqlite:
        with runtime.db.write() as conn:
            for name in names:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name)} CASCADE")
        return len(names)
    connection = engine.raw_connection()  # in autocommit mode: the pragma needs that
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys = OFF")
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        connection.close()
    return len(names)
