"""Fixtures of the plugin tests: an app with test plugins written into a folder of the
test's own."""

from __future__ import annotations

import pytest

from support.plugin_support import plugin_env_factory


@pytest.fixture
def plugin_env(make_app, tmp_path):
    return plugin_env_factory(make_app, tmp_path)
