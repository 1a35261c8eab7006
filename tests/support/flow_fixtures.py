"""Fixtures of the process tests on the flow app (``test_process_*.py`` and
``test_web_process.py`` import them by name): the process test apps installed (on
PostgreSQL once per module, each test working on a copy), the Flow helper and the staff
of the leave scenario."""

from __future__ import annotations

import pytest

from support.process_helpers import (
    PROCESS_APPS,
    Flow,
    database_copy,
    flow_staff,
    installed_template,
)


@pytest.fixture
def metadata_path():
    return [PROCESS_APPS]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    yield from installed_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def database_url(template, tmp_path):
    yield from database_copy(template, tmp_path)


@pytest.fixture
def flow(runtime):
    return Flow(runtime)


@pytest.fixture
def staff(make_user):
    return flow_staff(make_user)
