"""Notifications: the caller's list and read marks, and e-mail through SMTP after the
transaction commits, in the recipient's language, never breaking the action."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from formflow.auth import create_user
from formflow.fields.columns import utcnow
from formflow.process.tables import notifications
from formflow.settings import SettingsError, load_settings, parse_smtp_url
from formflow.storage.database import after_commit
from support import TEST_APPS
from support.helpers import problem
from support.mail_support import start_server
from support.server_support import free_port
from support.sla_support import TICKET, submit


@pytest.fixture
def metadata_path():
    return [TEST_APPS / "sla"]


@pytest.fixture
def smtp_url():
    """No mail server unless a test class says otherwise."""
    return None


@pytest.fixture
def app(make_app, metadata_path, smtp_url):
    mail = {"SMTP_URL": smtp_url, "MAIL_FROM": "flow@example.com"} if smtp_url else {}
    return make_app(metadata_path, **mail)


def add_person(runtime, name, *, roles=(), email=None, language=None):
    with runtime.db.write() as conn:
        return create_user(conn, name, None, roles=roles, email=email, language=language,
                           known_roles=runtime.model.roles)


@pytest.fixture
def people(runtime):
    return SimpleNamespace(
        rita=add_person(runtime, "rita", email="rita@example.com"),
        ann=add_person(runtime, "ann", roles=["agent"], email="ann@example.com", language="en"),
        leo=add_person(runtime, "leo", roles=["lead"], email="leo@example.com",
                       language="zh-CN"),
    )


def rows_of(runtime, user) -> list:
    with runtime.db.read() as conn:
        return conn.execute(sa.select(notifications).where(
            notifications.c.user_id == user.id).order_by(notifications.c.id)).all()


# -- the list -------------------------------------------------------------------------------


def test_a_new_task_is_listed_for_its_assignee(runtime, people, api_as):
    record_id = submit(runtime, people, "assign")
    body = api_as(people.ann).get("notifications?unread=1").get_json()
    assert (body["total"], body["unread"]) == (1, 1)
    (item,) = body["items"]
    assert (item["kind"], item["app"], item["entity"], item["record_id"]) == (
        "task", "support", "ticket", record_id)
    assert item["record_title"] == "Printer jam" and item["read_at"] is None
    assert item["subject"] == "To do: Printer jam"  # ann reads English
    assert item["text"] == "Ticket “Printer jam” awaits your decision in the step Triage."
    assert api_as(people.leo).get("notifications").get_json()["items"] == []


def test_the_text_follows_the_callers_language(runtime, people, api_as):
    submit(runtime, people, "notify")
    runtime.sla.tick(now=utcnow() + timedelta(hours=2))
    (item,) = api_as(people.leo).get("notifications").get_json()["items"]
    assert item["kind"] == "breach"
    assert item["subject"] == "超时：Printer jam"
    assert item["text"].startswith("工单“Printer jam”在“Check”环节已超时，期限为 20")


def test_marking_read(runtime, people, api_as):
    submit(runtime, people, "assign")
    submit(runtime, people, "assign", "Broken chair")
    ann = api_as(people.ann)
    first, second = ann.get("notifications").get_json()["items"][::-1]
    response = ann.post(f"notifications/{first['id']}/read")
    assert response.status_code == 200 and response.get_json()["read_at"] is not None
    assert ann.post(f"notifications/{first['id']}/read").status_code == 200  # again: no change
    unread = ann.get("notifications?unread=1").get_json()
    assert [i["id"] for i in unread["items"]] == [second["id"]] and unread["unread"] == 1
    assert ann.get("notifications").get_json()["total"] == 2
    assert ann.post("notifications/read").get_json() == {"marked": 1}
    assert ann.get("notifications?unread=1").get_json()["items"] == []


def test_nobody_reads_someone_elses_notifications(runtime, people, api_as):
    submit(runtime, people, "assign")
    (item,) = api_as(people.ann).get("notifications").get_json()["items"]
    problem(api_as(people.leo).post(f"notifications/{item['id']}/read"), 404)
    assert rows_of(runtime, people.ann)[0].read_at is None


def test_reminders_are_listed_with_their_deadline(runtime, people, api_as):
    record_id = submit(runtime, people, "assign")
    runtime.sla.tick(now=utcnow() + timedelta(hours=3))
    reminder = api_as(people.ann).get("notifications?unread=1").get_json()["items"][0]
    assert (reminder["kind"], reminder["record_id"]) == ("reminder", record_id)
    assert reminder["subject"] == "Reminder: Printer jam" and "it is due 20" in reminder["text"]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=x"])
def test_bad_limits_are_refused(people, api_as, query):
    problem(api_as(people.ann).get(f"notifications?{query}"), 400)


# -- e-mail -------------------------------------------------------------------------------


@pytest.fixture
def smtp_port():
    return free_port()


class TestMail:
    @pytest.fixture
    def smtp_url(self, smtp_port):
        return f"smtp://127.0.0.1:{smtp_port}"

    @pytest.fixture
    def inbox(self, smtp_port):
        inbox, controller = start_server(smtp_port)
        yield inbox
        controller.stop()

    def test_a_task_is_mailed_after_commit_in_the_recipients_language(
            self, runtime, people, inbox):
        submit(runtime, people, "notify")
        (mail,) = inbox.messages
        assert mail["To"] == "ann <ann@example.com>" and mail["From"] == "flow@example.com"
        assert mail["Subject"] == "To do: Printer jam"
        body = mail.get_content()
        assert body.startswith("Hello ann,") and "Ticket “Printer jam” awaits" in body
        assert rows_of(runtime, people.ann)[0].emailed_at is not None

        runtime.sla.tick(now=utcnow() + timedelta(hours=2))
        breach = inbox.messages[-1]
        assert breach["To"] == "leo <leo@example.com>"
        assert breach["Subject"] == "超时：Printer jam"
        assert "leo，您好" in breach.get_content() and "已超时" in breach.get_content()

    def test_people_without_an_address_get_no_mail(self, runtime, inbox):
        rita = add_person(runtime, "rita")
        ann = add_person(runtime, "ann", roles=["agent"])
        submit(runtime, SimpleNamespace(rita=rita), "assign")
        assert inbox.messages == []
        assert rows_of(runtime, ann)[0].emailed_at is None
        assert runtime.sla.tick().emails == 0

    def test_one_transaction_sends_its_mails_over_one_connection(self, runtime, people, inbox):
        add_person(runtime, "amy", roles=["agent"], email="amy@example.com")
        submit(runtime, people, "assign")
        assert sorted(m["To"] for m in inbox.messages) == [
            "amy <amy@example.com>", "ann <ann@example.com>"]


class TestMailServerDown:
    @pytest.fixture
    def smtp_url(self, smtp_port):
        return f"smtp://127.0.0.1:{smtp_port}"  # nothing listens there yet

    def test_a_failed_mail_never_breaks_the_action_and_is_sent_by_tick(
            self, runtime, people, smtp_port, caplog):
        record_id = submit(runtime, people, "assign")
        with runtime.db.read() as conn:
            assert runtime.internal_records.load(conn, TICKET, record_id)["_state"] == "triage"
        assert rows_of(runtime, people.ann)[0].emailed_at is None
        assert "could not send mail" in caplog.text
        inbox, controller = start_server(smtp_port)
        try:
            assert runtime.sla.tick().emails == 1
            assert [m["To"] for m in inbox.messages] == ["ann <ann@example.com>"]
            assert rows_of(runtime, people.ann)[0].emailed_at is not None
            assert runtime.sla.tick().emails == 0
        finally:
            controller.stop()


def test_work_after_commit_waits_for_the_commit(runtime):
    ran = []
    with pytest.raises(RuntimeError), runtime.db.write() as conn:
        after_commit(conn, lambda: ran.append("rolled back"))
        raise RuntimeError("the action failed")
    with runtime.db.write() as conn:
        after_commit(conn, lambda: ran.append("committed"))
        assert ran == []
    with runtime.db.read() as conn:
        assert after_commit(conn, lambda: ran.append("read")) is None
    assert ran == ["committed"]


def test_after_commit_keys_gather_work_into_one_batch(runtime):
    batches = []
    with runtime.db.write() as conn:
        first = after_commit(conn, lambda: batches.append("first"), key="mail")
        second = after_commit(conn, lambda: batches.append("second"), key="mail")
        assert first is second
    assert batches == ["first"]


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.com", ("mail.example.com", 25, "plain", None, None)),
    ("smtp://u%40x:p%3Aw@mail:2525", ("mail", 2525, "plain", "u@x", "p:w")),
    ("smtp://mail?starttls=1", ("mail", 25, "starttls", None, None)),
    ("smtp+starttls://me:pw@mail", ("mail", 587, "starttls", "me", "pw")),
    ("smtps://me:pw@mail", ("mail", 465, "ssl", "me", "pw")),
])
def test_smtp_urls(url, expected):
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.security, server.username, server.password) == \
        expected


@pytest.mark.parametrize("url", ["http://mail", "smtp://", "smtp://mail:port", "mail:25"])
def test_settings_refuse_an_unusable_smtp_url(url, tmp_path):
    with pytest.raises(SettingsError, match="FORMFLOW_SMTP_URL"):
        load_settings({"SMTP_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
