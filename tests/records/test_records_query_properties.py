"""Properties of list queries over generated arguments, run against the database: any
filter, search, sort and paging arguments give a page or a BadQuery that names the
problem, never another error (in the parser, in SQL, or from the database).

And a field the caller may not read (``secret``, outside the reviewer's read roles) is
no oracle: whatever the list arguments or the writes, the reviewer's answer is the same
whatever the hidden values are, or whether a guess of one is right (imports: see
``test_security_hidden_fields``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formflow.errors import ServiceError
from formflow.fields.base import ALL_OPERATORS
from formflow.records.query import BadQuery
from support.helpers import (
    PARTNERS,
    SAMPLE,
    SAMPLES,
    add_departments,
    add_user,
    every_type_sample,
    module_app,
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The runtime, a user who reads everything, and the sample's field names."""
    with module_app(tmp_path_factory.mktemp("query-properties")) as app:
        runtime = app.extensions["formflow"]
        add_departments(runtime)
        user, api = add_user(app, "reader", roles=["manager", "auditor"])
        partner = api.post(PARTNERS, json={"name": "Acme"}).get_json()["id"]
        assert api.post(SAMPLES, json=every_type_sample(partner)).status_code == 201
        names = [f.name for f in runtime.model.entity(SAMPLE).fields]
        reviewer, _ = add_user(app, "reviewer", roles=["reviewer", "clerk"], department="HQ")
        for index in range(4):  # the reviewer's own samples, a secret set on each
            own = runtime.records.create(reviewer, SAMPLE, {"name": f"Reviewed {index}"})
            runtime.records.update(user, SAMPLE, own["id"], {"secret": f"s{index}"})
            runtime.records.create(user, SAMPLE, {"name": f"Other {index}",
                                                  "secret": f"t{index}"})
        yield runtime, user, names, reviewer


NAMES = ["id", "_version", "_state", "_created_at", "_updated_by", "nosuch", "", "__", "q"]
values = (
    st.text(max_size=20)
    | st.from_regex(r"-?\d{1,25}(\.\d{0,25})?(,-?\d{1,25})*", fullmatch=True)
    | st.sampled_from(["true", "false", "2024-02-29", "2024-13-01", "09:15", "green,red",
                       "HQ", "reader", "\x00", "%", "_", "'", "1e9999", ",,,", "-1"])
)


def mostly(good, odd):
    """``good`` four times in five, else ``odd``: most arguments reach the database."""
    return st.integers(0, 4).flatmap(lambda n: odd if n == 0 else good)


@st.composite
def arguments(draw, names):
    args = {}
    known = st.sampled_from(names)
    for _ in range(draw(st.integers(0, 3))):
        name = draw(mostly(known, st.sampled_from(NAMES) | st.text(max_size=8)))
        op = draw(mostly(st.sampled_from(["", "", "__ne", "__gte", "__lt", "__in", "__isnull"]),
                         st.sampled_from([*(f"__{op}" for op in ALL_OPERATORS), "__bad"])))
        args[name + op] = draw(st.lists(values, min_size=1, max_size=2))
    key = mostly(known, st.sampled_from(NAMES) | st.text(max_size=6))
    sort = st.lists(st.tuples(st.sampled_from(["", "-", "+", "--"]), key), max_size=3).map(
        lambda keys: ",".join(sign + name for sign, name in keys))
    number = mostly(st.integers(1, 3).map(str), values)
    for reserved, strategy in [("sort", sort), ("q", values), ("page", number),
                               ("per_page", number)]:
        if draw(st.booleans()):
            args[reserved] = [draw(strategy)]
    return args


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_list_arguments_give_a_page_or_a_bad_query(lab, data):
    runtime, user, names, _ = lab
    args = data.draw(arguments(names))
    try:
        page = runtime.records.list(user, SAMPLE, args)
    except BadQuery as error:
        assert error.message.render("en") and error.message.render("zh-CN")
        return
    assert page.total >= len(page.items)


# -- hidden fields are no oracle ------------------------------------------------------

HIDDEN = "secret"
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
secrets = st.text(st.sampled_from("st0123%_ "), max_size=4)


def _answer(call):
    """What the caller sees: the result, or the kind of error and its messages."""
    try:
        return call()
    except ServiceError as error:
        errors = getattr(error, "errors", None) or {}
        return (type(error).__name__, error.message.render("en"),
                {path: [m.render("en") for m in found] for path, found in errors.items()})


def _set_hidden(runtime, values: list[str]) -> None:
    """Give every sample another hidden value, behind the services' back (nothing else
    changes: not the version, not the audit trail)."""
    main = runtime.schema[SAMPLE].main
    with runtime.db.write() as conn:
        ids = conn.execute(sa.select(main.c.id).order_by(main.c.id)).scalars().all()
        for record_id, value in zip(ids, values * len(ids), strict=False):
            conn.execute(main.update().where(main.c.id == record_id).values({HIDDEN: value}))


def _hidden_values(runtime) -> dict[int, str]:
    main = runtime.schema[SAMPLE].main
    with runtime.db.read() as conn:
        return dict(conn.execute(sa.select(main.c.id, main.c[HIDDEN])).all())


@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_list_answers_alike_whatever_the_hidden_values(lab, data):
    """Filters, search, sort and paging on any field, the hidden one included."""
    runtime, _, names, reviewer = lab
    args = data.draw(arguments([*names, HIDDEN, HIDDEN]))
    if data.draw(st.booleans()):
        args["q"] = [data.draw(secrets)]

    def listed():
        page = runtime.records.list(reviewer, SAMPLE, args)
        return [item["id"] for item in page.items], page.total

    before = _answer(listed)
    _set_hidden(runtime, data.draw(st.lists(secrets, min_size=1, max_size=3)))
    assert _answer(listed) == before


@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_write_answers_alike_for_a_right_and_a_wrong_guess(lab, data):
    """Creates and updates sending the hidden field, alone or with other fields."""
    runtime, _, _, reviewer = lab
    stored = {i: v for i, v in _hidden_values(runtime).items() if v is not None}
    own = runtime.records.list(reviewer, SAMPLE, {"_created_by": ["reviewer"],
                                                  "sort": ["id"]}).items
    target = data.draw(st.sampled_from(own))
    right = stored[target["id"]]
    wrong = data.draw(secrets.filter(lambda guess: guess != right))
    extra = data.draw(st.fixed_dictionaries({}, optional={
        "memo": st.sampled_from(["m", "", None]), "quantity": st.sampled_from([1, -1, "x"]),
        "name": st.sampled_from(["Renamed", "x"])}))
    create = data.draw(st.booleans())

    def write(guess):
        payload = {**extra, HIDDEN: guess}
        if create:
            return lambda: runtime.records.create(reviewer, SAMPLE, payload)
        return lambda: runtime.records.update(reviewer, SAMPLE, target["id"], payload)

    before = _hidden_values(runtime)
    assert _answer(write(right)) == _answer(write(wrong))
    assert _hidden_values(runtime) == before

