"""The scenario of the leak tests (``test_security_links.py``, ``_hidden_fields``,
``_files``): the app in ``tests/metadata/links``.

``lnk.customer`` is read ``own`` by every user and ``all`` by ``finance``, who alone
sees its ``credit_limit``, ``tax_id`` and ``rating_note``; ``lnk.contact`` links a
customer (and more in its line items) and fetches the customer's phone and credit
limit; ``lnk.order`` links a ``lnk.product`` with ``"link_scope": "all"``.

Alice and Victor are plain users, each with a customer of their own; Fiona is in
finance.  Victor's customer holds what Alice must never learn (``VICTOR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from formflow.auth import create_department
from support.helpers import database_state
from support.security_support import World

LINKS = Path(__file__).resolve().parents[1] / "metadata" / "links"
VICTOR = {
    "name": "Victor Trading Zzyzx", "phone": "+86 10 5550 9999", "memo": "victor's memo",
}
VICTOR_HIDDEN = {"credit_limit": "777777.00", "tax_id": "TAX-VICTOR-42", "rating_note": "GOLD"}
ALICE = {"name": "Alice Foods", "phone": "+86 10 5550 1111"}
ALICE_HIDDEN = {"credit_limit": "1000.00", "tax_id": "TAX-ALICE-1", "rating_note": "IRON"}


@dataclass
class LinkWorld:
    world: World
    alice_customer: dict
    victor_customer: dict

    @property
    def runtime(self):
        return self.world.runtime

    def state(self):
        return database_state(self.runtime)

    def missing_id(self) -> int:
        """An id no customer has (beyond every record made in the module)."""
        return self.victor_customer["id"] + 100_000


def build_link_world(app) -> LinkWorld:
    world = World(app)
    with world.runtime.db.write() as conn:
        create_department(conn, "HQ", "Head office")
    world.add("alice", ["user"])
    world.add("victor", ["user"])
    world.add("fiona", ["finance"])
    records = world.runtime.records
    customers = {}
    for name, visible, hidden in (("alice", ALICE, ALICE_HIDDEN), ("victor", VICTOR,
                                                                    VICTOR_HIDDEN)):
        created = records.create(world.users[name], "lnk.customer", visible)
        customers[name] = records.update(world.users["fiona"], "lnk.customer", created["id"],
                                         hidden)
    return LinkWorld(world, customers["alice"], customers["victor"])


def leaked(text: str) -> list[str]:
    """The pieces of Victor's customer found in ``text``."""
    secrets = [*VICTOR.values(), *VICTOR_HIDDEN.values(), "777777", "777,777", "5550 9999"]
    return [secret for secret in secrets if secret in text]
