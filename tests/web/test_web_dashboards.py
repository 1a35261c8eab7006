"""Dashboards over records: number cards, bar, line and pie charts drawn as SVG with
their numbers in a table, tables and filters; each reader counts only the records and
fields they may read; the home page links the dashboards of the reader's apps; the
checker reports bad widgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from formflow.metadata.loader import load
from formflow.metadata.problems import MetadataError
from support import TEST_APPS

PAGE = "/dashboards/shop/sales"


@pytest.fixture
def metadata_path():
    return [TEST_APPS / "dash"]


@pytest.fixture
def sales(runtime, make_user):
    clerk = make_user("clerk", roles=["clerk"])
    boss = make_user("boss", roles=["boss"])
    rows = [(clerk, "Bread", "food", "10", "2026-01-05", True, None),
            (clerk, "Ball", "toys", "30", "2026-01-20", False, None),
            (boss, "Milk", "food", "20", "2026-02-03", True, "4")]
    for user, item, kind, amount, day, paid, margin in rows:
        values = {"item": item, "kind": kind, "amount": amount, "sold_on": day, "paid": paid}
        if margin:
            values["margin"] = margin
        runtime.records.create(user, "shop.sale", values)


def widget(html: str, name: str) -> str:
    start = html.index(f'data-widget="{name}"')
    return html[start:html.index("</section>", start)]


def test_the_boss_sees_every_sale_in_cards_charts_and_tables(as_user, sales):
    html = as_user("boss").get(PAGE).get_data(as_text=True)
    assert 'data-value>3</p>' in widget(html, "count")
    assert ">60</p>" in widget(html, "total") and ">30</p>" in widget(html, "paid_total")
    bars = widget(html, "by_kind")
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="chart-by_kind"' in bars
    assert "<title>Toys: 30</title>" in bars and "<td>Food</td>" in bars
    assert "ff-slice" in widget(html, "share")
    line = widget(html, "per_month")
    assert "<title>2026-01: 20</title>" in line and "<title>2026-02: 20</title>" in line
    table = widget(html, "latest")
    assert table.index("Ball") < table.index("Milk") and "Bread" not in table


def test_a_clerk_counts_only_their_own_sales_and_not_a_field_they_may_not_read(
        as_user, sales):
    html = as_user("clerk").get(PAGE).get_data(as_text=True)
    assert 'data-value>2</p>' in widget(html, "count")
    assert 'data-widget="margins"' not in html


def test_filters_narrow_every_widget(as_user, sales):
    html = as_user("boss").get(f"{PAGE}?f_kind=food&f_sold_on_from=2026-02-01").get_data(
        as_text=True)
    assert 'data-value>1</p>' in widget(html, "count")
    assert ">20</p>" in widget(html, "total")


def test_a_bad_filter_date_is_a_422_naming_it(as_user, sales):
    response = as_user("boss").get(f"{PAGE}?f_sold_on_to=yesterday")
    assert response.status_code == 422
    assert 'id="f_sold_on_to"' in response.get_data(as_text=True)


def test_labels_read_in_chinese(as_user, sales):
    html = as_user("boss", lang="zh-CN").get(PAGE).get_data(as_text=True)
    assert "<title>玩具: 30</title>" in html and "各类金额" in html


def test_the_home_page_links_the_dashboards_of_the_readers_apps(as_user, make_user, sales):
    assert 'data-dashboard="shop.sales"' in as_user("clerk").get("/").get_data(as_text=True)
    make_user("nobody")
    client = as_user("nobody")
    assert 'data-dashboard="shop.sales"' not in client.get("/").get_data(as_text=True)
    assert client.get(PAGE).status_code == 404


def test_the_checker_reports_bad_widgets(tmp_path):
    app = tmp_path / "shop"
    for sub in ("entities", "dashboards"):
        (app / sub).mkdir(parents=True)
    source = TEST_APPS / "dash" / "shop"
    (app / "app.json").write_text((source / "app.json").read_text())
    (app / "entities" / "sale.json").write_text((source / "entities" / "sale.json").read_text())
    (app / "dashboards" / "bad.json").write_text(
        '{"name": "bad", "filters": ["nothing"], "widgets": ['
        '{"name": "a", "type": "number", "entity": "sale", "aggregate": "sum", "field": "item"},'
        '{"name": "b", "type": "bar", "entity": "sale", "group_by": "amount"},'
        '{"name": "c", "type": "line", "entity": "sale", "group_by": "sold_on"},'
        '{"name": "d", "type": "table", "entity": "nope", "columns": ["x"]}]}')
    with pytest.raises(MetadataError) as raised:
        load([str(Path(tmp_path))])
    text = str(raised.value)
    assert "widgets/0/field: sum needs a number field" in text
    assert "widgets/1/group_by: group by a select" in text
    assert "widgets/2/bucket" in text and "widgets/3/entity" in text
    assert "filters/0" in text
