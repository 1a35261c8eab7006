"""The record page is read in one go: one service call gathers the record, its history,
where its process stands, the reader's actions and permissions, the plugins' actions and
the titles it names, in one read transaction; a process action clicked on the page then
costs a handful of transactions, not one per piece of the page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from support.flow_fixtures import database_url, flow, metadata_path, template  # noqa: F401 (fixtures)
from support.process_helpers import LEAVE
from support.web_support import HTMX, sign_in

#: Per request: the signed-in user's session, looked up before the view.
SESSION = 1
#: Per rendered page: the navigation's counts (open tasks, unread notifications).
NAVIGATION = 1
#: Per full page: whether the user may watch a process (the Insights link).
INSIGHTS_LINK = 1


@contextmanager
def counting_transactions(engine) -> Iterator[list[int]]:
    """Every transaction (read or write) begun on ``engine`` inside the block."""
    begun: list[int] = []

    def count(_conn):
        begun.append(1)

    sa.event.listen(engine, "begin", count)
    try:
        yield begun
    finally:
        sa.event.remove(engine, "begin", count)


@pytest.fixture
def app(make_app, metadata_path):  # noqa: F811 (the flow apps)
    # No look for newly published metadata in between (it runs on a timer).
    return make_app(metadata_path, METADATA_CHECK_SECONDS=3600)


@pytest.fixture
def staff(make_user):
    return SimpleNamespace(boss=make_user("boss"), emp=make_user("emp", manager="boss"))


@pytest.fixture
def boss(app, staff):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return SimpleNamespace(client=client, csrf=sign_in(client, "boss"))


def submitted(flow, staff) -> int:  # noqa: F811 (the fixture)
    record = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip", backup="emp")
    flow.act(staff.emp, LEAVE, record["id"], "submit")
    return record["id"]


def test_the_record_page_is_one_read_with_every_part(runtime, flow, staff):  # noqa: F811
    record_id = submitted(flow, staff)

    with counting_transactions(runtime.db.engine) as begun:
        page = runtime.record_pages.record_page(staff.boss, LEAVE, record_id, "en")

    assert len(begun) == 1
    assert page.record["id"] == record_id and page.record["_state"] == "manager_review"
    assert [e.get("action") for e in page.history if e["kind"] == "event"] == ["start", "submit"]
    assert page.progress["state"] == "manager_review"
    assert [t["assignee"] for t in page.progress["tasks"]] == ["boss"]
    assert "approve" in {a["name"] for a in page.actions}
    assert page.permitted == runtime.records.permitted(staff.boss, LEAVE, record_id)
    assert page.plugin_actions == []
    assert page.titles.users["emp"] == "emp" and page.titles.users["boss"] == "boss"


def test_a_process_action_clicked_on_the_page_reads_the_page_once(
    app,
    runtime,
    flow,  # noqa: F811 (the fixture)
    staff,
    boss,
):
    record_id = submitted(flow, staff)
    url = f"/flow/leave/{record_id}"
    boss.client.get(url)  # warm caches (metadata, process registry)

    with counting_transactions(runtime.db.engine) as begun:
        response = boss.client.post(
            f"{url}/actions/approve", data={"csrf_token": boss.csrf}, headers=HTMX
        )

    assert response.status_code == 200
    assert "Approved" in response.get_data(as_text=True)
    assert runtime.process.progress(staff.boss, LEAVE, record_id)["state"] != "manager_review"
    # The action, its record and offer (one read), the action (one write), the page
    # again (one read): 3, besides what every request and page costs.  It was 14.
    assert len(begun) <= 3 + SESSION + NAVIGATION


def test_a_process_action_posted_without_htmx_then_the_page_stay_few_transactions(
    app,
    runtime,
    flow,  # noqa: F811 (the fixture)
    staff,
    boss,
):
    record_id = submitted(flow, staff)
    url = f"/flow/leave/{record_id}"
    boss.client.get(url)

    with counting_transactions(runtime.db.engine) as begun:
        response = boss.client.post(f"{url}/actions/approve", data={"csrf_token": boss.csrf})
        assert response.status_code == 302 and response.headers["Location"] == url
        page = boss.client.get(url)

    assert page.status_code == 200
    # The post: the offer, the action, whether the record is still readable; the page:
    # one read; plus each request's session, the navigation and the Insights link.  It
    # was 26.
    assert len(begun) <= 3 + 1 + 2 * SESSION + NAVIGATION + INSIGHTS_LINK
