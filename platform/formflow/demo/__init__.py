"""``formflow demo``: a believable company for the shipped apps.

Departments with heads and managers, about thirty people across every role, hundreds of
customers and products and thousands of records: most written in bulk through the
records layer's checks (:mod:`formflow.demo.bulk`), a representative share created and
moved through the services, so that every process has records in every state, with open
tasks (some of them overdue), copies and history.  One module per app.

Loading twice is harmless: the data is loaded once, the logins are returned every time.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

import click

from formflow.demo import crm, hr, inventory, oa, warehouse
from formflow.demo.bulk import Live, Loader, backdate, sample_pdf, store_file
from formflow.demo.company import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    USERS,
    create_company,
    logins,
    people,
    set_demo_admin_password,
)
from formflow.install import install
from formflow.runtime import Runtime

__all__ = ["ADMIN_PASSWORD", "DEMO_PASSWORD", "USERS", "load_demo"]

#: The apps in loading order (inventory needs crm's customers and the warehouses, the
#: warehouse documents need inventory's orders).
MODULES = (crm, warehouse.masters, inventory, warehouse, hr, oa)


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
        zone = self.runtime.records.timezone
        aware = local.replace(tzinfo=zone) if zone else local.replace(tzinfo=UTC)
        return min(aware.astimezone(UTC), self.now - timedelta(minutes=5))

    def later(self, moment: datetime, low_hours: float = 0.5, high_hours: float = 30) -> datetime:
        """A moment some hours after ``moment``, never in the future."""
        step = timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return min(moment + step, self.now - timedelta(minutes=1))

    def pick(self, names: list[str]) -> str:
        return self.rng.choice(names)

    def file(self, name: str, title: str) -> str:
        if name not in self.files:
            self.files[name] = store_file(self.runtime, sample_pdf(title), name)
        return self.files[name]

    def overdue(self, entity: str, record: dict, days: float) -> None:
        """Move a record made now ``days`` into the past (its open tasks with it)."""
        self.backdates.append((entity, record["id"], timedelta(days=days)))


def load_demo(
    runtime: Runtime, *, customers: int = 300, seed: int = 7
) -> list[tuple[str, str, str]]:
    """Install, create the demo company and its data once, and return (user, password,
    role) logins."""
    install(runtime)
    set_demo_admin_password(runtime)
    started = time.monotonic()
    if create_company(runtime):
        users = people(runtime)
        zone = runtime.records.timezone
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
        with runtime.db.write() as conn:
            loader = Loader(runtime, conn, users)
            for module in MODULES:
                module.bulk(demo, loader)
            loader.flush()
        live = Live(runtime, users)
        for module in MODULES:
            module.live(demo, live)
        backdate(runtime, demo.backdates)
        click.echo(
            f"Demo data loaded in {time.monotonic() - started:.1f} s: "
            f"{loader.count} records written in bulk, {len(live.made)} through the "
            f"services (all demo users' password: {DEMO_PASSWORD})."
        )
    return logins()
