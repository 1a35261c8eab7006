"""Fixtures of the shipped-app scenario tests (``test_app_*.py`` import them by name):
every shipped app and plugin installed (on PostgreSQL once per module, each test working
on a copy), a small company of people in every role, API clients acting as each of them,
and process actions through the API."""

from __future__ import annotations

import pytest

from support.app_helpers import Act, company, shipped_config, shipped_template
from support.process_helpers import Clients, database_copy


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    yield from shipped_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def database_url(template, tmp_path):
    yield from database_copy(template, tmp_path)


@pytest.fixture
def app(make_app, tmp_path):
    config = shipped_config(tmp_path)
    return make_app(config.pop("METADATA_PATH"), PLUGINS_PATH=config["PLUGINS_PATH"])


@pytest.fixture
def staff(runtime, make_user):
    return company(runtime, make_user)


@pytest.fixture
def api(api_as, staff):
    return Clients(api_as, staff)


@pytest.fixture
def act():
    return Act()
