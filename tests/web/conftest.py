"""Fixtures of the page tests: the lab app's manager (``mia``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def manager(make_user):
    return make_user("mia", roles=["manager"])
