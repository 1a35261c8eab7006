"""The insights pages: the process catalogue, a process watched live (cases per step,
overdue tasks, workload, oldest cases, the heat map, the steps in words), the
comparison page, and who may open them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from formflow.fields.columns import utcnow
from formflow.process.tables import tasks
from support import ADMIN_PASSWORD
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.process_helpers import LEAVE
from support.web_support import sign_in

PAGE = "/insights/flow/leave_flow"


@pytest.fixture
def waiting(flow, staff, runtime):
    """Two leaves of emp waiting for boss; the first one's task two hours overdue."""
    ids = []
    for _ in range(2):
        record = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
        flow.act(staff.emp, LEAVE, record["id"], "submit")
        ids.append(record["id"])
    with runtime.db.write() as conn:
        conn.execute(sa.update(tasks).where(tasks.c.record_id == ids[0], tasks.c.kind == "approve")
                     .values(due_at=utcnow() - timedelta(hours=2)))
    return ids


@pytest.fixture
def manager(make_user):
    return make_user("hrm", roles=["hr_manager"])


def page(client, path, lang="en", **headers):
    return client.get(path, headers={"Accept-Language": lang, **headers})


def test_the_catalogue_lists_the_processes_with_their_volume(client, waiting):
    sign_in(client, "admin", ADMIN_PASSWORD)
    html = page(client, "/insights/").get_data(as_text=True)
    assert 'data-process="flow.leave_flow"' in html
    assert 'id="nav-insights"' in html


def test_the_process_page_shows_what_waits_and_what_is_late(client, manager, waiting):
    sign_in(client, "hrm")
    response = page(client, PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="in-flight"' in html and 'data-state="manager_review"' in html
    assert 'id="overdue-total">1<' in html
    assert "ff-node-heat" in html
    assert "the requester's manager" in html.replace("&#39;", "'")


def test_the_steps_read_in_chinese(client, manager, waiting):
    sign_in(client, "hrm")
    html = page(client, PAGE, lang="zh-CN").get_data(as_text=True)
    assert "申请人的直属上级" in html
    assert "会签" in html
    assert "时限 24 小时，20 小时后提醒" in html


def test_polling_gets_only_the_live_part(client, manager, waiting):
    sign_in(client, "hrm")
    html = page(client, PAGE, **{"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="insights-live"')
    assert "<html" not in html


def test_someone_who_may_not_watch_is_refused_and_sees_no_link(client, make_user, waiting):
    make_user("plain")
    sign_in(client, "plain")
    assert page(client, "/insights/").status_code == 403
    assert page(client, PAGE).status_code == 403
    assert 'id="nav-insights"' not in page(client, "/").get_data(as_text=True)


def test_the_comparison_page_sets_two_selections_side_by_side(client, manager, waiting):
    sign_in(client, "hrm")
    html = page(client, f"{PAGE}/compare?a=version:1&b=period:2000-01-01..2000-01-31").get_data(
        as_text=True)
    assert 'data-side="a"' in html and 'data-side="b"' in html
    assert "not enough data" in html


def test_a_malformed_comparison_says_what_to_write(client, manager):
    sign_in(client, "hrm")
    response = page(client, f"{PAGE}/compare?a=version:1&b=last-year")
    assert response.status_code == 422
    assert "period:YYYY-MM-DD..YYYY-MM-DD" in response.get_data(as_text=True)
