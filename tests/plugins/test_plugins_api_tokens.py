"""A plugin's REST routes recall a remembered API token as the core API does: a token
revoked, or roles changed, in the database since the worker verified it (as by another
worker) are honoured on the next request, and a token still standing costs the route no
look-up of its own."""

from __future__ import annotations

import pytest

from formflow.auth import set_roles
from support.helpers import counting_queries, problem, revoke_tokens, row_count
from support.plugin_support import HOOK_APPS

SOURCE = '''
from flask import Blueprint, jsonify
from formflow.plugins import hookimpl
from formflow.plugins.pages import current_api_user, get_runtime, json_body

MANIFEST = {"name": "probe", "version": "1"}
CALLS = []
routes = Blueprint("routes", __name__, url_prefix="/api/v1/probe")


@routes.get("/whoami")
def whoami():
    """Reads nothing from the database."""
    user = current_api_user()
    return jsonify(user=user.username, roles=sorted(user.roles))


@routes.get("/memos")
def memos():
    user = current_api_user()
    return jsonify(total=get_runtime().records.list(user, "memo.memo", {}).total)


@routes.post("/memos")
def add_memo():
    user = current_api_user()
    return get_runtime().records.create(user, "memo.memo", json_body()), 201


@hookimpl
def register_pages():
    return routes
'''
WHOAMI = "/api/v1/probe/whoami"
PLUGIN_MEMOS = "/api/v1/probe/memos"


@pytest.fixture
def env(plugin_env):
    return plugin_env(SOURCE, apps=[HOOK_APPS])


@pytest.fixture
def caller(env):
    """The user and the API client of a token the worker remembers (looked up by one
    call of the plugin's route, recalled by the next)."""
    user = env.user("ann", ["reviewer"])
    api = env.api("ann")
    for _ in range(2):
        assert api.get(PLUGIN_MEMOS).status_code == 200
    return user, api


def test_a_plugin_route_recalls_a_standing_token_without_looking_it_up(env, caller):
    _, api = caller
    assert api.post(PLUGIN_MEMOS, json={"title": "First"}).status_code == 201
    with counting_queries(env.runtime.db.engine) as statements:
        listed = api.get(PLUGIN_MEMOS)
        made = api.post(PLUGIN_MEMOS, json={"title": "Second"})
    assert listed.get_json() == {"total": 1}
    assert made.status_code == 201, made.get_json()
    assert not [s for s in statements if "ff_tokens" in s], "\n".join(statements)


def test_a_token_revoked_elsewhere_is_refused_by_a_plugin_route(env, caller):
    user, api = caller
    revoke_tokens(env.runtime, user)
    problem(api.get(PLUGIN_MEMOS), 401)
    problem(api.post(PLUGIN_MEMOS, json={"title": "After revoking"}), 401)
    problem(api.get(WHOAMI), 401)  # the route reads nothing: proven before the answer
    assert row_count(env.runtime, "memo__memo") == 0


def test_roles_changed_elsewhere_apply_at_the_next_call_of_a_plugin_route(env, caller):
    user, api = caller
    assert api.get(WHOAMI).get_json()["roles"] == ["reviewer", "user"]
    with env.runtime.db.write() as conn:
        set_roles(conn, user.id, [])
    assert api.get(WHOAMI).get_json() == {"user": "ann", "roles": ["user"]}
    assert api.get(PLUGIN_MEMOS).status_code == 200
