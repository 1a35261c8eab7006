"""Satisfaction and cost: the requester rates a finished case (asked by a notification;
the REST API and the record page), admins set an hourly cost per role, and both show in
the process figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from formflow.auth.users import set_password, set_roles
from formflow.insights.feedback import ratings, role_costs
from formflow.process.tables import tasks
from support import ADMIN_PASSWORD, PASSWORD
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.helpers import problem
from support.process_helpers import LEAVE
from support.web_support import sign_in

FIGURES = "/api/v1/insights/flow/leave_flow"


def rating_path(record_id):
    return f"/api/v1/flow/leave/{record_id}/rating"


def leave(flow, user):
    record = flow.create(user, LEAVE, kind="annual", days=2, reason="Trip")
    flow.act(user, LEAVE, record["id"], "submit")
    return record["id"]


@pytest.fixture
def approved(flow, staff):
    record_id = leave(flow, staff.emp)
    flow.act(staff.boss, LEAVE, record_id, "approve")
    return record_id


def stored_ratings(runtime):
    with runtime.db.read() as conn:
        return conn.execute(sa.select(ratings)).all()


def test_the_requester_is_asked_to_rate_a_case_when_it_ends(flow, staff, approved):
    kinds = [n.kind for n in flow.notifications(staff.emp)]
    assert "rate" in kinds
    assert "rate" not in [n.kind for n in flow.notifications(staff.boss)]


def test_the_bell_words_the_rating_prompt_in_the_readers_language(api_as, staff, approved):
    items = api_as(staff.emp).get("/api/v1/notifications",
                                  headers={"Accept-Language": "zh-CN"}).get_json()["items"]
    prompt = next(i for i in items if i["kind"] == "rate")
    assert "打 1–5 分" in prompt["text"]


def test_the_requester_rates_a_finished_case_and_the_figures_count_it(
        api_as, admin_api, staff, approved):
    response = api_as(staff.emp).put(rating_path(approved),
                                     json={"score": 4, "comment": "Quick"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["score"] == 4
    # rating again replaces the rating
    api_as(staff.emp).put(rating_path(approved), json={"score": 2})
    figures = admin_api.get(FIGURES).get_json()
    assert figures["satisfaction"] == {"count": 1, "mean": 2.0}
    assert admin_api.get(f"{FIGURES}?version=2").get_json()["satisfaction"] == {
        "count": 0, "mean": None}
    assert api_as(staff.boss).get(rating_path(approved)).get_json()["score"] == 2


def test_an_open_case_cannot_be_rated(runtime, api_as, flow, staff):
    record_id = leave(flow, staff.emp)
    problem(api_as(staff.emp).put(rating_path(record_id), json={"score": 5}), 409)
    assert stored_ratings(runtime) == []


def test_only_the_requester_may_rate(runtime, api_as, staff, approved):
    problem(api_as(staff.boss).put(rating_path(approved), json={"score": 5}), 403)
    assert stored_ratings(runtime) == []


@pytest.mark.parametrize("body, field", [
    ({"score": 0}, "score"), ({"score": 6}, "score"), ({"score": "good"}, "score"),
    ({"score": True}, "score"), ({}, "score"), ({"score": 3, "comment": "x" * 1001}, "comment"),
    ({"score": 3, "mood": "fine"}, "mood"),
])
def test_a_bad_rating_is_a_422_naming_the_field(runtime, api_as, staff, approved, body, field):
    body = problem(api_as(staff.emp).put(rating_path(approved), json=body), 422)
    assert field in body["errors"]
    assert stored_ratings(runtime) == []


def signed_in_as(app, runtime, user):
    with runtime.db.write() as conn:
        set_password(conn, user.id, PASSWORD)
    client = app.test_client()
    return client, sign_in(client, user.username)


def test_the_record_page_offers_the_requester_the_rating_form(app, runtime, staff, approved):
    client, token = signed_in_as(app, runtime, staff.emp)
    html = client.get(f"/flow/leave/{approved}").get_data(as_text=True)
    assert 'id="rating-form"' in html
    response = client.post(f"/flow/leave/{approved}/rating",
                           data={"score": "5", "comment": "Fine", "csrf_token": token})
    assert response.status_code == 302
    html = client.get(f"/flow/leave/{approved}").get_data(as_text=True)
    assert 'data-score="5"' in html


def test_the_record_page_of_an_open_case_has_no_rating_form(app, runtime, flow, staff):
    record_id = leave(flow, staff.emp)
    client, _ = signed_in_as(app, runtime, staff.emp)
    assert 'id="rating-form"' not in client.get(f"/flow/leave/{record_id}").get_data(
        as_text=True)


def test_hourly_costs_turn_handling_time_into_cost_per_case(
        app, runtime, admin_api, flow, staff, approved):
    with runtime.db.write() as conn:
        set_roles(conn, staff.boss.id, ["hr_manager"])
        # boss took two working hours: a Monday from 10:00 to 12:00
        monday = datetime(2026, 3, 2, 10, tzinfo=runtime.settings["TIMEZONE"])
        conn.execute(sa.update(tasks).where(tasks.c.record_id == approved,
                                            tasks.c.kind == "approve")
                     .values(opened_at=monday, closed_at=monday + timedelta(hours=2)))
    runtime.insights.rebuild("flow.leave_flow")
    assert admin_api.get(FIGURES).get_json()["cost_per_case"] is None
    client = app.test_client()
    token = sign_in(client, "admin", ADMIN_PASSWORD)
    assert 'id="role-costs"' in client.get("/admin/costs").get_data(as_text=True)
    response = client.post("/admin/costs", data={"cost-hr_manager": "30", "cost-admin": "",
                                                 "csrf_token": token})
    assert response.status_code == 302
    figures = admin_api.get(FIGURES).get_json()
    assert figures["cost_per_case"] == pytest.approx(60.0, abs=0.5)


def test_a_bad_hourly_cost_is_refused_and_nothing_is_saved(app, runtime):
    client = app.test_client()
    token = sign_in(client, "admin", ADMIN_PASSWORD)
    response = client.post("/admin/costs", data={"cost-hr_manager": "-3", "cost-admin": "12",
                                                 "csrf_token": token})
    assert response.status_code == 422
    assert 'id="fb-cost-hr_manager"' in response.get_data(as_text=True)
    with runtime.db.read() as conn:
        assert conn.execute(sa.select(role_costs)).all() == []


def test_only_admins_open_the_costs_page(app, runtime, staff):
    client, _ = signed_in_as(app, runtime, staff.hr1)
    assert client.get("/admin/costs").status_code == 403


def test_the_openapi_document_describes_the_rating(admin_api):
    paths = admin_api.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/flow/leave/{id}/rating"]) == {"get", "put"}
