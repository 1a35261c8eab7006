"""The OpenAPI document describes only what the caller may see."""

from __future__ import annotations

import pytest

from support.helpers import LAB


@pytest.fixture
def metadata_path():
    return [LAB]


def test_the_document_needs_a_signed_in_caller(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_a_field_the_caller_may_not_read_is_left_out(make_user, api_as):
    document = api_as(make_user("ria", roles=["reviewer"])).get("openapi.json").get_json()
    sample = document["components"]["schemas"]["lab.sample"]["properties"]
    assert "secret" not in sample
    parameters = document["paths"]["/api/v1/lab/sample"]["get"]["parameters"]
    assert not any(p["name"].startswith("secret") for p in parameters)
    auditor = api_as(make_user("audi", roles=["auditor"])).get("openapi.json").get_json()
    assert "secret" in auditor["components"]["schemas"]["lab.sample"]["properties"]


def test_an_entity_the_caller_may_not_see_is_left_out(make_user, api_as):
    document = api_as(make_user("otto", roles=["outsider"])).get("openapi.json").get_json()
    assert "lab.sample" not in document["components"]["schemas"]
    assert "/api/v1/lab/sample" not in document["paths"]
