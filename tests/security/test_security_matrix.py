"""The authorization matrix: every actor × entity × operation × whose record, through the
REST API and through the pages, generated from the metadata of ``tests/metadata/security``.

The expected outcome comes from :func:`security_support.expected_grant`, which reads the
entity files directly: allowed operations succeed; an operation on a record outside the
read scope is a 404 (as if it did not exist); inside the read scope but outside the
operation's scope it is a 403; and a refused request answers no data of the record and
writes nothing.
"""

from __future__ import annotations

import itertools
from urllib.parse import quote

import pytest

from support.helpers import database_state, module_app
from support.process_helpers import path_of
from support.security_support import (
    REACH,
    SECURITY,
    TARGETS,
    actor_roles,
    build_world,
    entity_documents,
    expected_grant,
)
from support.web_support import csrf

DOCUMENTS = entity_documents()
ACTORS = actor_roles()
RECORD_OPERATIONS = ("read", "history", "update", "delete", "restore")
PAGE_OPERATIONS = ("view", "edit_form", "edit_post", "delete_post", "restore_post")
ENTITY_PAGES = ("new_form", "create_post", "export")


def grant_of(actor: str, entity: str) -> dict:
    return expected_grant(DOCUMENTS[entity], frozenset({"user", *ACTORS[actor]}))


def targets_of(entity: str) -> tuple[str, ...]:
    """Only an entity with a process has records on which someone holds a task."""
    return TARGETS if "process" in DOCUMENTS[entity] else TARGETS[:-1]


def record_cases(operations) -> list[tuple[str, str, str, str]]:
    return [
        (actor, entity, operation, target)
        for actor, entity, operation in itertools.product(ACTORS, DOCUMENTS, operations)
        for target in targets_of(entity)
    ]


def expected_status(grant: dict, operation: str, target: str, success: int) -> int:
    """``success``, 403 (may see it, may not do that) or 404 (may not see it)."""
    if target not in REACH[grant["read"]]:
        return 404
    needed = {"update": "update", "edit_form": "update", "edit_post": "update",
              "delete": "delete", "delete_post": "delete", "restore": "delete",
              "restore_post": "delete"}.get(operation)
    if needed is None or target in REACH[grant[needed]]:
        return success
    return 403




@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("security-matrix"), metadata_path=(SECURITY,)) as app:
        yield app


@pytest.fixture(scope="module")
def world(app):
    return build_world(app)


@pytest.fixture
def state(world):
    return lambda: database_state(world.runtime)


def title_of(record: dict) -> str:
    return record.get("title") or record["name"]


def prepare(world, entity: str, operation: str, actor: str, target: str) -> dict:
    record = world.target(entity, actor, target)
    if operation.startswith("restore"):
        world.runtime.records.delete(world.superuser("boss"), entity, record["id"])
    return record


# -- the REST API ---------------------------------------------------------------------------


def api_call(api, entity: str, operation: str, record: dict):
    path = f"{path_of(entity)}/{record['id']}"
    if operation == "read":
        return api.get(path)
    if operation == "history":
        return api.get(f"{path}/history")
    if operation == "update":
        return api.patch(path, json={"memo" if entity == "sec.doc" else "name": "changed"})
    if operation == "delete":
        return api.delete(path)
    return api.post(f"{path}/restore")


API_SUCCESS = {"read": 200, "history": 200, "update": 200, "delete": 204, "restore": 200}


@pytest.mark.parametrize(("actor", "entity", "operation", "target"),
                         record_cases(RECORD_OPERATIONS))
def test_api_record_operation(world, state, actor, entity, operation, target):
    record = prepare(world, entity, operation, actor, target)
    expected = expected_status(grant_of(actor, entity), operation, target,
                               API_SUCCESS[operation])
    before = state()
    response = api_call(world.api[actor], entity, operation, record)
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if expected >= 400:
        assert response.mimetype == "application/problem+json"
        assert title_of(record) not in response.get_data(as_text=True)
        assert state() == before


@pytest.mark.parametrize(("actor", "entity", "operation", "target"), record_cases(("list",)))
def test_api_list_holds_exactly_the_records_in_read_scope(world, actor, entity, operation,
                                                          target):
    record = world.target(entity, actor, target)
    key = "title" if entity == "sec.doc" else "name"
    response = world.api[actor].get(f"{path_of(entity)}?{key}={quote(title_of(record))}")
    grant = grant_of(actor, entity)
    if grant["read"] is None:
        assert response.status_code == 403
        assert title_of(record) not in response.get_data(as_text=True)
        return
    ids = [item["id"] for item in response.get_json()["items"]]
    assert ids == ([record["id"]] if target in REACH[grant["read"]] else [])


@pytest.mark.parametrize(("actor", "entity"), list(itertools.product(ACTORS, DOCUMENTS)))
def test_api_create_follows_the_create_flag(world, state, actor, entity):
    key = "title" if entity == "sec.doc" else "name"
    before = state()
    response = world.api[actor].post(path_of(entity), json={key: f"New by {actor}"})
    if grant_of(actor, entity)["create"]:
        assert response.status_code == 201
        assert response.get_json()["_created_by"] == actor
    else:
        assert response.status_code == 403
        assert state() == before


# -- the pages ------------------------------------------------------------------------------


def page_call(client, entity: str, operation: str, record: dict):
    path = f"/{path_of(entity)}/{record['id']}"
    token = {"csrf_token": csrf(client)}
    if operation == "view":
        return client.get(path)
    if operation == "edit_form":
        return client.get(f"{path}/edit")
    if operation == "edit_post":
        field = "memo" if entity == "sec.doc" else "name"
        return client.post(f"{path}/edit", data={**token, field: "changed by page",
                                                 "_version": record["_version"]})
    if operation == "delete_post":
        return client.post(f"{path}/delete", data=token)
    return client.post(f"{path}/restore", data=token)


PAGE_SUCCESS = {"view": 200, "edit_form": 200, "edit_post": 302, "delete_post": 302,
                "restore_post": 302}


@pytest.mark.parametrize(("actor", "entity", "operation", "target"),
                         record_cases(PAGE_OPERATIONS))
def test_page_record_operation(world, state, actor, entity, operation, target):
    record = prepare(world, entity, operation, actor, target)
    record = world.runtime.records.get(world.superuser("boss"), entity, record["id"]) \
        if operation == "edit_post" else record
    expected = expected_status(grant_of(actor, entity), operation, target,
                               PAGE_SUCCESS[operation])
    client = world.page(actor)
    before = state()
    response = page_call(client, entity, operation, record)
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if expected >= 400:
        assert title_of(record) not in response.get_data(as_text=True)
        assert state() == before
    elif operation == "view":
        assert title_of(record) in response.get_data(as_text=True)


@pytest.mark.parametrize(("actor", "entity", "operation", "target"),
                         record_cases(("list_page",)))
def test_list_page_shows_exactly_the_records_in_read_scope(world, actor, entity, operation,
                                                           target):
    record = world.target(entity, actor, target)
    response = world.page(actor).get(f"/{path_of(entity)}/?q={quote(title_of(record))}")
    grant = grant_of(actor, entity)
    html = response.get_data(as_text=True)
    if grant["read"] is None:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
    link = f'href="/{path_of(entity)}/{record["id"]}"'  # the search box echoes the title
    assert (link in html) is (target in REACH[grant["read"]])


@pytest.mark.parametrize(("actor", "entity", "operation"),
                         list(itertools.product(ACTORS, DOCUMENTS, ENTITY_PAGES)))
def test_entity_page_follows_the_grant(world, state, actor, entity, operation):
    grant = grant_of(actor, entity)
    client = world.page(actor)
    path = f"/{path_of(entity)}"
    before = state()
    if operation == "new_form":
        response, allowed, success = client.get(f"{path}/new"), grant["create"], 200
    elif operation == "create_post":
        key = "title" if entity == "sec.doc" else "name"
        response = client.post(f"{path}/new", data={"csrf_token": csrf(client),
                                                    key: f"Paged by {actor}"})
        allowed, success = grant["create"], 302
    else:
        response = client.get(f"{path}/export.csv")
        allowed, success = grant["export"] and grant["read"], 200
    assert response.status_code == (success if allowed else 403)
    if not allowed:
        assert state() == before


def test_the_matrix_is_generated_from_every_grant_shape():
    """Every scope appears for every scoped operation, and both values of every flag."""
    grants = [grant_of(actor, entity) for actor in ACTORS for entity in DOCUMENTS]
    for operation in ("read", "update", "delete"):
        assert {g[operation] for g in grants} == {None, "own", "department", "all"}, operation
    for flag in ("create", "export"):
        assert {g[flag] for g in grants} == {True, False}
    assert matrix_size() > 1000


# -- fields with read and write roles ---------------------------------------------------------

FIELD_RULES = [
    (entity, field["name"], rule, frozenset(field[rule]))
    for entity, document in DOCUMENTS.items()
    for field in document["fields"]
    for rule in ("read_roles", "write_roles")
    if rule in field
]


def holds_one(actor: str, roles: frozenset[str]) -> bool:
    return bool(({"user", *ACTORS[actor]}) & (roles | {"admin"}))


def field_cases() -> list[tuple]:
    """Each actor and field rule, where the actor may read (for read roles) or change
    (for write roles) their own records at all."""
    needed = {"read_roles": "read", "write_roles": "update"}
    return [(actor, *rule) for actor in ACTORS for rule in FIELD_RULES
            if "self" in REACH[grant_of(actor, rule[0])[needed[rule[2]]]]]


@pytest.mark.parametrize(("actor", "entity", "field", "rule", "roles"), field_cases())
def test_field_roles_through_api_and_pages(world, state, actor, entity, field, rule, roles):
    value = "7.5" if field == "rate" else f"classified-{actor}-{field}"
    record = world.record(entity, actor, **{field: value})
    path = f"{path_of(entity)}/{record['id']}"
    allowed = holds_one(actor, roles)
    if rule == "read_roles":
        assert (field in world.api[actor].get(path).get_json()) is allowed
        page = world.page(actor).get(f"/{path}").get_data(as_text=True)
        assert (value in page) is allowed
        history = world.api[actor].get(f"{path}/history").get_data(as_text=True)
        assert (value in history) is allowed
        return
    before = state()
    response = world.api[actor].patch(path, json={field: "2.5"})
    if allowed:
        assert response.status_code == 200 and response.get_json()[field] == "2.5"
    else:
        assert response.status_code == 422 and list(response.get_json()["errors"]) == [field]
        assert state() == before


def matrix_size() -> int:
    """How many cases the matrix generates."""
    return sum((
        len(record_cases(RECORD_OPERATIONS)),
        len(record_cases(PAGE_OPERATIONS)),
        len(record_cases(("list",))),  # the API list and the list page, per target
        len(record_cases(("list_page",))),
        len(ACTORS) * len(DOCUMENTS) * (1 + len(ENTITY_PAGES)),  # API create, entity pages
        len(field_cases()),
    ))
