"""Fixtures of the page tests: the lab app's manager (``mia``), and a clerk and a manager
in departments for the admin area."""

from __future__ import annotations

import pytest

from support.helpers import add_departments


@pytest.fixture
def manager(make_user):
    return make_user("mia", roles=["manager"])


@pytest.fixture
def people(runtime, make_user):
    add_departments(runtime)
    return {
        "carl": make_user("carl", roles=["clerk"], department="SALES"),
        "mia": make_user("mia", roles=["manager"], department="HQ"),
    }
