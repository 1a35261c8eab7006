"""The dashboards the shipped apps bring: the crm sales pipeline and the inventory stock
and sales dashboard open for their users in both languages, with every widget drawn."""

from __future__ import annotations

import pytest


@pytest.fixture
def people(make_user):
    make_user("sue", roles=["sales_manager"])
    make_user("pam", roles=["purchase_manager", "sales_manager"])


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("user, path, widgets", [
    ("sue", "/dashboards/crm/sales_pipeline", 6),
    ("pam", "/dashboards/inventory/stock_and_sales", 6),
])
def test_a_shipped_dashboard_opens_with_every_widget(as_user, people, user, path, widgets,
                                                     lang):
    client = as_user(user, lang=lang)
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('data-widget="') == widgets
    assert path in client.get("/").get_data(as_text=True)
