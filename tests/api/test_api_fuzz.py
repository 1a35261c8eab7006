"""The API under generated requests (schemathesis, from ``/api/v1/openapi.json``): every
operation of the document, with data that fits it and data that does not, answers
without a server error, with a status, content type and body the document declares,
and refuses what the document forbids.

Not checked: that every request fitting the document is accepted.  Business rules say
more than a JSON Schema can (conditional required fields, rules across fields, unique
values, links to records that exist), so a refusal of fitting data is often right.

The number of examples is bounded so the run stays short (about a minute per backend on
an idle machine).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.helpers import (
    PARTNERS,
    SAMPLES,
    add_departments,
    add_user,
    every_type_sample,
    module_app,
)

pytestmark = pytest.mark.slow

#: Examples per operation and generation mode.
EXAMPLES = 30
#: The statuses that refuse generated bad data: schemathesis's list, and 412, which a
#: write carrying a generated ``If-Match`` gets when the version it names is not the
#: record's (refused before its body is read, as the header is checked first).
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "412", "413", "415", "422",
            "428", "429", "5xx"]
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """The app, the caller's headers and the ids of records that exist."""
    with module_app(tmp_path_factory.mktemp("api-fuzz")) as app:
        add_departments(app.extensions["formflow"])
        _, api = add_user(app, "reader", roles=["manager", "auditor"])
        partner = api.post(PARTNERS, json={"name": "Acme"}).get_json()["id"]
        sample = api.post(SAMPLES, json=every_type_sample(partner)).get_json()["id"]
        yield app, api.headers, sorted({partner, sample})


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE,
                                  schemathesis.GenerationMode.NEGATIVE])
def test_every_operation_answers_as_its_document_says(fuzzed, mode):
    app, headers, ids = fuzzed
    token = headers["Authorization"].removeprefix("Bearer ")
    config = schemathesis.Config.from_dict({
        "auth": {"openapi": {"bearer": {"bearer": token}}},
        "checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=headers,
                                            config=config)
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda operation: operation.method == "delete")  # deletes last
    assert len(operations) >= 10
    failures = []
    for operation in operations:
        cases = operation.as_strategy(mode)
        if any(p.name == "id" for p in operation.path_parameters):  # also records that exist
            cases = st.one_of(cases, *(operation.as_strategy(mode, path_parameters={"id": i})
                                       for i in ids))

        @given(case=cases)
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate(checks=CHECKS)

        try:
            call()
        except (Exception, BaseExceptionGroup) as failure:
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert not failures, "\n\n".join(failures)
