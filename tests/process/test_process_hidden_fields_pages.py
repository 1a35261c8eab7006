"""A state's ``hidden`` fields on the pages: the approver holding the open task of
manager_review sees neither ``salary`` nor ``remark`` on the record page, the list, the
inbox or the edit form, and can still save the fields the step lets them edit; the
creator sees them."""

from __future__ import annotations

import pytest

from support import TEST_APPS
from support.process_helpers import Flow
from support.web_support import csrf

RAISE = "pay.raise"
SECRETS = ("zebra-remark", "987654", "987,654")


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "stepfields")]


@pytest.fixture
def raise_id(runtime, make_user):
    make_user("boss")
    emp = make_user("emp", manager="boss")
    flow = Flow(runtime)
    record = flow.create(emp, RAISE, subject="Pay rise", salary=987654, remark="zebra-remark")
    flow.act(emp, RAISE, record["id"], "submit")
    return record["id"]


def _hides(html: str) -> bool:
    return not any(secret in html for secret in SECRETS)


@pytest.mark.parametrize(
    "page", ["/pay/raise/{id}", "/pay/raise/", "/inbox", "/pay/raise/{id}/edit"]
)
def test_the_approver_does_not_see_hidden_values_on_a_page(as_user, raise_id, page):
    response = as_user("boss").get(page.format(id=raise_id))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Pay rise" in html and _hides(html)


def test_the_approver_saves_an_editable_field_and_the_hidden_ones_stay(as_user, runtime, raise_id):
    client = as_user("boss")
    assert _hides(client.get(f"/pay/raise/{raise_id}/edit").get_data(as_text=True))
    record = Flow(runtime).record(RAISE, raise_id)

    response = client.post(
        f"/pay/raise/{raise_id}/edit",
        data={
            "note": "Fine by me",
            "_version": str(record["_version"]),
            "csrf_token": csrf(client),
        },
    )

    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    saved = Flow(runtime).record(RAISE, raise_id)
    assert (saved["note"], saved["salary"], saved["remark"]) == (
        "Fine by me",
        987654,
        "zebra-remark",
    )


def test_the_record_page_leaves_the_hidden_fields_out_for_the_approver(as_user, raise_id):
    boss = as_user("boss").get(f"/pay/raise/{raise_id}").get_data(as_text=True)
    emp = as_user("emp").get(f"/pay/raise/{raise_id}").get_data(as_text=True)

    assert "Remark</dt>" in emp and "Remark</dt>" not in boss
    assert "zebra-remark" in emp


def test_a_dashboard_leaves_out_the_widgets_showing_a_hidden_field(as_user, raise_id):
    boss = as_user("boss").get("/dashboards/pay/raises").get_data(as_text=True)
    emp = as_user("emp").get("/dashboards/pay/raises").get_data(as_text=True)

    assert 'data-widget="count"' in boss and 'data-widget="latest"' not in boss
    assert _hides(boss)
    assert 'data-widget="latest"' in emp and "987" in emp


def test_the_list_page_refuses_a_filter_on_a_hidden_field_with_a_message(as_user, raise_id):
    response = as_user("boss").get("/pay/raise/?sort=-salary")

    assert response.status_code == 400  # as for any filter the list cannot apply
    html = response.get_data(as_text=True)
    assert "hidden from you" in html and _hides(html)
