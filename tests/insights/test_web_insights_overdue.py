"""Acting on overdue tasks from the monitoring page: whoever watches the process reminds
the holder (a notification and a history entry, at most one an hour), admins hand the
task to someone else; others are refused and nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from formflow.fields.columns import utcnow
from formflow.process.tables import events, notifications, tasks
from support import ADMIN_PASSWORD
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.helpers import problem
from support.process_helpers import LEAVE
from support.web_support import csrf, sign_in

PAGE = "/insights/flow/leave_flow"


@pytest.fixture
def overdue(flow, staff, runtime):
    """emp's leave waiting for boss, two hours overdue: the task id."""
    record = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
    flow.act(staff.emp, LEAVE, record["id"], "submit")
    with runtime.db.write() as conn:
        conn.execute(sa.update(tasks).where(tasks.c.record_id == record["id"])
                     .values(due_at=utcnow() - timedelta(hours=2)))
        return conn.scalar(sa.select(tasks.c.id).where(tasks.c.record_id == record["id"],
                                                       tasks.c.kind == "approve"))


def reminders(runtime):
    with runtime.db.read() as conn:
        return conn.execute(sa.select(events).where(events.c.action == "remind")).all()


def test_a_manager_reminds_the_holder_from_the_monitoring_page(
        client, make_user, runtime, staff, overdue):
    make_user("hrm", roles=["hr_manager"])
    sign_in(client, "hrm")
    html = client.get(PAGE).get_data(as_text=True)
    assert f'data-task="{overdue}"' in html and "/remind" in html
    assert f'id="reassign-{overdue}"' not in html  # handing on is for admins
    response = client.post(f"/insights/tasks/{overdue}/remind",
                           data={"csrf_token": csrf(client), "next": PAGE})
    assert response.status_code == 302 and response.location.endswith(PAGE)
    with runtime.db.read() as conn:
        kinds = conn.scalars(sa.select(notifications.c.kind).where(
            notifications.c.user_id == staff.boss.id)).all()
    assert "breach" in kinds
    assert len(reminders(runtime)) == 1
    # a second reminder within the hour is refused
    client.post(f"/insights/tasks/{overdue}/remind", data={"csrf_token": csrf(client)})
    assert len(reminders(runtime)) == 1


def test_the_api_refuses_a_reminder_from_someone_who_may_not_watch(
        api_as, runtime, staff, overdue):
    problem(api_as(staff.pat).post(f"/api/v1/tasks/{overdue}/remind", json={}), 403)
    assert reminders(runtime) == []


def test_an_admin_hands_the_overdue_task_to_someone_else(client, runtime, staff, overdue):
    sign_in(client, "admin", ADMIN_PASSWORD)
    assert f'id="reassign-{overdue}"' in client.get(PAGE).get_data(as_text=True)
    response = client.post(f"/tasks/{overdue}/reassign",
                           data={"csrf_token": csrf(client), "user": "bud", "next": PAGE})
    assert response.status_code == 302
    with runtime.db.read() as conn:
        holders = conn.execute(sa.select(tasks.c.assignee_id).where(
            tasks.c.status == "open", tasks.c.kind == "approve")).scalars().all()
    assert holders == [staff.bud.id]


def test_the_api_reminds_and_the_openapi_document_says_so(admin_api, runtime, overdue):
    response = admin_api.post(f"/api/v1/tasks/{overdue}/remind", json={"comment": "Please"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert reminders(runtime)[0].comment == "Please"
    paths = admin_api.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/tasks/{id}/remind"]
