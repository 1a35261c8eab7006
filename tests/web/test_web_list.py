"""An entity's list page: columns, filters, search, sort, paging, fragments, export, trash."""

from __future__ import annotations

import csv
import io

import pytest

from support.helpers import LAB, PARTNER, SAMPLE
from support.web_support import HTMX, sign_in


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture
def samples(runtime, manager):
    partner = runtime.records.create(manager, PARTNER, {"name": "Acme"})
    made = []
    for index, (name, kind, quantity, due) in enumerate(
        [
            ("Alpha", "basic", 5, "2024-01-10"),
            ("Bravo", "special", 50, "2024-02-10"),
            ("Charlie", "basic", 500, "2024-03-10"),
        ]
    ):
        made.append(
            runtime.records.create(
                manager,
                SAMPLE,
                {
                    "name": name,
                    "kind": kind,
                    "quantity": quantity,
                    "due": due,
                    "partner": partner["id"] if index == 0 else None,
                    "active": index != 1,
                    "special_reason": "why" if kind == "special" else None,
                    "lines": [{"item": "x", "qty": index + 1, "unit_price": "10"}],
                },
            )
        )
    return made


@pytest.fixture
def browser(client, manager):
    sign_in(client, "mia")
    return client


def page(client, query="", headers=None):
    response = client.get(
        f"/lab/sample/{query}", headers={"Accept-Language": "en", **(headers or {})}
    )
    return response, response.get_data(as_text=True)


def names(html):
    return [n for n in ("Alpha", "Bravo", "Charlie") if n in html]


def test_the_list_shows_the_metadata_columns(browser, samples):
    _, html = page(browser)
    for label in ("Number", "Name", "Partner", "Owner", "Total"):
        assert f">{label}<" in html
    assert names(html) == ["Alpha", "Bravo", "Charlie"]
    assert "S-" in html and "30.00" in html  # the number and the computed total


def test_a_link_column_shows_the_linked_title(browser, samples):
    _, html = page(browser)
    assert ">Acme</a>" in html


def test_a_select_filter(browser, samples):
    _, html = page(browser, "?kind=special")
    assert names(html) == ["Bravo"]


def test_a_number_range_filter(browser, samples):
    _, html = page(browser, "?quantity__gte=10&quantity__lte=100")
    assert names(html) == ["Bravo"]


def test_a_date_range_filter(browser, samples):
    _, html = page(browser, "?due__gte=2024-02-01&due__lte=2024-12-31")
    assert names(html) == ["Bravo", "Charlie"]


def test_a_link_filter(browser, samples):
    partner = samples[0]["partner"]
    _, html = page(browser, f"?partner={partner}")
    assert names(html) == ["Alpha"]


def test_a_boolean_filter(browser, samples):
    _, html = page(browser, "?active=false")
    assert names(html) == ["Bravo"]


def test_a_user_filter(browser, samples):
    _, html = page(browser, "?owner=mia")
    assert names(html) == ["Alpha", "Bravo", "Charlie"]
    _, html = page(browser, "?owner=nobody")
    assert names(html) == []


def test_empty_filter_inputs_mean_no_filter(browser, samples):
    _, html = page(browser, "?kind=&quantity__gte=&q=&partner=&_q_partner=")
    assert len(names(html)) == 3


def test_the_search_box(browser, samples):
    _, html = page(browser, "?q=char")
    assert names(html) == ["Charlie"]


def test_a_datetime_range_takes_whole_local_days(browser, runtime, manager):
    runtime.records.create(manager, SAMPLE, {"name": "Late", "starts_at": "2024-05-01T15:30:00Z"})
    # 15:30 UTC is 23:30 in Shanghai, still 1 May there
    _, html = page(browser, "?starts_at__gte=2024-05-01&starts_at__lte=2024-05-01")
    assert "Late" in html
    _, html = page(browser, "?starts_at__gte=2024-05-02")
    assert "Late" not in html


def test_clicking_a_header_sorts(browser, samples):
    _, html = page(browser, "?sort=-name")
    assert html.index("Charlie") < html.index("Bravo") < html.index("Alpha")
    assert 'aria-sort="descending"' in html
    assert 'href="/lab/sample/?sort=name"' in html  # clicking again sorts the other way


def test_paging_and_page_size(browser, samples):
    _, html = page(browser, "?per_page=2&sort=name")
    assert names(html) == ["Alpha", "Bravo"]
    assert "page=2" in html
    _, html = page(browser, "?per_page=2&sort=name&page=2")
    assert names(html) == ["Charlie"]


def test_an_htmx_request_gets_only_the_results(browser, samples):
    response, html = page(browser, "?kind=basic", HTMX)
    assert "<html" not in html and "list-filters" not in html.replace('form="list-filters"', "")
    assert names(html) == ["Alpha", "Charlie"]
    assert "HX-Request" in response.headers["Vary"]


def test_the_full_page_includes_the_same_results(browser, samples):
    response, html = page(browser, "?kind=basic")
    _, fragment = page(browser, "?kind=basic", HTMX)
    assert "<html" in html and fragment.strip() in html
    assert "HX-Request" in response.headers["Vary"]


def test_filter_controls_push_the_url(browser, samples):
    _, html = page(browser)
    assert 'hx-push-url="true"' in html
    assert 'name="kind"' in html and 'name="partner"' in html and 'name="owner"' in html


def test_an_empty_list_invites_to_create(browser):
    _, html = page(browser)
    assert "Create the first one" in html


def test_no_match_offers_to_clear_the_filters(browser, samples):
    _, html = page(browser, "?q=zzz")
    assert "No records match" in html


def test_a_bad_filter_value_is_explained(browser, samples):
    response, html = page(browser, "?quantity__gte=lots")
    assert response.status_code == 400 and "alert" in html


def test_export_needs_the_export_grant(browser, samples):
    assert browser.get("/lab/sample/export.csv").status_code == 403
    _, html = page(browser)
    assert "export.csv" not in html


def test_export_writes_the_current_filter(client, samples):
    from support import ADMIN_PASSWORD

    sign_in(client, "admin", ADMIN_PASSWORD)
    response = client.get("/lab/sample/export.csv?kind=basic")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r["name"] for r in rows) == ["Alpha", "Charlie"]
    assert rows[0]["kind"] == "基础" and "secret" in rows[0]  # the label, in the page language
    coded = client.get("/lab/sample/export.csv?kind=basic&codes=1").get_data(as_text=True)
    assert next(csv.DictReader(io.StringIO(coded.lstrip("\ufeff"))))["kind"] == "basic"


def test_export_leaves_out_fields_the_user_may_not_read(make_user, runtime):
    from formflow.io.columns import export_columns

    entity = runtime.model.entity(SAMPLE)
    clerk = make_user("carl", roles=["clerk"])
    assert "secret" not in [c.name for c in export_columns(entity, clerk)]


def test_export_cells_never_start_a_formula(client, runtime, manager):
    from support import ADMIN_PASSWORD

    runtime.records.create(manager, SAMPLE, {"name": "=cmd|' /C calc'!A0"})
    sign_in(client, "admin", ADMIN_PASSWORD)
    text = client.get("/lab/sample/export.csv").get_data(as_text=True)
    assert "'=cmd" in text


def test_the_trash_lists_deleted_records_and_restores_them(browser, runtime, manager, samples):
    runtime.records.delete(manager, SAMPLE, samples[0]["id"])
    _, html = page(browser)
    assert "Alpha" not in html
    trash = browser.get("/lab/sample/trash").get_data(as_text=True)
    assert "Alpha" in trash and "Bravo" not in trash
    from support.web_support import csrf

    response = browser.post(
        f"/lab/sample/{samples[0]['id']}/restore", data={"csrf_token": csrf(browser)}
    )
    assert response.status_code == 302
    assert "Alpha" in page(browser)[1]


def test_the_trash_needs_the_delete_grant(client, make_user, samples):
    make_user("ada", roles=["auditor"])  # reads all, deletes nothing
    sign_in(client, "ada")
    assert client.get("/lab/sample/trash").status_code == 403
