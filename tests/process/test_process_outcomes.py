"""The requester learns the outcome: approved, rejected, sent back, transferred or
commented on by someone else is a notification (the bell and e-mail) naming who did it,
with their comment; the record page shows the latest decision as a banner."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from formflow.auth import create_user
from support.flow_fixtures import database_url, flow, metadata_path, template  # noqa: F401 (fixtures)
from support.mail_support import start_server
from support.process_helpers import LEAVE
from support.server_support import free_port
from support.web_support import sign_in


def person(runtime, name, display, *, roles=(), manager=None, email=None, language=None):
    with runtime.db.write() as conn:
        return create_user(conn, name, "secret-pass-1", display_name=display, roles=roles,
                           manager=manager, email=email, language=language,
                           known_roles=runtime.model.roles)


@pytest.fixture
def staff(runtime):
    boss = person(runtime, "boss", "Wang Fang")
    return SimpleNamespace(
        boss=boss,
        emp=person(runtime, "emp", "Li Lei", manager="boss", email="emp@example.com"),
        hr1=person(runtime, "hr1", "Zhao Min", roles=["hr_manager"]),
        bud=person(runtime, "bud", "Bud"),
    )


def submitted(flow, staff, days=2) -> int:
    record = flow.create(staff.emp, LEAVE, kind="annual", days=days, reason="Trip")
    flow.act(staff.emp, LEAVE, record["id"], "submit")
    return record["id"]


def told(runtime, user, lang="en") -> list[tuple[str, str]]:
    """(kind, text) of the user's notifications, oldest first."""
    items = runtime.notifications.list(user, lang)["items"]
    return [(item["kind"], item["text"]) for item in reversed(items)]


def outcomes(runtime, user, lang="en") -> list[tuple[str, str]]:
    return [(kind, text) for kind, text in told(runtime, user, lang)
            if kind not in ("task", "cc", "rate")]


@pytest.mark.parametrize(
    ("action", "comment", "kind", "text"),
    [
        ("approve", "Enjoy", "approved",
         "Wang Fang approved Leave request “annual 2”. Comment: Enjoy"),
        ("approve", None, "approved", "Wang Fang approved Leave request “annual 2”."),
        ("reject", "Busy week", "rejected",
         "Wang Fang rejected Leave request “annual 2”. Comment: Busy week"),
        ("send_back", "Please add the itinerary", "sent_back",
         "Wang Fang sent Leave request “annual 2” back to you: change it and submit it again."
         " Comment: Please add the itinerary"),
    ],
)
def test_the_requester_is_told_of_a_decision_with_who_and_why(runtime, flow, staff, action,
                                                               comment, kind, text):
    record_id = submitted(flow, staff)
    flow.act(staff.boss, LEAVE, record_id, action, comment=comment)
    assert outcomes(runtime, staff.emp) == [(kind, text)]


def test_the_words_follow_the_requesters_language(runtime, flow, staff):
    record_id = submitted(flow, staff)
    flow.act(staff.boss, LEAVE, record_id, "send_back", comment="请补充行程单")
    (notice,) = runtime.notifications.list(staff.emp, "zh-CN", unread=True)["items"]
    assert notice["subject"] == "已退回：annual 2"
    assert notice["text"] == ("Wang Fang退回了您的请假申请“annual 2”，请修改后重新提交。"
                              "意见：请补充行程单")


def test_a_transfer_and_a_comment_are_news_for_the_requester(runtime, flow, staff):
    record_id = submitted(flow, staff)
    flow.act(staff.boss, LEAVE, record_id, "transfer", comment="On leave myself",
             values={"to": "bud"})
    flow.act(staff.bud, LEAVE, record_id, "comment", comment="Looking at it")
    assert outcomes(runtime, staff.emp) == [
        ("transferred", "Wang Fang handed the step Manager review of Leave request “annual 2” "
                        "to Bud. Comment: On leave myself"),
        ("commented", "Bud commented on Leave request “annual 2”. Comment: Looking at it"),
    ]


def test_no_news_of_the_requesters_own_moves_or_a_step_passed_on(runtime, flow, staff):
    record_id = submitted(flow, staff, days=5)
    flow.act(staff.emp, LEAVE, record_id, "comment", comment="Note to self")
    flow.act(staff.emp, LEAVE, record_id, "withdraw")
    flow.act(staff.emp, LEAVE, record_id, "submit")
    flow.act(staff.boss, LEAVE, record_id, "approve")  # on to HR: not decided yet
    assert outcomes(runtime, staff.emp) == []
    flow.act(staff.hr1, LEAVE, record_id, "approve", comment="OK")
    assert outcomes(runtime, staff.emp) == [
        ("approved", "Zhao Min approved Leave request “annual 5”. Comment: OK")]


def test_each_notice_names_its_own_event(runtime, flow, staff):
    record_id = submitted(flow, staff)
    flow.act(staff.boss, LEAVE, record_id, "send_back", comment="First")
    flow.act(staff.emp, LEAVE, record_id, "submit")
    flow.act(staff.boss, LEAVE, record_id, "reject", comment="Second")
    assert [text.rsplit(": ", 1)[1] for _, text in outcomes(runtime, staff.emp)] == [
        "First", "Second"]


class TestMail:
    @pytest.fixture
    def smtp_port(self):
        return free_port()

    @pytest.fixture
    def app(self, make_app, metadata_path, smtp_port):  # noqa: F811
        return make_app(metadata_path, SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
                        MAIL_FROM="flow@example.com")

    @pytest.fixture
    def inbox(self, smtp_port):
        inbox, controller = start_server(smtp_port)
        yield inbox
        controller.stop()

    def test_the_outcome_is_mailed_with_the_comment(self, runtime, flow, staff, inbox):
        record_id = submitted(flow, staff)
        flow.act(staff.boss, LEAVE, record_id, "reject", comment="Busy week")
        (mail,) = inbox.messages
        assert mail["To"] == "Li Lei <emp@example.com>"
        assert mail["Subject"] == "已驳回：annual 2"
        assert "Wang Fang驳回了您的请假申请“annual 2”。意见：Busy week" in mail.get_content()


# -- the banner of the record page --------------------------------------------------------


@pytest.fixture
def page_as(app):
    def factory(name: str, lang: str = "en"):
        client = app.test_client()
        sign_in(client, name, "secret-pass-1")
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        return client

    return factory


def banner(client, record_id) -> str | None:
    html = client.get(f"/flow/leave/{record_id}").get_data(as_text=True)
    start = html.find('id="record-outcome"')
    if start < 0:
        return None
    strong = html.index("<strong", start)
    return html[html.index(">", strong) + 1:html.index("</strong>", strong)].strip()


@pytest.mark.parametrize(
    ("action", "comment", "lang", "text"),
    [
        ("send_back", "请补充行程单", "zh-CN", "已退回：请补充行程单"),
        ("send_back", "Please add the itinerary", "en", "Sent back: Please add the itinerary"),
        ("reject", "Busy week", "zh-CN", "已驳回：Busy week"),
        ("approve", None, "zh-CN", "已通过"),
        ("approve", None, "en", "Approved"),
    ],
)
def test_the_record_page_shows_the_latest_decision(flow, staff, page_as, action, comment, lang,
                                                  text):
    record_id = submitted(flow, staff)
    flow.act(staff.boss, LEAVE, record_id, action, comment=comment)
    assert banner(page_as("emp", lang), record_id) == text


def test_the_banner_goes_once_the_record_is_submitted_again(flow, staff, page_as):
    record_id = submitted(flow, staff)
    client = page_as("emp")
    assert banner(client, record_id) is None
    flow.act(staff.boss, LEAVE, record_id, "send_back", comment="Add the <b>itinerary</b>")
    assert banner(client, record_id) == "Sent back: Add the &lt;b&gt;itinerary&lt;/b&gt;"
    flow.act(staff.emp, LEAVE, record_id, "submit")
    assert banner(client, record_id) is None
