"""Fixtures of the process tests: the departments and people around the leave scenario
(``desk``), API clients acting as each of the ``staff``, and the people of the support
ticket scenario (tests/metadata/sla)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from support.process_helpers import Clients, desk_staff


@pytest.fixture
def desk(runtime, make_user):
    return desk_staff(runtime, make_user)


@pytest.fixture
def api(api_as, staff):
    return Clients(api_as, staff)


@pytest.fixture
def people(make_user):
    return SimpleNamespace(
        rita=make_user("rita"),
        ann=make_user("ann", roles=["agent"]),
        leo=make_user("leo", roles=["lead"]),
    )
