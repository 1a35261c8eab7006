"""Fixtures of the security tests: the records of the links scenario
(tests/metadata/links), built once per module."""

from __future__ import annotations

import pytest

from support.leak_support import build_link_world


@pytest.fixture(scope="module")
def links(app):
    return build_link_world(app)
