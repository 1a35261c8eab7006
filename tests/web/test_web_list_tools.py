"""The tools of a list page: the column chooser, the totals row over every matching
record, the export menu at the top, and a user's own saved views."""

from __future__ import annotations

import re

import pytest

from support.helpers import LAB, SAMPLE
from support.web_support import csrf, sign_in


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture
def samples(runtime, manager):
    for name, budget, quantity in (("Alpha", "10.50", 1), ("Bravo", "20.25", 2),
                                   ("Charlie", "1000.00", 3)):
        runtime.records.create(manager, SAMPLE, {
            "name": name, "budget": budget, "quantity": quantity, "kind": "basic",
        })


@pytest.fixture
def browser(client, manager):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, "mia")
    return client


def html_of(client, query=""):
    response = client.get(f"/lab/sample/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def headers(html):
    return re.findall(r'<th scope="col"[^>]*>\s*(?:<a[^>]*>)?([^<]+)<', html)


def test_the_chosen_columns_replace_the_metadata_ones_in_their_order(browser, samples):
    html = html_of(browser, "?columns=quantity&columns=name&columns=budget")
    assert headers(html) == ["Quantity", "Name", "Budget"]
    assert 'value="quantity" id="column-quantity" checked' in html
    assert 'value="partner" id="column-partner">' in html  # offered, not shown


def test_a_column_the_user_may_not_read_cannot_be_chosen(client, make_user, runtime):
    cleo = make_user("cleo", roles=["clerk"])
    runtime.records.create(cleo, SAMPLE, {"name": "Mine"})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, "cleo")
    html = html_of(client, "?columns=name&columns=secret")
    assert headers(html) == ["Name"]
    assert 'value="secret"' not in html


def test_the_totals_row_adds_up_every_matching_record_not_only_the_page(browser, samples):
    html = html_of(browser, "?columns=name&columns=budget&columns=quantity&per_page=10&sort=name")
    footer = html.split("<tfoot")[1].split("</tfoot>")[0]
    assert "1,030.75" in footer and ">6<" in footer
    one_page = html_of(browser, "?columns=name&columns=budget&per_page=1&sort=name&page=2")
    assert "1,030.75" in one_page.split("<tfoot")[1] and "(all pages)" in one_page
    filtered = html_of(browser, "?columns=name&columns=budget&budget__lte=100")
    assert "30.75" in filtered.split("<tfoot")[1].split("</tfoot>")[0]


def test_no_totals_row_without_a_number_column(browser, samples):
    assert "<tfoot" not in html_of(browser, "?columns=name&columns=kind")


def test_the_export_menu_sits_above_the_table_and_follows_the_filters(
    client, make_user, samples
):
    make_user("ada", roles=["admin"])
    sign_in(client, "ada")
    html = html_of(client, "?kind=basic&columns=name")
    assert html.index('id="list-export"') < html.index("<table")
    assert "export.csv?kind=basic" in html and "export.csv?kind=basic&amp;columns" not in html


def test_a_saved_view_keeps_filters_sort_and_columns_for_its_owner_only(
    browser, client, app, make_user, samples
):
    token = csrf(browser)
    query = "kind=basic&sort=-name&columns=name&columns=budget&page=2"
    saved = browser.post("/lab/sample/views", data={
        "csrf_token": token, "name": " Basic ones ", "query": query})
    assert saved.status_code == 302
    assert saved.location.endswith("/lab/sample/?kind=basic&sort=-name&columns=name&columns=budget")
    html = html_of(browser)
    assert "Basic ones</a>" in html
    kept = "kind=basic&amp;sort=-name&amp;columns=name&amp;columns=budget"
    assert f'href="/lab/sample/?{kept}"' in html
    # saving under the same name replaces the view
    browser.post("/lab/sample/views", data={"csrf_token": token, "name": "Basic ones",
                                            "query": "kind=special"})
    assert html_of(browser).count("Basic ones</a>") == 1
    view_id = re.search(r"/lab/sample/views/(\d+)/delete", html_of(browser)).group(1)
    other = app.test_client()
    make_user("otto", roles=["manager"])
    sign_in(other, "otto")
    assert "Basic ones" not in other.get("/lab/sample/").get_data(as_text=True)
    refused = other.post(f"/lab/sample/views/{view_id}/delete", data={"csrf_token": csrf(other)})
    assert refused.status_code == 404
    deleted = browser.post(f"/lab/sample/views/{view_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302 and "Basic ones" not in html_of(browser)


def test_a_view_without_a_name_is_refused_with_a_message(browser, samples):
    response = browser.post("/lab/sample/views", data={"csrf_token": csrf(browser), "name": " ",
                                                       "query": "kind=basic"},
                            follow_redirects=True)
    assert "Give the view a name." in response.get_data(as_text=True)


def test_choosing_columns_is_no_filter(browser):
    html = html_of(browser, "?columns=name")
    assert "No records match these filters." not in html and "Create the first one" in html
