"""Fixtures of the designer tests: a holder of the designer role signed in to the pages,
and the process builder's page of a new fleet process."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from support.design_support import VEHICLE, apply, create_app
from support.process_builder_support import PAGE
from support.web_support import csrf


@pytest.fixture
def designer(make_user, as_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    return lambda lang="en": as_user("dana", lang)


@pytest.fixture
def page(admin_api, designer):
    """The designer's client on the builder of the fleet app's new vehicle process."""
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    client = designer()
    response = client.post(
        "/designer/fleet/processes", data={"csrf_token": csrf(client), "entity": "vehicle"}
    )
    assert response.headers["Location"].endswith(PAGE)
    return client
