"""Permissions through the REST API: role scopes (own, department, all, none) for every
operation, no existence leak outside the read scope, and field read/write roles.

The world: departments HQ with SALES below it and OTHER beside them; one user in HQ per
scope of the lab sample entity (clerk: own, supervisor: department, manager: all,
outsider: none), a colleague in SALES and a stranger in OTHER.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from support.helpers import (
    SAMPLE,
    SAMPLES,
    add_departments,
    add_user,
    module_app,
    problem,
)

SCOPE_ROLES = {"own": "clerk", "department": "supervisor", "all": "manager", "none": "outsider"}
TARGETS = ("self", "colleague", "stranger")
VISIBLE = {
    "own": {"self"},
    "department": {"self", "colleague"},
    "all": {"self", "colleague", "stranger"},
    "none": set(),
}
SUCCESS = {"read": 200, "update": 200, "delete": 204}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("api-permissions")) as app:
        yield app


@pytest.fixture(scope="module")
def world(app):
    """Users by name: (User, ApiClient)."""
    add_departments(app.extensions["formflow"])
    people = {f"{scope}_hq": (role, "HQ") for scope, role in SCOPE_ROLES.items()}
    people.update(
        colleague=("clerk", "SALES"),
        stranger=("clerk", "OTHER"),
        reviewer=("reviewer", "HQ"),
        auditor=("auditor", "HQ"),
        supervisor_sales=("supervisor", "SALES"),
    )
    return {
        name: add_user(app, name, roles=[role], department=department)
        for name, (role, department) in people.items()
    }


NUMBERS = itertools.count(1)


def record_by(runtime, world, name: str, **values) -> dict:
    """A sample created by ``name`` (through the service, whatever their grant), with a
    name of its own."""
    user = dataclasses.replace(world[name][0], roles=frozenset({"user", "admin"}))
    return runtime.records.create(user, SAMPLE, {"name": f"By {name} {next(NUMBERS)}", **values})


def target_record(runtime, world, scope: str, target: str) -> dict:
    return record_by(runtime, world, f"{scope}_hq" if target == "self" else target)


def call(api, operation: str, record: dict):
    path = f"{SAMPLES}/{record['id']}"
    if operation == "read":
        return api.get(path)
    if operation == "update":
        return api.patch(path, json={"memo": "changed"})
    return api.delete(path)


# -- the scope matrix ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "target", "operation"), list(itertools.product(SCOPE_ROLES, TARGETS, SUCCESS))
)
def test_record_operations_follow_the_scope(runtime, world, state, scope, target, operation):
    record = target_record(runtime, world, scope, target)
    api = world[f"{scope}_hq"][1]
    before = state()
    response = call(api, operation, record)
    if target in VISIBLE[scope]:
        assert response.status_code == SUCCESS[operation], response.get_json()
    else:
        problem(response, 404)  # outside the read scope: as if it did not exist
        assert state() == before


@pytest.mark.parametrize(("scope", "target"), list(itertools.product(SCOPE_ROLES, TARGETS)))
def test_list_shows_only_records_in_scope(runtime, world, scope, target):
    record = target_record(runtime, world, scope, target)
    response = world[f"{scope}_hq"][1].get(f"{SAMPLES}?per_page=200&name={record['name']}")
    if scope == "none":
        problem(response, 403)
        return
    ids = {item["id"] for item in response.get_json()["items"]}
    assert (record["id"] in ids) is (target in VISIBLE[scope])


@pytest.mark.parametrize("scope", SCOPE_ROLES)
def test_create_needs_the_create_flag(world, state, scope):
    before = state()
    response = world[f"{scope}_hq"][1].post(SAMPLES, json={"name": "New one"})
    if scope == "none":
        problem(response, 403)
        assert state() == before
    else:
        assert response.status_code == 201
        assert response.get_json()["_created_by"] == f"{scope}_hq"


@pytest.mark.parametrize(("scope", "target"), list(itertools.product(SCOPE_ROLES, TARGETS)))
def test_restore_follows_the_scope_without_revealing_deleted_records(
    runtime, world, state, scope, target
):
    record = target_record(runtime, world, scope, target)
    runtime.records.delete(world["all_hq"][0], SAMPLE, record["id"])
    before = state()
    response = world[f"{scope}_hq"][1].post(f"{SAMPLES}/{record['id']}/restore")
    if target in VISIBLE[scope]:
        assert response.status_code == 200
    else:
        problem(response, 404)
        assert state() == before


def test_restore_inside_read_scope_but_outside_delete_scope_is_403(runtime, world, state):
    record = record_by(runtime, world, "colleague")
    runtime.records.delete(world["all_hq"][0], SAMPLE, record["id"])
    before = state()
    problem(world["reviewer"][1].post(f"{SAMPLES}/{record['id']}/restore"), 403)
    assert state() == before


def test_department_scope_reaches_down_not_up(runtime, world):
    from_hq = record_by(runtime, world, "all_hq")
    from_sales = record_by(runtime, world, "colleague")
    api = world["supervisor_sales"][1]
    problem(api.get(f"{SAMPLES}/{from_hq['id']}"), 404)
    assert api.get(f"{SAMPLES}/{from_sales['id']}").status_code == 200


@pytest.mark.parametrize("operation", ["update", "delete"])
@pytest.mark.parametrize("reader", ["reviewer", "auditor"])
def test_a_change_inside_read_scope_but_outside_change_scope_is_403(
    runtime, world, state, reader, operation
):
    record = record_by(runtime, world, "colleague")
    api = world[reader][1]
    assert api.get(f"{SAMPLES}/{record['id']}").status_code == 200
    before = state()
    problem(call(api, operation, record), 403)
    assert state() == before


def test_a_hidden_record_and_a_missing_one_answer_alike(runtime, world):
    hidden = record_by(runtime, world, "stranger")
    api = world["own_hq"][1]
    missing_id = hidden["id"] + 100_000
    first = problem(api.get(f"{SAMPLES}/{hidden['id']}"), 404)
    second = problem(api.get(f"{SAMPLES}/{missing_id}"), 404)
    assert first["detail"].replace(str(hidden["id"]), "ID") == second["detail"].replace(
        str(missing_id), "ID"
    )


# -- field read and write roles ---------------------------------------------------------------


def test_a_field_outside_read_roles_is_hidden_everywhere(runtime, world):
    record = record_by(runtime, world, "own_hq")
    world["all_hq"][1].patch(f"{SAMPLES}/{record['id']}", json={"secret": "classified"})
    clerk = world["own_hq"][1]
    assert "secret" not in clerk.get(f"{SAMPLES}/{record['id']}").get_json()
    listed = clerk.get(f"{SAMPLES}?name={record['name']}").get_json()["items"]
    assert [item["id"] for item in listed] == [record["id"]]
    assert "secret" not in listed[0]
    history = clerk.get(f"{SAMPLES}/{record['id']}/history").get_json()["items"]
    assert all("secret" not in entry["changes"] for entry in history)
    auditor = world["auditor"][1]
    assert auditor.get(f"{SAMPLES}/{record['id']}").get_json()["secret"] == "classified"


@pytest.mark.parametrize(
    "query", ["secret=classified", "secret__isnull=false", "sort=secret", "secret__contains=c"]
)
def test_filtering_or_sorting_on_a_hidden_field_is_400_like_an_unknown_one(world, query):
    clerk = world["own_hq"][1]
    hidden = problem(clerk.get(f"{SAMPLES}?{query}"), 400)
    unknown = problem(clerk.get(f"{SAMPLES}?{query.replace('secret', 'nosuch')}"), 400)
    assert hidden["detail"].replace("secret", "F") == unknown["detail"].replace("nosuch", "F")
    assert world["auditor"][1].get(f"{SAMPLES}?{query}").status_code == 200


def test_writing_a_hidden_field_is_422(world, state):
    before = state()
    body = problem(world["own_hq"][1].post(SAMPLES, json={"name": "Sneaky", "secret": "x"}), 422)
    assert list(body["errors"]) == ["secret"]
    assert state() == before


@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_field_outside_write_roles_is_422_on_that_field(runtime, world, state, operation):
    clerk = world["own_hq"][1]
    record = record_by(runtime, world, "own_hq", rate="1.5")
    before = state()
    if operation == "create":
        response = clerk.post(SAMPLES, json={"name": "Rated", "rate": "2.0"})
    else:
        response = clerk.patch(f"{SAMPLES}/{record['id']}", json={"rate": "2.0"})
    body = problem(response, 422)
    assert list(body["errors"]) == ["rate"]
    assert state() == before


def test_a_field_in_write_roles_may_be_written(runtime, world):
    record = record_by(runtime, world, "own_hq", rate="1.5")
    response = world["all_hq"][1].patch(f"{SAMPLES}/{record['id']}", json={"rate": "2.0"})
    assert response.get_json()["rate"] == "2.0"


def test_an_unchanged_write_protected_value_may_be_sent_back(runtime, world):
    record = record_by(runtime, world, "own_hq", rate="1.5")
    clerk = world["own_hq"][1]
    current = clerk.get(f"{SAMPLES}/{record['id']}").get_json()
    response = clerk.patch(f"{SAMPLES}/{record['id']}", json={**current, "memo": "ok"})
    assert response.status_code == 200
    assert response.get_json()["rate"] == "1.5"


# -- /meta ----------------------------------------------------------------------------------


def entities_in_meta(api) -> dict[str, list[str]]:
    meta = api.get("meta").get_json()
    return {
        f"{app['name']}.{entity['name']}": [f["name"] for f in entity["fields"]]
        for app in meta["apps"]
        for entity in app["entities"]
    }


def test_meta_lists_only_the_entities_a_user_may_see(world):
    assert set(entities_in_meta(world["none_hq"][1])) == {"lab.partner"}
    assert set(entities_in_meta(world["own_hq"][1])) == {"lab.partner", "lab.sample"}


@pytest.mark.parametrize(("user", "sees_secret"), [("own_hq", False), ("auditor", True)])
def test_meta_lists_only_the_fields_a_user_may_read(world, user, sees_secret):
    fields = entities_in_meta(world[user][1])["lab.sample"]
    assert ("secret" in fields) is sees_secret
    assert {"name", "lines", "rate"} <= set(fields)


def test_meta_shows_the_grant(world):
    meta = world["department_hq"][1].get("meta").get_json()
    sample = next(e for a in meta["apps"] for e in a["entities"] if e["name"] == "sample")
    assert sample["permissions"] == {
        "create": True,
        "read": "department",
        "update": "department",
        "delete": "department",
        "export": False,
        "import": False,
    }
