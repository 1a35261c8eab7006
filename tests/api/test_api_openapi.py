"""``/api/v1/openapi.json`` and ``/api/v1/meta``: generated from the metadata, valid, and
true to what the API answers."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from support.helpers import (
    PARTNERS,
    SAMPLES,
    add_departments,
    add_user,
    every_type_sample,
    module_app,
)

DOCUMENT = "urn:formflow:openapi"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("api-openapi")) as app:
        add_departments(app.extensions["formflow"])
        yield app


@pytest.fixture(scope="module")
def api(app):
    return add_user(app, "reader", roles=["manager", "auditor"])[1]


@pytest.fixture(scope="module")
def document(api):
    response = api.get("openapi.json")
    assert response.status_code == 200
    return response.get_json()


def validator(document: dict, pointer: str) -> Draft202012Validator:
    """A validator for the schema at ``pointer`` in the document, resolving its $refs."""
    registry = Registry().with_resource(
        DOCUMENT, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT}#{pointer}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@pytest.fixture(scope="module")
def record(api) -> dict:
    """A sample with a value in every field but ``approval_note``."""
    partner = api.post(PARTNERS, json={"name": "Acme", "phone": "+86 10 1234 5678"}).get_json()
    response = api.post(SAMPLES, json=every_type_sample(partner["id"]))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_document_is_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_there_is_one_schema_per_entity(document, runtime):
    entities = {entity.qualified_name for entity in runtime.model.entities()}
    assert set(document["components"]["schemas"]) == entities | {"Problem"}


def test_every_schema_is_a_valid_json_schema_2020_12(document):
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_the_document_passes_an_openapi_3_1_validator(document):
    validator_module = pytest.importorskip("openapi_spec_validator")
    validator_module.validate(document)


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/lab/sample", {"get", "post"}),
        ("/api/v1/lab/sample/{id}", {"get", "patch", "delete"}),
        ("/api/v1/lab/sample/{id}/history", {"get"}),
        ("/api/v1/lab/partner", {"get", "post"}),
    ],
)
def test_every_entity_has_its_paths(document, path, methods):
    assert set(document["paths"][path]) == methods
    for operation in document["paths"][path].values():
        assert operation["responses"]["401"]["content"]["application/problem+json"]


def test_the_list_parameters_are_the_filters_the_api_accepts(document, api):
    parameters = {p["name"] for p in document["paths"]["/api/v1/lab/sample"]["get"]["parameters"]}
    assert {
        "q",
        "sort",
        "page",
        "per_page",
        "quantity",
        "quantity__gte",
        "tags__contains",
        "partner__in",
        "name__contains",
        "attachment__isnull",
    } <= parameters
    assert not {"name__lt", "tags__in", "lines", "active__gt"} & parameters
    for name in sorted(parameters - {"q", "sort", "page", "per_page"}):
        value = {"isnull": "true", "contains": "red"}.get(name.partition("__")[2], "")
        assert api.get(SAMPLES, query_string={name: value}).status_code == 200, name


def test_a_record_read_back_validates_against_its_entity_schema(document, api, record):
    record = api.get(f"{SAMPLES}/{record['id']}").get_json()
    empty = {name for name, value in record.items() if value is None and name[0] != "_"}
    assert empty == {"approval_note"}  # every other field type is exercised
    validator(document, "/components/schemas/lab.sample").validate(record)


def test_a_list_page_validates_against_the_list_response(document, api, record):
    page = api.get(SAMPLES).get_json()
    pointer = "/paths/~1api~1v1~1lab~1sample/get/responses/200/content/application~1json/schema"
    validator(document, pointer).validate(page)


def test_a_problem_validates_against_the_problem_schema(document, api):
    problem = api.post(SAMPLES, json={"quantity": "x"}).get_json()
    validator(document, "/components/schemas/Problem").validate(problem)


def test_the_entity_schema_refuses_what_the_api_refuses(document):
    check = validator(document, "/components/schemas/lab.sample")
    assert not check.is_valid({"nosuch": 1})
    assert not check.is_valid({"kind": "premium"})
    assert not check.is_valid({"price": 1.5})  # decimals travel as strings


# -- /meta -----------------------------------------------------------------------------------


def sample_in_meta(api, language: str) -> dict:
    meta = api.get("meta", headers={"Accept-Language": language}).get_json()
    return next(e for a in meta["apps"] for e in a["entities"] if e["name"] == "sample")


@pytest.mark.parametrize(
    ("language", "label", "option"), [("en", "Sample", "Special"), ("zh-CN", "样品", "特殊")]
)
def test_meta_labels_follow_the_callers_language(api, language, label, option):
    sample = sample_in_meta(api, language)
    assert sample["label"] == label
    kind = next(f for f in sample["fields"] if f["name"] == "kind")
    assert [o["label"] for o in kind["options"]] == [
        "Basic" if language == "en" else "基础",
        option,
    ]


def test_meta_describes_fields_with_their_rules(api):
    fields = {f["name"]: f for f in sample_in_meta(api, "en")["fields"]}
    assert fields["name"]["required"] is True and fields["name"]["max_length"] == 60
    assert fields["code"]["unique"] is True
    assert fields["partner"]["to"] == "lab.partner"
    assert fields["partner_phone"]["fetch"] == "partner.phone"
    assert fields["total"]["compute"] == "sum(lines.amount)"
    assert fields["special_reason"]["visible_if"] == "kind == 'special'"
    assert [c["name"] for c in fields["lines"]["fields"]] == [
        "item",
        "qty",
        "unit_price",
        "amount",
        "discounted",
    ]
