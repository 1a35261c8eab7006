"""Process states in words: coloured badges with their labels in lists, a list filter
of labelled states, and exports writing labels (codes on request)."""

from __future__ import annotations

import pytest

from support.io_support import read_csv
from support.process_helpers import LEAVE, PROCESS_APPS, Flow
from support.web_support import sign_in


@pytest.fixture
def metadata_path():
    return [PROCESS_APPS]


@pytest.fixture
def leaves(runtime, make_user):
    """Three of ann's leave requests: a draft and two at her manager."""
    make_user("boss", roles=["hr_manager"])
    ann = make_user("ann", manager="boss", roles=["hr_manager"])
    flow = Flow(runtime)
    draft = flow.create(ann, LEAVE, kind="annual", days=1, reason="Trip")
    waiting = flow.create(ann, LEAVE, kind="sick", days=2, reason="Flu")
    flow.act(ann, LEAVE, waiting["id"], "submit")
    done = flow.create(ann, LEAVE, kind="annual", days=1, reason="Trip")
    flow.act(ann, LEAVE, done["id"], "submit")
    return {"draft": draft, "waiting": waiting, "done": done}


@pytest.fixture
def browser(app, leaves):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, "ann")
    return client


def test_a_list_shows_states_as_coloured_badges_with_their_labels(browser):
    html = browser.get("/flow/leave/").get_data(as_text=True)
    assert 'class="badge ff-badge ff-state-badge ff-color-gray" data-state="draft">Draft<' in html
    assert 'ff-color-blue" data-state="manager_review">Manager review<' in html
    assert ">manager_review<" not in html


def test_state_labels_follow_the_readers_language(browser):
    html = browser.get("/flow/leave/", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True)
    assert 'data-state="draft">草稿<' in html


def test_the_state_filter_offers_every_labelled_state_and_takes_several(browser):
    html = browser.get("/flow/leave/").get_data(as_text=True)
    for name in ("draft", "manager_review", "hr_review", "approved", "rejected"):
        assert f'name="_state__in" value="{name}"' in html
    assert 'for="filter-state-approved">Approved<' in html
    assert "ff-color-purple" in html  # hr_review's own colour
    both = browser.get("/flow/leave/?_state__in=draft&_state__in=manager_review")
    text = both.get_data(as_text=True)
    assert text.count('data-state="draft">') == 1
    assert text.count('data-state="manager_review">') == 2
    assert 'value="draft" autocomplete="off" checked' in text
    only = browser.get("/flow/leave/?_state__in=draft").get_data(as_text=True)
    assert 'data-state="manager_review">' not in only.split("<tbody>")[1]


def test_an_export_writes_state_labels_and_codes_on_request(app, leaves, make_user):
    make_user("ada", roles=["admin"])
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, "ada")
    rows = read_csv(client.get("/flow/leave/export.csv").data)
    assert sorted(r["_state"] for r in rows) == ["Draft", "Manager review", "Manager review"]
    coded = read_csv(client.get("/flow/leave/export.csv?codes=1").data)
    assert sorted(r["_state"] for r in coded) == ["draft", "manager_review", "manager_review"]


def test_the_api_and_the_export_command_write_codes_on_request(
    app, leaves, make_user, api_as, database_url, tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from formflow.cli import main

    api = api_as(make_user("ada", roles=["admin"]))
    labelled = read_csv(api.get("flow/leave/export", headers={"Accept-Language": "en"}).data)
    assert "Manager review" in {r["_state"] for r in labelled}
    coded = read_csv(api.get("flow/leave/export?codes=1").data)
    assert "manager_review" in {r["_state"] for r in coded}
    for name, value in (("DATABASE_URL", database_url), ("METADATA_PATH", str(PROCESS_APPS)),
                        ("PLUGINS_PATH", str(tmp_path / "none")), ("SECRET_KEY", "s"),
                        ("INSTANCE_PATH", str(tmp_path / "instance")), ("LANGUAGE", "en")):
        monkeypatch.setenv(f"FORMFLOW_{name}", value)
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke
    plain = run(main, ["export", LEAVE, "--as", "ada"], catch_exceptions=False)
    codes = run(main, ["export", LEAVE, "--as", "ada", "--codes"], catch_exceptions=False)
    assert "Draft" in {r["_state"] for r in read_csv(plain.stdout_bytes)}
    assert "draft" in {r["_state"] for r in read_csv(codes.stdout_bytes)}
