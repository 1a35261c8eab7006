"""Fixtures of the import and export tests: a holder of the depot app's import grant."""

from __future__ import annotations

import pytest


@pytest.fixture
def loader(make_user):
    return make_user("lou", roles=["loader"])
