"""Checking a draft again after an edit reuses what did not change, and finds exactly
the problems a check from scratch finds."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from formflow.design.operations import apply_ops
from formflow.fields import builtin_registry
from formflow.metadata.loader import check_site_app
from formflow.metadata.model import Model
from formflow.metadata.schema import validate_document
from formflow.metadata.site_cache import DocumentCache, validate_fieldwise

EMPTY = Model(apps=MappingProxyType({}))
DOCUMENTS = {
    "app.json": {"name": "shop"},
    "entities/customer.json": {"name": "customer", "fields": [
        {"name": "name", "type": "text"}, {"name": "discount", "type": "integer"},
        {"name": "region", "type": "link", "to": "region"}]},
    "entities/region.json": {"name": "region", "fields": [{"name": "rate", "type": "integer"}]},
    "entities/order.json": {"name": "order", "fields": [
        {"name": "customer", "type": "link", "to": "customer"},
        {"name": "cut", "type": "integer", "compute": "customer.discount"},
        {"name": "tax", "type": "integer", "compute": "customer.region.rate"},
        {"name": "phone", "type": "text", "fetch": "customer.name"}]},
}
EDITS = [
    [{"op": "set", "path": "entities/customer/fields/discount/name", "value": "rebate"}],
    [{"op": "set", "path": "entities/customer/fields/rebate/name", "value": "discount"}],
    [{"op": "set", "path": "entities/region/fields/rate/name", "value": "percent"}],
    [{"op": "set", "path": "entities/customer/fields/name/label", "value": "Name"}],
    [{"op": "remove", "path": "entities/region"}],
    [{"op": "set", "path": "entities/order/fields/cut/compute", "value": "customer.x +"}],
    [{"op": "set", "path": "entities/customer/fields/discount/type", "value": "nope"}],
    [{"op": "set", "path": "entities/order/fields/phone/fetch", "value": "customer.nothing"}],
]


def check(documents, cache=None):
    return check_site_app(EMPTY, "shop", documents, field_types=builtin_registry(),
                          cache=cache)[1]


def test_a_check_with_the_cache_finds_what_a_check_from_scratch_finds():
    cache = DocumentCache()
    documents = DOCUMENTS
    assert check(documents, cache) == check(documents) == []
    for ops in EDITS:
        documents = apply_ops(documents, ops)
        assert check(documents, cache) == check(documents), ops
    assert check(documents)  # the edits did leave problems


@pytest.mark.parametrize("document", [
    DOCUMENTS["entities/order.json"],
    {"name": "x", "fields": [{"name": "a", "type": "text", "bogus": 1},
                             {"name": "B", "type": "table", "fields": [{"type": 1}]}],
     "list": {"columns": []}},
    {"name": "x", "fields": []},
    {"name": "x", "fields": [1, {"name": "a"}]},
])
def test_fieldwise_validation_finds_what_whole_document_validation_finds(document):
    assert validate_fieldwise("entity", document, "f") == validate_document("entity", document,
                                                                            "f")
