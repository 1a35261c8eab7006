"""Bad input for every field type through the REST API: each value gets a 4xx with a
message saying what is wrong, on create and on update, and leaves the database as it
was.  Markup, SQL and any Unicode text are data: stored and returned verbatim."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from support.helpers import (
    PARTNERS,
    SAMPLES,
    add_departments,
    add_user,
    module_app,
    problem,
)

NAN, INFINITY = float("nan"), float("inf")
TEN_MB = 10 * 1024 * 1024


class Raw(str):
    """A JSON literal sent as is (``1e999999`` has no Python float)."""


ENTER_TEXT = "Enter text."
WHOLE = "Enter a whole number."
NUMBER = "Enter a number."
BOOLEAN = "Enter true or false."
DATE = "Enter a valid date (YYYY-MM-DD)."
DATETIME = "Enter a valid date and time (ISO 8601)."
TIME = "Enter a valid time (HH:MM)."
LINK = "Enter the id of a record."
CONTROL = "Remove control characters."
RATING = "Enter a rating from 1 to 5."

#: field -> [(value, English message) or (value, message, error path)]
BAD = {
    "memo": [  # text
        (123, ENTER_TEXT),
        (True, ENTER_TEXT),
        (1.5, ENTER_TEXT),
        ({"a": 1}, ENTER_TEXT),
        (["x"], ENTER_TEXT),
        (NAN, ENTER_TEXT),
        ("a\x00b", CONTROL),
        ("two\nlines", CONTROL),
        ("\x1b[31mred", CONTROL),
        ("tab\there", CONTROL),
        ("x" * 256, "Enter at most 255 characters."),
    ],
    "name": [("A", "Enter at least 2 characters."), ("x" * 61, "Enter at most 60 characters.")],
    "code": [("abc12", "The format is not valid."), ("ABC12'--", "The format is not valid.")],
    "description": [  # textarea
        (123, ENTER_TEXT),
        ("nul\x00", CONTROL),
        ("bell\x07", CONTROL),
        ("x" * 501, "Enter at most 500 characters."),
    ],
    "quantity": [  # integer
        ("abc", WHOLE),
        (True, WHOLE),
        (False, WHOLE),
        (1.5, WHOLE),
        ("1.5", WHOLE),
        (10**30, WHOLE),
        (-(10**30), WHOLE),
        (NAN, WHOLE),
        (INFINITY, WHOLE),
        (-INFINITY, WHOLE),
        (Raw("1e999999"), WHOLE),
        ("1e3", WHOLE),
        ("²", WHOLE),
        ("--5", WHOLE),
        ("0x10", WHOLE),
        ([1], WHOLE),
        ({"value": 1}, WHOLE),
        (-1, "Must be at least 0."),
        (1001, "Must be at most 1000."),
    ],
    "price": [  # decimal(10, 2)
        ("abc", NUMBER),
        (True, NUMBER),
        (NAN, NUMBER),
        (INFINITY, NUMBER),
        ("NaN", NUMBER),
        ("-Infinity", NUMBER),
        ([1], NUMBER),
        ("0x10", NUMBER),
        ("1.2.3", NUMBER),
        ("1.234", "Use at most 2 digits after the decimal point."),
        (Raw("1.0000000000000000000000000000001"), "Use at most 2 digits after the decimal point."),
        (10**30, "Use at most 8 digits before the decimal point."),
        (Raw("1e999999"), "Use at most 8 digits before the decimal point."),
        ("-0.01", "Must be at least 0."),
    ],
    "budget": [  # money
        ("ten", NUMBER),
        (False, NUMBER),
        ("12.345", "Use at most 2 digits after the decimal point."),
        ("¥12", NUMBER),
    ],
    "discount": [("50%", NUMBER), (True, NUMBER), ("-1", "Must be at least 0.")],  # percent
    "active": [  # boolean
        ("maybe", BOOLEAN),
        (2, BOOLEAN),
        (1.5, BOOLEAN),
        ([True], BOOLEAN),
        (NAN, BOOLEAN),
        ({"v": True}, BOOLEAN),
    ],
    "due": [  # date
        ("2026-02-30", DATE),
        ("2026-13-01", DATE),
        ("2025-02-29", DATE),
        ("31/12/2026", DATE),
        ("tomorrow", DATE),
        (20260101, DATE),
        (True, DATE),
        ("0000-01-01", DATE),
        ("1999-12-31", "Must be at least 2000-01-01."),
    ],
    "starts_at": [  # datetime
        ("2026-02-30T10:00:00Z", DATETIME),
        ("2026-01-01T24:61:00Z", DATETIME),
        ("now", DATETIME),
        (1700000000, DATETIME),
        (True, DATETIME),
        ("2026-01-01T10:00:00+25:00", DATETIME),
        ("9999-12-31T23:59:59-05:00", DATETIME),
        ("0001-01-01T00:00:00+05:00", DATETIME),
    ],
    "opens": [  # time
        ("24:61", TIME),
        ("25:00", TIME),
        ("12:60", TIME),
        ("noon", TIME),
        (930, TIME),
        (True, TIME),
    ],
    "kind": [  # select
        ("premium", "'premium' is not one of the choices."),
        ("Basic", "'Basic' is not one of the choices."),
        (1, "'1' is not one of the choices."),
        (["basic"], "\"['basic']\" is not one of the choices."),
    ],
    "tags": [  # multiselect
        (["pink"], "'pink' is not one of the choices."),
        ("pink", "'pink' is not one of the choices."),
        ([1], "'1' is not one of the choices."),
        ({"red": True}, "Enter a list of values."),
        (5, "Enter a list of values."),
    ],
    "partner": [  # link
        ("abc", LINK),
        (True, LINK),
        (1.5, LINK),
        (-1, LINK),
        (0, LINK),
        (10**30, LINK),
        (2**31, LINK),
        (NAN, LINK),
        (INFINITY, LINK),
        ({"id": 1}, LINK),
        (424242, "No Partner with id 424242, or you may not link it."),
    ],
    "owner": [  # user
        (123, ENTER_TEXT),
        (True, ENTER_TEXT),
        (["admin"], ENTER_TEXT),
        ("x" * 65, ENTER_TEXT),
        ("nobody", "No user named 'nobody'."),
    ],
    "team": [(123, ENTER_TEXT), ("NOPE", "No department with code 'NOPE'.")],  # department
    "lines": [  # table
        ("abc", "Enter a list of rows."),
        ({"item": "x"}, "Enter a list of rows."),
        ([1], "Each row must be an object.", "lines[0]"),
        (
            [{"item": "x", "qty": 1, "unit_price": "1", "bogus": 1}],
            "Unknown field.",
            "lines[0].bogus",
        ),
        ([{"item": "x", "qty": "many", "unit_price": "1"}], WHOLE, "lines[0].qty"),
        ([{"item": "x", "qty": 1, "unit_price": "1"}] * 51, "Lines may have at most 50 rows."),
    ],
    "email": [
        ("not-an-email", "Enter a valid e-mail address."),
        ("a@", "Enter a valid e-mail address."),
        ("@b.com", "Enter a valid e-mail address."),
        (123, "Enter a valid e-mail address."),
        ("a@b\x00.com", CONTROL),
    ],
    "phone": [
        ("abc", "Enter a valid phone number."),
        ("12", "Enter a valid phone number."),
        ("+86 10 <script>", "Enter a valid phone number."),
        (123456, "Enter a valid phone number."),
    ],
    "website": [
        ("javascript:alert(1)", "Enter a valid URL starting with http:// or https://."),
        ("ftp://example.org", "Enter a valid URL starting with http:// or https://."),
        ("not a url", "Enter a valid URL starting with http:// or https://."),
        ("http://", "Enter a valid URL starting with http:// or https://."),
    ],
    "attachment": [  # file
        ("../etc/passwd", "Enter a file reference."),
        ("/abs/path.pdf", "Enter a file reference."),
        ("a b.pdf", "Enter a file reference."),
        ("x" * 600, "Enter a file reference."),
    ],
    "photo": [("../x.png", "Enter a file reference."), ("C:\\x.png", "Enter a file reference.")],
    "score": [  # rating
        (6, RATING),
        (-1, RATING),
        ("five", RATING),
        (2.5, RATING),
        (True, RATING),
        (NAN, RATING),
    ],
}
CASES = [(field, *case) for field, cases in BAD.items() for case in cases]
FIELDS = sorted(BAD)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("api-bad-input")) as app:
        add_departments(app.extensions["formflow"])
        yield app


@pytest.fixture(scope="module")
def api(app):
    return add_user(app, "typist", roles=["manager"])[1]


@pytest.fixture(scope="module")
def record(api):
    """The record every refused update aims at (nothing may change it)."""
    return api.post(SAMPLES, json={"name": "Target"}).get_json()


def encode(payload: dict) -> str:
    """JSON text with NaN/Infinity as Python writes them and Raw values as literals."""
    raws = {
        f"__raw_{n}__": v for n, v in enumerate(v for v in payload.values() if isinstance(v, Raw))
    }
    marked = {k: next((m for m, r in raws.items() if r is v), v) for k, v in payload.items()}
    text = json.dumps(marked)
    for marker, raw in raws.items():
        text = text.replace(json.dumps(marker), raw)
    return text


def send(api, operation: str, record: dict, values: dict):
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if operation == "create":
        payload = {"name": "Valid name", **values}
        return api.post(SAMPLES, data=encode(payload), headers=headers)
    return api.patch(f"{SAMPLES}/{record['id']}", data=encode(values), headers=headers)


def case_id(case) -> str:
    field, value, *_ = case
    return f"{field}-{type(value).__name__}-{str(value)[:24]}"


@pytest.mark.parametrize("operation", ["create", "update"])
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_a_bad_value_is_422_with_a_message_and_writes_nothing(api, record, state, operation, case):
    field, value, message, *path = case
    before = state()
    body = problem(send(api, operation, record, {field: value}), 422)
    assert body["errors"] == {(path or [field])[0]: [message]}
    assert state() == before


@pytest.mark.parametrize("field", FIELDS)
def test_ten_megabytes_in_any_field_is_413_and_writes_nothing(api, record, state, field):
    before = state()
    value = [{"item": "x" * TEN_MB}] if field == "lines" else "x" * TEN_MB
    problem(send(api, "create", record, {field: value}), 413)
    assert state() == before


def test_a_big_value_under_the_size_bound_is_422(api, state):
    before = state()
    body = problem(send(api, "create", {}, {"memo": "x" * 1_000_000}), 422)
    assert body["errors"] == {"memo": ["Enter at most 255 characters."]}
    assert state() == before


# -- values that are data ------------------------------------------------------------------

VERBATIM = [
    ("name", "<script>alert(1)</script>"),
    ("description", '<img src=x onerror=alert(1)>\n<b>bold</b> & "quotes"'),
    ("name", "Robert'); DROP TABLE lab__sample;--"),
    ("memo", "1' OR '1'='1"),
    ("description", "'; DELETE FROM ff_users; --\n/* comment */ UNION SELECT 1"),
    ("name", "名称 · 样品 😀"),
    ("name", "مرحبا بالعالم"),
    ("memo", "שלום \u202eעולם\u202c mixed RTL"),
    ("description", "emoji 👩‍👩‍👧‍👦 🇨🇳 and tabs\tand\r\nlines"),
    ("memo", "e\u0301 combining, zero\u200bwidth"),
    ("name", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 beyond the BMP 𠀀"),
]


@pytest.mark.parametrize(("field", "value"), VERBATIM)
def test_markup_sql_and_any_unicode_are_stored_and_returned_verbatim(api, runtime, field, value):
    response = api.post(SAMPLES, json={"name": "Verbatim", field: value})
    assert response.status_code == 201, response.get_json()
    fetched = api.get(f"{SAMPLES}/{response.get_json()['id']}")
    assert fetched.mimetype == "application/json"
    assert fetched.get_json()[field] == value
    assert sa.inspect(runtime.db.engine).has_table("lab__sample")


@pytest.mark.parametrize("value", ["名称 😀", "مرحبا", "Robert'); DROP TABLE lab__sample;--"])
def test_unicode_and_sql_values_can_be_searched_and_filtered(api, value):
    created = api.post(SAMPLES, json={"name": value}).get_json()
    for query in ({"name": value}, {"q": value}, {"name__contains": value[1:4]}):
        items = api.get(SAMPLES, query_string=query).get_json()["items"]
        assert created["id"] in [item["id"] for item in items]


def test_a_link_to_a_partner_round_trips_its_id(api):
    partner = api.post(PARTNERS, json={"name": "Linked"}).get_json()
    record = api.post(SAMPLES, json={"name": "With link", "partner": str(partner["id"])}).get_json()
    assert record["partner"] == partner["id"]
