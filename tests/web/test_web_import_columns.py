"""The import page's columns: each column's field proposed by name or label (either
language), changed with a select, the first rows shown as read, the choices downloaded
as a mapping and uploaded again next time."""

from __future__ import annotations

import html
import io
import json

import pytest

from support.io_support import DEPOT, ITEM, csv_bytes, item_count
from support.web_support import csrf, sign_in

#: Chinese labels, an English label, and a column no field is named after.
OLD = csv_bytes([["名称", "SKU", "件数", "备注"], ["Bolt", "B1", "5", "x"],
                 ["Nut", "N1", "many", "y"]])


@pytest.fixture
def metadata_path():
    return [str(DEPOT)]


@pytest.fixture
def page(client, make_user):
    make_user("lou", roles=["loader"])
    sign_in(client, "lou")
    return client


def upload(page, data: bytes, mapping: bytes | None = None, lang: str = "en"):
    form = {"csrf_token": csrf(page), "file": (io.BytesIO(data), "old.csv")}
    if mapping is not None:
        form["mapping"] = (io.BytesIO(mapping), "map.json")
    response = page.post("/depot/item/import", data=form, content_type="multipart/form-data",
                         headers={"Accept-Language": lang})
    return response, html.unescape(response.get_data(as_text=True))


def selected(text: str, index: int) -> str:
    select = text.split(f'name="column_{index}"')[1].split("</select>")[0]
    return select.split(" selected>")[0].rsplit('value="', 1)[1].split('"')[0] if (
        " selected>" in select) else ""


def token_of(text: str) -> str:
    return text.split('name="token" value="')[1].split('"')[0]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_columns_are_proposed_by_label_in_either_language(page, lang):
    response, text = upload(page, OLD, lang=lang)
    assert response.status_code == 422  # 件数 and 备注 are no field: unknown columns
    assert [selected(text, i) for i in range(4)] == ["name", "sku", "", ""]
    assert ("Check again with these columns" if lang == "en" else "按这些列重新检查") in text


def test_choices_are_corrected_previewed_downloaded_and_imported(page, runtime, admin):
    _, text = upload(page, OLD)
    token = token_of(text)
    choose = {"csrf_token": csrf(page), "token": token, "key": "",
              "column_0": "name", "column_1": "sku", "column_2": "qty", "column_3": ""}
    checked = page.post("/depot/item/import/columns", data=choose,
                        headers={"Accept-Language": "en"})
    text = html.unescape(checked.get_data(as_text=True))
    assert checked.status_code == 422 and "row 3: Quantity: Enter a whole number." in text
    assert "many: Enter a whole number." in text  # the preview shows the cell as read
    assert selected(text, 2) == "qty"
    download = page.post("/depot/item/import/mapping", data=choose)
    mapping = json.loads(download.get_data(as_text=True))
    assert mapping == {"name": "名称", "sku": "SKU", "qty": "件数"}
    assert "attachment" in download.headers["Content-Disposition"]
    assert item_count(runtime, admin) == 0

    fixed = csv_bytes([["名称", "SKU", "件数", "备注"], ["Bolt", "B1", "5", "x"],
                       ["Nut", "N1", "7", "y"]])
    response, text = upload(page, fixed, json.dumps(mapping).encode())
    assert response.status_code == 200 and 'id="import-preview"' in text
    assert [selected(text, i) for i in range(4)] == ["name", "sku", "qty", ""]
    confirm = {"csrf_token": csrf(page), "token": token_of(text), "key": "",
               "mapping": html.unescape(response.get_data(as_text=True).split(
                   'name="mapping" value="')[1].split('"')[0])}
    assert page.post("/depot/item/import/confirm", data=confirm).status_code == 302
    items = runtime.records.list(admin, ITEM, {"sort": ["sku"]}).items
    assert [(i["name"], i["qty"]) for i in items] == [("Bolt", 5), ("Nut", 7)]


def test_a_bad_mapping_file_is_a_clear_problem(page, runtime, admin):
    response, text = upload(page, OLD, b"[1, 2]")
    assert response.status_code == 422 and "not valid JSON of field names" in text
    assert item_count(runtime, admin) == 0


def test_columns_of_a_file_left_by_someone_else_are_not_found(page, client, make_user):
    _, text = upload(page, OLD)
    other = client.application.test_client()
    make_user("max", roles=["loader"])
    sign_in(other, "max")
    response = other.post("/depot/item/import/columns",
                          data={"csrf_token": csrf(other), "token": token_of(text)})
    assert response.status_code == 404
