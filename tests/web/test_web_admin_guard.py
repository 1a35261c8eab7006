"""The admin area's one guard: every core page under ``/admin`` sits on the ``admin``
blueprint, whose ``before_request`` asks the directory service and refuses anyone but an
admin before any view runs."""

from __future__ import annotations

import pytest

from support import ADMIN_PASSWORD
from support.web_support import sign_in


@pytest.fixture
def reached(app):
    """Replace the plugins page's view by one that says it ran."""
    app.view_functions["web.admin.plugins"] = lambda: "view reached"


def test_every_core_admin_url_is_on_the_admin_blueprint(app):
    core = [(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/admin") and rule.endpoint.startswith("web.")]
    assert core, "the admin area has pages"
    assert [(url, endpoint) for url, endpoint in core
            if not endpoint.startswith("web.admin.")] == []


def test_a_non_admin_is_refused_before_the_view_runs(app, make_user, reached):
    make_user("carl", roles=["user"])
    client = app.test_client()
    sign_in(client, "carl")
    answer = client.get("/admin/plugins")
    assert answer.status_code == 403
    assert b"view reached" not in answer.data


def test_an_admin_passes_the_guard(client, reached):
    sign_in(client, "admin", ADMIN_PASSWORD)
    answer = client.get("/admin/plugins")
    assert answer.status_code == 200
    assert answer.data == b"view reached"


def test_the_sign_in_wall_comes_before_the_guard(client, reached):
    answer = client.get("/admin/plugins")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]
