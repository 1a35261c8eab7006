"""The designer's REST API: site apps, the draft and its operations, undo and redo,
who may use it."""

from __future__ import annotations

import re

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS
from support.design_support import DESIGN_TABLES, VEHICLE, apply, create_app, draft
from support.helpers import database_state, problem


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def api(admin_api):
    return admin_api


@pytest.fixture
def design_state(runtime):
    """Call to fingerprint every row designing may write."""
    return lambda: database_state(runtime, *DESIGN_TABLES)


def test_a_created_site_app_is_listed_with_its_owner_revision_and_version(api):
    create_app(api)
    items = {item["name"]: item for item in api.get("design/apps").get_json()["items"]}
    assert items["fleet"]["owner"] == "site"
    assert items["fleet"]["revision"] == 1
    assert items["fleet"]["version"] is None
    assert items["shop"]["owner"] == "shipped"


def test_the_draft_holds_the_documents_and_their_problems(api):
    create_app(api)
    body = draft(api)
    assert body["revision"] == 1
    assert body["documents"] == {"app.json": {"name": "fleet", "label": {"en": "Fleet"}}}
    assert body["problems"] == []


def test_an_app_name_in_use_is_409(api, design_state):
    create_app(api)
    before = design_state()
    for name in ("fleet", "shop"):
        body = problem(api.post("design/apps", json={"name": name}), 409)
        assert name in body["detail"]
    assert design_state() == before


@pytest.mark.parametrize("name", ["Fleet", "1fleet", "", None, "a" * 41, "design"])
def test_a_bad_app_name_is_422(api, name, design_state):
    before = design_state()
    assert list(problem(api.post("design/apps", json={"name": name}), 422)["errors"]) == ["name"]
    assert design_state() == before


def test_ops_change_the_draft_and_raise_its_revision(api):
    create_app(api)
    body = apply(api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    assert body["revision"] == 2
    assert body["problems"] == []
    documents = draft(api)["documents"]
    assert documents["entities/vehicle.json"]["name"] == "vehicle"
    assert documents["app.json"].get("menu") is None


def test_a_stale_revision_is_412_and_changes_nothing(api, design_state):
    create_app(api)
    apply(api, [{"op": "set", "path": "app/label", "value": "One"}])
    before = design_state()
    apply(api, [{"op": "set", "path": "app/label", "value": "Two"}], revision=1, status=412)
    assert design_state() == before
    assert draft(api)["documents"]["app.json"]["label"] == "One"
    assert draft(api)["revision"] == 2


def test_a_bad_op_is_422_naming_its_index_and_nothing_is_applied(api, design_state):
    create_app(api)
    before = design_state()
    body = apply(api, [
        {"op": "add", "path": "entities/vehicle", "value": VEHICLE},
        {"op": "set", "path": "entities/vehicle/fields/nope/label", "value": "x"},
    ], status=422)
    assert list(body["errors"]) == ["ops[1]"]
    assert "1" in body["detail"]
    assert design_state() == before
    after = draft(api)
    assert after["revision"] == 1
    assert "entities/vehicle.json" not in after["documents"]


@pytest.mark.parametrize("op", [
    {"op": "move", "path": "app/label"},
    {"op": "set", "path": "nowhere/x", "value": 1},
    {"op": "set", "path": "app//label", "value": 1},
    {"op": "add", "path": "app/roles/boss", "value": "not an object"},
    {"op": "add", "path": "app/roles/boss", "value": {"name": "chief"}},
    {"op": "hide", "path": "app/label"},
    {"op": "remove", "path": "entities/ghost"},
    {"op": "set", "path": "app/label", "value": 1, "extra": True},
])
def test_each_kind_of_bad_op_is_422(api, op, design_state):
    create_app(api)
    before = design_state()
    body = apply(api, [op], status=422)
    assert list(body["errors"]) == ["ops[0]"]
    assert design_state() == before


def test_an_invalid_expression_may_sit_in_the_draft_as_a_problem(api):
    create_app(api)
    body = apply(api, [
        {"op": "add", "path": "entities/vehicle", "value": VEHICLE},
        {"op": "set", "path": "entities/vehicle/fields/tel/visible_if", "value": "plate =="},
    ])
    assert [p["path"] for p in body["problems"]] == ["entities/vehicle/fields/tel/visible_if"]
    assert "invalid expression" in body["problems"][0]["message"]


def test_undo_and_redo_walk_the_log_and_survive_a_reload(api, app):
    create_app(api)
    apply(api, [{"op": "set", "path": "app/label", "value": "One"}])
    apply(api, [{"op": "set", "path": "app/label", "value": "Two"}])
    assert api.post("design/apps/fleet/draft/undo").status_code == 200
    assert draft(api)["documents"]["app.json"]["label"] == "One"
    # a fresh runtime (another worker, a restart) finds the same log
    app.extensions["formflow"] = app.extensions["formflow"].reloaded()
    body = api.post("design/apps/fleet/draft/undo").get_json()
    assert body["documents"]["app.json"]["label"] == {"en": "Fleet"}
    assert api.post("design/apps/fleet/draft/undo").status_code == 409
    body = api.post("design/apps/fleet/draft/redo").get_json()
    assert body["documents"]["app.json"]["label"] == "One"
    assert api.post("design/apps/fleet/draft/redo").get_json()["revision"] == 7
    assert api.post("design/apps/fleet/draft/redo").status_code == 409


def test_a_new_change_forgets_what_was_undone(api):
    create_app(api)
    apply(api, [{"op": "set", "path": "app/label", "value": "One"}])
    api.post("design/apps/fleet/draft/undo")
    apply(api, [{"op": "set", "path": "app/icon", "value": "truck"}])
    assert api.post("design/apps/fleet/draft/redo").status_code == 409


def test_undo_with_a_stale_revision_is_412(api, design_state):
    create_app(api)
    apply(api, [{"op": "set", "path": "app/label", "value": "One"}])
    before = design_state()
    problem(api.post("design/apps/fleet/draft/undo", headers={"If-Match": "1"}), 412)
    assert design_state() == before
    assert draft(api)["documents"]["app.json"]["label"] == "One"


def test_a_shipped_app_is_changed_through_its_overlay(api):
    body = draft(api, "shop")
    assert "app.json" in body["documents"]
    response = api.post("design/apps/shop/draft/ops",
                        json={"ops": [{"op": "set", "path": "app/label", "value": "x"}]})
    assert response.status_code == 200
    assert draft(api, "shop")["documents"]["app.json"]["label"] == "x"
    assert api.post("design/apps/shop/draft/undo").status_code == 409
    assert api.get("design/apps/shop/versions").get_json() == {"items": []}
    assert api.get("design/apps/nothing/draft").status_code == 404


@pytest.fixture
def plain_api(make_user, api_as):
    return api_as(make_user("pat"))


@pytest.mark.parametrize(("method", "path"), [
    ("get", "design/apps"),
    ("post", "design/apps"),
    ("get", "design/apps/shop/draft"),
    ("post", "design/apps/fleet/draft/ops"),
    ("post", "design/apps/fleet/draft/undo"),
    ("get", "design/apps/fleet/plan"),
    ("post", "design/apps/fleet/publish"),
    ("get", "design/apps/fleet/versions"),
    ("get", "design/apps/fleet/export"),
])
def test_a_plain_user_is_403_and_anonymous_401(
    api, plain_api, client, method, path, design_state
):
    create_app(api)
    body = {"ops": [{"op": "set", "path": "app/label", "value": "x"}]}
    kwargs = {"json": body} if method == "post" else {}
    before = design_state()
    problem(getattr(plain_api, method)(path, **kwargs), 403)
    problem(getattr(client, method)(f"/api/v1/{path}", **kwargs), 401)
    assert design_state() == before
    assert draft(api)["revision"] == 1


def test_a_holder_of_the_designer_role_may_design(make_user, api_as):
    designer = api_as(make_user("dana", roles=[DESIGNER_ROLE]))
    create_app(designer)
    assert apply(designer, [{"op": "set", "path": "app/label", "value": "x"}])["revision"] == 2


def test_the_openapi_document_describes_every_design_route_to_designers_only(
        api, plain_api, app):
    document = api.get("openapi.json").get_json()
    pytest.importorskip("openapi_spec_validator").validate(document)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/design"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        methods = {m.lower() for m in rule.methods} - {"head", "options"}
        assert methods <= set(document["paths"][path]), path
    plain = plain_api.get("openapi.json").get_json()
    assert not [p for p in plain["paths"] if p.startswith("/api/v1/design")]


def test_numbers_in_values_are_kept_as_json_numbers(api):
    create_app(api)
    apply(api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE},
                {"op": "add", "path": "entities/vehicle/fields/load",
                 "value": {"type": "decimal", "scale": 2, "min": 0.5, "max": 10}}])
    field = draft(api)["documents"]["entities/vehicle.json"]["fields"][-1]
    assert field == {"name": "load", "type": "decimal", "scale": 2, "min": 0.5, "max": 10}
