"""The journeys of the load test (a Locust file; ``bench/load.py`` runs it).

Sales reps browse customers (a filtered, sorted list page, then one record), and write
quotations with line items that they submit for approval; sales managers open their
to-do list and approve what waits there.  Each simulated person signs in with an API
token of a demo user (``LOAD_TOKENS``: a JSON file written by ``load.py``).

Managers share the one sales manager of the demo company: ``LOAD_MANAGERS`` simulated
managers (a fixed count) each approve only the tasks whose id falls to them (``task id %
managers``), so that two never decide the same task and every answer is expected to
succeed.  The tasks waiting there at the start (the demo's) are approved first.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from datetime import date, timedelta
from pathlib import Path

from load_steps import APPROVE, CREATE, INBOX, LIST, OPEN_CUSTOMER, OPEN_QUOTATION, SUBMIT
from locust import HttpUser, between, task

TOKENS = json.loads(Path(os.environ["LOAD_TOKENS"]).read_text(encoding="utf-8"))
MANAGERS = int(os.environ.get("LOAD_MANAGERS", "10"))
_slots = itertools.count()


class SalesRep(HttpUser):
    """Browses customers and writes quotations (everyone but the managers)."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {random.choice(TOKENS['reps'])}"
        self.customers: list[int] = []

    @task(5)
    def list_customers(self) -> None:
        level = random.choice("ABC")
        with self.client.get(
            f"/api/v1/crm/customer?level={level}&sort=-_created_at&per_page=25&page=2",
            name=LIST, catch_response=True,
        ) as answer:
            if answer.status_code == 200:
                self.customers = [item["id"] for item in answer.json()["items"]] or self.customers

    @task(4)
    def open_customer(self) -> None:
        if self.customers:
            self.client.get(f"/api/v1/crm/customer/{random.choice(self.customers)}",
                            name=OPEN_CUSTOMER)

    @task(2)
    def open_inbox(self) -> None:
        self.client.get("/api/v1/tasks", name=INBOX)

    @task(1)
    def write_quotation(self) -> None:
        if not self.customers:
            return
        today = date.today()
        body = {
            "subject": "Load test quotation",
            "customer": random.choice(self.customers),
            "quote_date": today.isoformat(),
            "valid_until": (today + timedelta(days=30)).isoformat(),
            "currency": "CNY",
            "lines": [
                {"product": f"Item {n}", "quantity": n + 1, "list_price": 100 + n,
                 "discount": 15}
                for n in range(3)
            ],
        }
        answer = self.client.post("/api/v1/crm/quotation", json=body,
                                  name=CREATE)
        if answer.status_code == 201:
            record = answer.json()
            moved_on(self.client.post(
                f"/api/v1/crm/quotation/{record['id']}/actions/submit",
                json={"state": "draft"}, name=SUBMIT, catch_response=True,
            ), "draft")


class SalesManager(HttpUser):
    """Opens the to-do list and approves the quotations waiting there."""

    fixed_count = MANAGERS
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKENS['manager']}"
        self.slot = next(_slots) % MANAGERS

    @task
    def approve_waiting(self) -> None:
        answer = self.client.get("/api/v1/tasks", name=INBOX)
        if answer.status_code != 200:
            return
        mine = [
            item for item in answer.json()["items"]
            if item["id"] % MANAGERS == self.slot
            and (item["app"], item["entity"]) == ("crm", "quotation")
        ]
        if not mine:
            return
        item = mine[0]
        self.client.get(f"/api/v1/crm/quotation/{item['record_id']}", name=OPEN_QUOTATION)
        moved_on(self.client.post(
            f"/api/v1/crm/quotation/{item['record_id']}/actions/approve",
            json={"state": item["state"], "comment": "OK"},
            name=APPROVE, catch_response=True,
        ), item["state"])


def moved_on(answer, state: str) -> None:
    """An action's answer (with ``catch_response``) is a failure unless the record left
    ``state``: the action must really act."""
    with answer:
        if answer.status_code == 200 and answer.json().get("_state") in (state, None):
            answer.failure(f"the record stayed in {state}")
