"""Fixtures of the designer tests: a holder of the designer role signed in to the pages."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE


@pytest.fixture
def designer(make_user, as_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    return lambda lang="en": as_user("dana", lang)
