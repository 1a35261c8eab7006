"""Field types on their own, without a database: any JSON value, filter text or computed
result is either accepted or refused with a FieldValueError whose message is in the
catalog (never another exception), and accepted values survive a JSON round trip."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formflow.catalog import CATALOG
from formflow.expressions import BUILTIN_FUNCTIONS
from formflow.fields import FieldValueError, builtin_registry
from formflow.metadata.loader import load
from support.helpers import LAB

REGISTRY = builtin_registry()
MODEL = load([LAB], field_types=REGISTRY, functions=list(BUILTIN_FUNCTIONS))
SAMPLE = MODEL.entity("lab.sample")
FIELDS = [f for f in SAMPLE.fields if not f.is_table] + list(SAMPLE.field("lines").fields)
FIELD_IDS = [f"{f.name}:{f.type}" for f in FIELDS]
FUZZ = settings(max_examples=30, deadline=None)

TRICKY = [
    "",
    " ",
    "²",
    "--5",
    "+-1",
    "0x10",
    "1e3",
    "1e999999",
    "-1e999999",
    "NaN",
    "Infinity",
    "9" * 25,
    "1.005",
    "2026-02-30",
    "2026-02-29",
    "24:61",
    "23:59:60",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+05:00",
    "a\x00b",
    "\u202e",
    "😀",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "red,blue",
    "red,,pink",
    "../x",
    "true",
]
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            Decimal("1e999999999"),
            Decimal("-1e-999999999"),
            Decimal("NaN"),
            Decimal("Infinity"),
            2**63,
            -(2**63),
            2**63 - 1,
        ]
    ),
)
SCALARS = st.one_of(
    st.none(), st.booleans(), NUMBERS, st.text(max_size=30), st.sampled_from(TRICKY)
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
COMPUTED = st.one_of(
    SCALARS,
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.lists(st.sampled_from(["red", "blue", 1]), max_size=3),
)


def parse(field, raw):
    return REGISTRY[field.type].parse(field, raw)


def assert_explained(error: FieldValueError) -> None:
    assert error.message.key in CATALOG
    assert error.message.render("en") and error.message.render("zh-CN")


@pytest.mark.parametrize("field", FIELDS, ids=FIELD_IDS)
@FUZZ
@given(raw=JSON)
def test_any_json_value_is_refused_with_a_message_or_survives_a_round_trip(field, raw):
    field_type = REGISTRY[field.type]
    try:
        value = field_type.parse(field, raw)
    except FieldValueError as error:
        assert_explained(error)
        return
    if value is not None:
        assert all(message.key in CATALOG for message in field_type.validate(field, value))
        assert field_type.parse(field, field_type.to_json(field, value)) == value


@pytest.mark.parametrize("field", FIELDS, ids=FIELD_IDS)
@FUZZ
@given(text=st.one_of(st.text(max_size=40), st.sampled_from(TRICKY)))
def test_any_filter_text_is_accepted_or_refused_with_a_message(field, text):
    try:
        REGISTRY[field.type].parse_text(field, text)
    except FieldValueError as error:
        assert_explained(error)


@pytest.mark.parametrize("field", FIELDS, ids=FIELD_IDS)
@FUZZ
@given(value=COMPUTED)
def test_any_computed_result_is_stored_or_refused_as_a_value_error(field, value):
    with contextlib.suppress(ValueError):
        REGISTRY[field.type].from_computed(field, value)


@pytest.mark.parametrize(
    ("name", "raw", "key"),
    [
        ("quantity", Decimal("1e999999999"), "invalid_integer"),
        ("quantity", float("inf"), "invalid_integer"),
        ("quantity", "²", "invalid_integer"),
        ("quantity", "--5", "invalid_integer"),
        ("quantity", 2**63, "invalid_integer"),
        ("price", 10**30, "too_many_digits"),
        ("price", Decimal("1e999999999"), "too_many_digits"),
        ("price", "99999999.999", "too_many_decimals"),
        ("price", "1.0000000000000000000000000000001", "too_many_decimals"),
        ("starts_at", "9999-12-31T23:59:59-05:00", "invalid_datetime"),
        ("starts_at", "0001-01-01T00:00:00+05:00", "invalid_datetime"),
        ("partner", float("inf"), "invalid_link"),
        ("score", float("inf"), "invalid_rating"),
    ],
)
def test_extreme_values_are_refused_quickly_with_their_reason(name, raw, key):
    started = time.perf_counter()
    with pytest.raises(FieldValueError) as excinfo:
        parse(SAMPLE.field(name), raw)
    assert excinfo.value.message.key == key
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("name", [f.name for f in FIELDS if f.type in ("user", "department")])
@pytest.mark.parametrize("raw", [" ", "\u3000", "\t "])
def test_a_user_or_department_of_spaces_alone_is_empty(name, raw):
    assert parse(SAMPLE.field(name), raw) is None


@pytest.mark.parametrize(
    ("name", "value", "stored"),
    [
        ("budget", Decimal("1.005"), Decimal("1.01")),  # computed values round half up
        ("budget", 7, Decimal("7.00")),
        ("quantity", Decimal("2.5"), 3),
        ("due", datetime(2026, 5, 1, 23, 0, tzinfo=UTC), date(2026, 5, 1)),
    ],
)
def test_computed_values_are_fitted_to_their_field(name, value, stored):
    assert REGISTRY[SAMPLE.field(name).type].from_computed(SAMPLE.field(name), value) == stored


@pytest.mark.parametrize("value", [Decimal(10**30), Decimal("NaN"), Decimal("Infinity")])
def test_a_computed_number_that_does_not_fit_is_a_value_error(value):
    with pytest.raises(ValueError):
        REGISTRY["money"].from_computed(SAMPLE.field("budget"), value)
