"""Approval evidence and paper: files attached to an action's comment are stored like file
fields, listed in the history and downloadable by readers of the record only; any record
prints with a header, its fields, line items and history, without navigation or buttons."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from formflow.errors import ValidationFailed
from support.flow_fixtures import database_url, flow, metadata_path, template  # noqa: F401 (fixtures)
from support.process_helpers import LEAVE
from support.web_support import HTMX, csrf

RECORDS = "/flow/leave"


@pytest.fixture
def staff(make_user):
    return SimpleNamespace(boss=make_user("boss"), emp=make_user("emp", manager="boss"),
                           pat=make_user("pat"))


def submitted(flow, staff) -> int:
    record = flow.create(staff.emp, LEAVE, kind="annual", days=2, reason="Trip")
    flow.act(staff.emp, LEAVE, record["id"], "submit")
    return record["id"]


def act_with_files(client, record_id, name, files, **form):
    data = {"csrf_token": csrf(client), **form,
            "attachments": [(io.BytesIO(content), filename) for filename, content in files]}
    return client.post(f"{RECORDS}/{record_id}/actions/{name}", data=data, headers=HTMX,
                       content_type="multipart/form-data")


def attached(flow, record_id) -> list[str]:
    return [key for e in flow.events(LEAVE, record_id) for key in (e.data or {}).get("files", [])]


def test_a_comment_carries_its_files_into_the_history(flow, staff, as_user):
    record_id = submitted(flow, staff)
    response = act_with_files(as_user("boss"), record_id, "send_back",
                              [("itinerary.pdf", b"%PDF-1.4 plan"), ("notes.txt", b"see me")],
                              comment="Please add the itinerary", state="manager_review")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    (event,) = [e for e in flow.events(LEAVE, record_id) if e.action == "send_back"]
    assert [key.split("/")[1] for key in event.data["files"]] == ["itinerary.pdf", "notes.txt"]
    assert event.data["back"] is True  # what the engine logged is kept
    html = as_user("emp").get(f"{RECORDS}/{record_id}").get_data(as_text=True)
    timeline = html[html.index('class="list-unstyled mb-0 ff-timeline"'):]
    assert "Please add the itinerary" in timeline and "itinerary.pdf" in timeline
    digest = event.data["files"][0].split("/")[0]
    assert f'href="{RECORDS}/{record_id}/attachments/{digest}/itinerary.pdf"' in timeline


@pytest.mark.parametrize("action", ["comment", "approve", "transfer"])
def test_any_action_with_a_comment_may_carry_files(flow, staff, as_user, make_user, action):
    make_user("bud")
    record_id = submitted(flow, staff)
    form = {"comment": "See attached", "state": "manager_review"}
    if action == "transfer":
        form["to"] = "bud"
    response = act_with_files(as_user("boss"), record_id, action, [("scan.png", PNG)], **form)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert [key.split("/")[1] for key in attached(flow, record_id)] == ["scan.png"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_readers_of_the_record_download_an_attachment_and_nobody_else(flow, staff, as_user):
    record_id = submitted(flow, staff)
    act_with_files(as_user("boss"), record_id, "comment", [("itinerary.pdf", b"%PDF-1.4 plan")],
                   comment="Here", state="manager_review")
    (key,) = attached(flow, record_id)
    url = f"{RECORDS}/{record_id}/attachments/{key}"
    response = as_user("emp").get(url)
    assert response.status_code == 200 and response.data == b"%PDF-1.4 plan"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert as_user("pat").get(url).status_code == 404  # may not read the record
    other = flow.create(staff.emp, LEAVE, kind="annual", days=1)
    assert as_user("emp").get(f"{RECORDS}/{other['id']}/attachments/{key}").status_code == 404


def test_a_refused_file_is_named_in_the_dialog_and_nothing_happens(flow, staff, as_user):
    record_id = submitted(flow, staff)
    response = act_with_files(as_user("boss", "zh-CN"), record_id, "approve",
                              [("run.exe", b"MZ...")], comment="OK", state="manager_review")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="fb-attachments"' in html
    assert "run.exe: 不接受此类文件。" in html
    assert flow.state(LEAVE, record_id) == "manager_review" and attached(flow, record_id) == []


def test_the_service_limits_how_many_files_an_action_carries(runtime, flow, staff):
    record_id = submitted(flow, staff)
    keys = [f"{'a' * 64}/f{i}.txt" for i in range(6)]
    with pytest.raises(ValidationFailed) as refused:
        runtime.process.act(staff.boss, LEAVE, record_id, "comment", {"comment": "x"},
                            attachments=keys)
    assert refused.value.errors["attachments"][0].render("en") == "Attach at most 5 files."


def test_the_api_takes_no_file_keys_in_an_action_body(flow, staff, api_as):
    record_id = submitted(flow, staff)
    answer = api_as(staff.boss).post(f"flow/leave/{record_id}/actions/comment",
                                     json={"comment": "x", "attachments": ["a" * 64 + "/x.pdf"]})
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == ["attachments"]


def test_the_action_form_offers_attachments_and_posts_multipart(flow, staff, as_user):
    record_id = submitted(flow, staff)
    html = as_user("boss").get(f"{RECORDS}/{record_id}/actions/approve", headers=HTMX) \
        .get_data(as_text=True)
    assert 'name="attachments" multiple' in html
    assert 'enctype="multipart/form-data"' in html and 'hx-encoding="multipart/form-data"' in html


# -- printing -----------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "button"), [("en", "Print"), ("zh-CN", "打印")])
def test_a_record_page_has_a_print_button_and_a_print_header(flow, staff, as_user, lang,
                                                              button):
    record_id = submitted(flow, staff)
    html = as_user("emp", lang).get(f"{RECORDS}/{record_id}").get_data(as_text=True)
    assert f'id="print-record" data-ff-print>{button}</button>' in html
    app, entity = ("流程测试", "请假申请") if lang == "zh-CN" else ("Flow tests", "Leave request")
    assert f'id="print-header">{app} · {entity} · LV-0001</p>' in html
