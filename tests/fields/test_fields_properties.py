"""Properties of the field types over generated input, for every field of the lab app
(one of each type, line-item columns included): any JSON value or text either parses or
is refused with a FieldValueError; a parsed value validates, displays and survives the
trip through its JSON form unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formflow.fields import FieldValueError
from support.helpers import module_app

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.text(max_size=30)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["2024-02-29", "2024-02-30", "2026-04-01T09:00:00+08:00", "09:15", "25:61",
                       "1e999", "-0", "NaN", "Infinity", "0x10", " 7 ", "１２", "+86 10 1234",
                       "a@example.com", "https://example.com", "green", "HQ", "reader"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                  max_size=3),
    max_leaves=8,
)
EXAMPLES = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("fields-properties")) as app:
        yield app.extensions["formflow"]


def scalar_fields(runtime):
    for entity in runtime.model.entities():
        for field in entity.fields:
            for column in field.fields if field.is_table else (field,):
                if runtime.field_types[column.type].stored and not column.is_table:
                    yield column


@pytest.fixture(scope="module")
def fields(runtime):
    found = list(scalar_fields(runtime))
    assert len({f.type for f in found}) >= 15  # the lab app has one field of each type
    return found


def parsed_or_refused(parse, raw):
    """The parsed value, or None when it was refused as it should be."""
    try:
        return parse(raw), True
    except FieldValueError as error:
        assert error.message.render("en") and error.message.render("zh-CN")
        return None, False


def check_parsed(field_type, field, value) -> None:
    if value is None:
        return
    for problem in field_type.validate(field, value):
        assert problem.render("en")
    shown = field_type.to_json(field, value)
    assert isinstance(field_type.display(field, shown, "en"), str)
    again, ok = parsed_or_refused(lambda raw: field_type.parse(field, raw), shown)
    assert ok and again == value, (field.name, value, shown, again)


@EXAMPLES
@given(raw=json_values, pick=st.integers(min_value=0))
def test_any_json_value_parses_or_is_refused(runtime, fields, raw, pick):
    field = fields[pick % len(fields)]
    field_type = runtime.field_types[field.type]
    value, ok = parsed_or_refused(lambda r: field_type.parse(field, r), raw)
    if ok:
        check_parsed(field_type, field, value)


@EXAMPLES
@given(text=st.text(max_size=40) | st.from_regex(r"-?\d{1,30}(\.\d{0,30})?", fullmatch=True),
       pick=st.integers(min_value=0))
def test_any_text_parses_or_is_refused(runtime, fields, text, pick):
    field = fields[pick % len(fields)]
    field_type = runtime.field_types[field.type]
    value, ok = parsed_or_refused(lambda r: field_type.parse_text(field, r), text)
    if ok:
        check_parsed(field_type, field, value)


@pytest.mark.parametrize("raw", [Decimal("1e999999"), Decimal("-1e-999999"), 10**400, "9" * 400])
def test_huge_numbers_are_refused_or_kept_exactly(runtime, fields, raw):
    for field in fields:
        field_type = runtime.field_types[field.type]
        value, ok = parsed_or_refused(lambda r, t=field_type, f=field: t.parse(f, r), raw)
        if ok:
            check_parsed(field_type, field, value)
