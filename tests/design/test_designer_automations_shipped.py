"""The automations of a shipped app in the designer: listed in words, and each one's
editor shows its actions as written, line items included."""

from __future__ import annotations

import pytest

from support import SHIPPED_APPS


@pytest.fixture
def metadata_path():
    return [str(SHIPPED_APPS)]


def test_a_shipped_apps_automations_read_in_words(designer):
    client = designer("en")
    html = client.get("/designer/inventory/automations").get_data(as_text=True)
    assert "when a Purchase order enters approved" in html
    assert "create a warehouse.stock_document" in html
    html = client.get("/designer/inventory/automations/draft_receipt").get_data(as_text=True)
    assert "lines = {&#34;rows&#34;: &#34;lines&#34;" in html
