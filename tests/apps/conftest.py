"""Fixtures of the shipped-app scenarios: the crm customer the sales scenarios start from."""

from __future__ import annotations

import pytest

from support.app_helpers import created


@pytest.fixture
def customer(api):
    return created(
        api.sam.post(
            "crm/customer",
            json={
                "name": "Acme Ltd.",
                "code": "ACME",
                "credit_limit": "500000.00",
                "owner": "rita",
            },
        )
    )
