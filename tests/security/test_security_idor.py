"""Insecure direct object references: a signed-in user who knows (or guesses) the ids of
someone else's records, files, tasks, notifications and tokens gets a 404 (or a 403),
never their data, and changes nothing — through the REST API and the pages.

The victim, Vic (a clerk in HQ), owns a document with an attached file, in review with
the task on Amy; Mallory (in OTHER) may read and export only her own documents.
"""

from __future__ import annotations

import hashlib
import io
import textwrap

import pytest
import sqlalchemy as sa

from formflow.auth.tables import tokens
from formflow.process.tables import events, notifications, tasks
from support.helpers import database_state, module_app
from support.security_support import SECURITY, World
from support.web_support import HTMX, csrf

PLUGIN = '''
from formflow.plugins import RecordAction, hookimpl

MANIFEST = {"name": "stamper", "version": "1", "apps": ["*"]}


def stamp(conn, user, entity, record, runtime):
    runtime.internal_records.change_in(conn, user, entity, record, {"memo": "stamped"})
    return {"stamped": record["id"]}


@hookimpl
def register_record_actions():
    return [RecordAction("stamp", "Stamp", stamp, entities=["doc"], roles=["user"])]
'''
SECRET_TEXT = "Vic's confidential plan"
FILE_BYTES = b"quarterly numbers nobody else may see"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    directory = tmp_path_factory.mktemp("security-idor")
    plugins = directory / "plugins"
    plugins.mkdir()
    (plugins / "stamper.py").write_text(textwrap.dedent(PLUGIN))
    with module_app(directory, metadata_path=(SECURITY,), PLUGINS_PATH=[str(plugins)]) as app:
        yield app


@pytest.fixture(scope="module")
def world(app):
    from formflow.auth import create_department

    world = World(app)
    with world.runtime.db.write() as conn:
        create_department(conn, "HQ", "Head office")
        create_department(conn, "OTHER", "Other")
    world.add("vic", ["clerk"])
    world.add("amy", ["clerk"])
    world.add("mallory", ["exporter", "filer"], "OTHER")
    return world


@pytest.fixture(scope="module")
def victim(world):
    """Vic's document (in review, the task on Amy) and its file, uploaded but one more
    left unsaved in Vic's session; Amy's notification; Vic's token."""
    client = world.page("vic")
    key = _upload(client, FILE_BYTES, "plan.txt")
    unsaved = _upload(client, b"a draft not saved yet", "draft.txt")
    runtime = world.runtime
    doc = runtime.records.create(world.users["vic"], "sec.doc", {
        "title": SECRET_TEXT, "body": SECRET_TEXT, "approver": "amy", "attachment": key})
    runtime.process.act(world.users["vic"], "sec.doc", doc["id"], "submit",
                        {"comment": SECRET_TEXT})
    draft = runtime.records.create(world.users["vic"], "sec.doc", {"title": SECRET_TEXT})
    with runtime.db.read() as conn:
        notification = conn.scalar(sa.select(notifications.c.id).where(
            notifications.c.user_id == world.users["amy"].id))
        token = conn.scalar(sa.select(tokens.c.id).where(
            tokens.c.user_id == world.users["vic"].id))
    return {"id": doc["id"], "draft": draft["id"], "notification": notification,
            "token": token, "unsaved": unsaved}


def _upload(client, data: bytes, filename: str) -> str:
    response = client.post(
        "/sec/doc/upload/attachment",
        data={"_upload_attachment": (io.BytesIO(data), filename), "csrf_token": csrf(client)},
        content_type="multipart/form-data", headers=HTMX)
    digest = hashlib.sha256(data).hexdigest()
    assert digest in response.get_data(as_text=True)
    return f"{digest}/{filename}"


@pytest.fixture
def state(world):
    def snapshot():
        found = database_state(world.runtime)
        with world.runtime.db.read() as conn:
            for table in (tasks, events, notifications):
                found[table.name] = sorted(
                    (tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            # (a token's last use is recorded on every call; only revocation counts here)
            found["ff_tokens"] = conn.execute(
                sa.select(tokens.c.id, tokens.c.revoked_at).order_by(tokens.c.id)).all()
        return found

    return snapshot


DOC = "/sec/doc/{id}"
API_ATTEMPTS = [
    ("GET", "sec/doc/{id}"),
    ("PATCH", "sec/doc/{id}"),
    ("DELETE", "sec/doc/{id}"),
    ("GET", "sec/doc/{id}/history"),
    ("POST", "sec/doc/{id}/restore"),
    ("GET", "sec/doc/{id}/actions"),
    ("POST", "sec/doc/{id}/actions/approve"),
    ("POST", "sec/doc/{draft}/actions/submit"),
    ("GET", "sec/doc/{id}/plugin-actions"),
    ("POST", "sec/doc/{id}/plugin-actions/stamp"),
    ("POST", "notifications/{notification}/read"),
]
PAGE_ATTEMPTS = [
    ("GET", DOC),
    ("GET", DOC + "/edit"),
    ("POST", DOC + "/edit"),
    ("POST", DOC + "/preview"),
    ("POST", DOC + "/delete"),
    ("POST", DOC + "/restore"),
    ("GET", DOC + "/files/attachment"),
    ("GET", DOC + "/actions/approve"),
    ("POST", DOC + "/actions/approve"),
    ("POST", "/sec/doc/{draft}/actions/submit"),
    ("GET", DOC + "/actions/transfer/pick"),
    ("GET", DOC + "/actions/add_approver/row"),
    ("GET", "/files/{unsaved}"),
    ("POST", "/notifications/{notification}/read"),
    ("POST", "/profile/tokens/{token}/revoke"),  # answered "no such token"
]


@pytest.mark.parametrize(("method", "path"), API_ATTEMPTS)
def test_api_refuses_someone_elses_ids(world, victim, state, method, path):
    before = state()
    body = {"memo": "pwned"} if method == "PATCH" else {"comment": "pwned"}
    body = None if method in ("GET", "DELETE") else body
    response = world.api["mallory"]._call(method, path.format(**victim), json=body)
    assert response.status_code in (403, 404), response.get_data(as_text=True)[:300]
    assert SECRET_TEXT not in response.get_data(as_text=True)
    assert state() == before


@pytest.mark.parametrize(("method", "path"), PAGE_ATTEMPTS)
def test_pages_refuse_someone_elses_ids(world, victim, state, method, path):
    client = world.page("mallory")
    before = state()
    url = path.format(**victim)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": csrf(client), "memo": "pwned",
                                          "comment": "pwned", "title": "pwned"})
    html = response.get_data(as_text=True)
    refused = (302,) if "/tokens/" in path else (403, 404)
    assert response.status_code in refused, (url, response.status_code)
    assert SECRET_TEXT not in html and "quarterly numbers" not in html
    assert state() == before


def test_the_victim_reaches_the_same_ids(world, victim):
    """The attempts above are refused for Mallory, not because the paths are wrong."""
    client = world.page("vic")
    assert client.get(DOC.format(**victim) + "/files/attachment").data == FILE_BYTES
    assert client.get("/files/{unsaved}".format(**victim)).status_code == 200
    assert world.api["vic"].get("sec/doc/{id}/history".format(**victim)).status_code == 200
    items = world.api["amy"].get("sec/doc/{id}/plugin-actions".format(**victim)).get_json()
    assert [item["name"] for item in items["items"]] == ["stamp"]


def test_the_event_log_export_holds_only_records_in_read_scope(world, victim):
    """Mallory may export the event log of documents, but only of those she may read:
    Vic's submission (and its comment) is not hers to see."""
    mine = world.runtime.records.create(world.users["mallory"], "sec.doc",
                                        {"title": "Mallory's own", "approver": "amy"})
    world.runtime.process.act(world.users["mallory"], "sec.doc", mine["id"], "submit",
                              {"comment": "my own submission"})
    response = world.api["mallory"].get("events.csv?entity=sec.doc")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "my own submission" in text
    assert SECRET_TEXT not in text
    assert f"sec.doc:{victim['id']}" not in text and "D-00001" not in text
