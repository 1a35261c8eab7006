"""Properties of list queries over generated arguments, run against the database: any
filter, search, sort and paging arguments give a page or a BadQuery that names the
problem, never another error (in the parser, in SQL, or from the database)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formflow.fields.base import ALL_OPERATORS
from formflow.records.query import BadQuery
from helpers import (
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
        yield runtime, user, names


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
    runtime, user, names = lab
    args = data.draw(arguments(names))
    try:
        page = runtime.records.list(user, SAMPLE, args)
    except BadQuery as error:
        assert error.message.render("en") and error.message.render("zh-CN")
        return
    assert page.total >= len(page.items)
