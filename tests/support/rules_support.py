"""Fixtures of the approval-rule tests (``test_process_chain.py``,
``test_process_auto_decisions.py``, ...): the ``approvals`` scenario app (a claim routed by
its ``route`` field to a step for each rule) and its people.

The org chart: emp reports to m1, m1 to m2 (head of TEAM), m2 to m3 (a director), m3 to
ceo (head of CORP, above TEAM).  fin1 and fin2 are in finance; pat has nothing to do with
any of it.  Everyone signs in with the usual test password.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from formflow.auth import create_department, set_manager
from support import TEST_APPS
from support.process_helpers import Flow

CLAIM = "approvals.claim"
RULES_APPS = TEST_APPS / "rules"


@pytest.fixture
def metadata_path():
    return [RULES_APPS]


@pytest.fixture
def flow(runtime):
    return Flow(runtime)


@pytest.fixture
def org(runtime, make_user):
    people = SimpleNamespace(
        ceo=make_user("ceo"),
        m3=make_user("m3", roles=["director"]),
        m2=make_user("m2"),
        m1=make_user("m1"),
        fin1=make_user("fin1", roles=["finance"]),
        fin2=make_user("fin2", roles=["finance"]),
        pat=make_user("pat"),
    )
    with runtime.db.write() as conn:
        create_department(conn, "CORP", "Corporate", head="ceo")
        create_department(conn, "TEAM", "Team", parent="CORP", head="m2")
        set_manager(conn, people.m3.id, "ceo")
        set_manager(conn, people.m2.id, "m3")
        set_manager(conn, people.m1.id, "m2")
    people.emp = make_user("emp", department="TEAM", manager="m1")
    return people


def submitted(flow, user, route: str, **values) -> int:
    """A claim of ``user`` on ``route``, submitted; its id."""
    record = flow.create(user, CLAIM, route=route, subject=values.pop("subject", route), **values)
    flow.act(user, CLAIM, record["id"], "submit")
    return record["id"]
