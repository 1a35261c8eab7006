"""The create and edit forms: a widget per field type, line items, the live preview,
keeping typed values, conflicts, field permissions."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from formflow.auth import create_user
from support import PASSWORD, TEST_APPS
from support.helpers import LAB, PARTNER, SAMPLE, database_state
from support.web_support import HTMX, form_inputs, sign_in, text_of, with_values


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture
def browser(client, manager):
    token = sign_in(client, "mia")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.token = token
    return client


def new_form(browser):
    response = browser.get("/lab/sample/new")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post(browser, url, inputs, headers=None):
    return browser.post(url, data=MultiDict(inputs), headers=headers or {})


WIDGETS = {
    "name": 'type="text"',
    "description": "<textarea",
    "quantity": 'type="number"',
    "price": 'inputmode="decimal"',
    "budget": "ff-money",
    "discount": 'input-group-text">%',
    "active": 'type="checkbox"',
    "due": 'type="date"',
    "starts_at": 'type="datetime-local"',
    "opens": 'type="time"',
    "kind": "<select",
    "tags": 'type="checkbox" id="f-tags-1"',
    "partner": 'role="combobox"',
    "owner": 'role="combobox"',
    "team": 'role="combobox"',
    "email": 'type="email"',
    "phone": 'type="tel"',
    "website": 'type="url"',
    "attachment": 'type="file"',
    "photo": 'type="file"',
    "score": 'type="radio"',
}


@pytest.mark.parametrize("field", sorted(WIDGETS))
def test_every_field_type_has_its_widget(browser, field):
    html = new_form(browser)
    wrapper = html[html.index(f'id="w-{field}"') :]
    wrapper = wrapper[: wrapper.index('id="fb-' + field + '"')]
    assert WIDGETS[field] in wrapper, wrapper[:800]


def test_line_items_are_an_editable_table(browser):
    html = new_form(browser)
    assert 'id="tbl-lines"' in html and 'value="add:lines"' in html


def test_computed_and_fetched_fields_are_shown_not_typed(browser):
    html = new_form(browser)
    assert 'id="out-total"' in html and 'name="total"' not in html
    assert 'id="out-partner_phone"' in html and 'name="partner_phone"' not in html


def test_defaults_fill_a_new_form(browser):
    html = new_form(browser)
    assert re.search(r'<option value="basic" selected>', html)
    assert 'value="mia"' in html  # owner: user()
    assert re.search(r'type="checkbox" role="switch" value="true" checked', html)


def test_the_layout_follows_the_form_sections(make_app):
    from support import SHIPPED_APPS

    app = make_app([SHIPPED_APPS])
    c = app.test_client()
    runtime = app.extensions["formflow"]
    from formflow.auth import create_user

    with runtime.db.write() as conn:
        create_user(
            conn, "sam", "tulip-sesame-42", roles=["sales_manager"], known_roles=runtime.model.roles
        )
    sign_in(c, "sam")
    html = c.get("/crm/opportunity/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    sections = re.findall(r'<h2 class="h6 mb-0">(.*?)</h2>', html)
    assert sections == ["Opportunity", "Line items", "Value", "Closing and notes"]
    start = html.index('id="w-name"')
    assert "col-md-6" in html[start - 80 : start]  # a section of two columns


def test_creating_a_record_with_line_items(browser, runtime):
    inputs = with_values(form_inputs(new_form(browser)), name="Widget order", approval_note="ok")
    inputs += [
        ("lines-0-item", "Bolt"),
        ("lines-0-qty", "3"),
        ("lines-0-unit_price", "1,000.50"),
        ("lines-1-item", "Nut"),
        ("lines-1-qty", "2"),
        ("lines-1-unit_price", "2"),
    ]
    response = post(browser, "/lab/sample/new", inputs)
    assert response.status_code == 302, text_of(response.get_data(as_text=True), "form-errors")
    record_id = int(response.location.rsplit("/", 1)[1])
    record = runtime.records.get(_admin(runtime), SAMPLE, record_id)
    assert record["name"] == "Widget order" and record["total"] == "3005.50"
    assert [line["item"] for line in record["lines"]] == ["Bolt", "Nut"]


def _admin(runtime):
    from formflow.auth import get_user_by_name

    with runtime.db.read() as conn:
        return get_user_by_name(conn, "admin")


def test_an_invalid_form_keeps_every_typed_value(browser, runtime):
    before = database_state(runtime)
    inputs = with_values(
        form_inputs(new_form(browser)),
        name="A",
        code="bad code",
        description="Some <text>",
        quantity="5000",
    )
    inputs += [("lines-0-item", "Bolt"), ("lines-0-qty", "0"), ("lines-0-unit_price", "9")]
    response = post(browser, "/lab/sample/new", inputs)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="A"' in html and 'value="bad code"' in html and "Some &lt;text&gt;" in html
    assert 'value="5000"' in html and 'name="lines-0-item"' in html and 'value="Bolt"' in html
    assert "at least 2" in text_of(html, "fb-name")
    assert text_of(html, "fb-code") and text_of(html, "fb-quantity")
    assert text_of(html, "fb-lines-0-qty")
    assert database_state(runtime) == before


def test_the_preview_returns_computed_values_without_writing(browser, runtime):
    before = database_state(runtime)
    inputs = with_values(form_inputs(new_form(browser)), name="Preview me")
    inputs += [("lines-0-item", "Bolt"), ("lines-0-qty", "3"), ("lines-0-unit_price", "10")]
    response = post(browser, "/lab/sample/preview", inputs, HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-swap-oob="true" id="out-total"' in html and "30.00" in text_of(html, "out-total")
    assert "30.00" in text_of(html, "out-lines-0-amount")
    assert database_state(runtime) == before


def test_the_preview_applies_conditions(browser):
    inputs = with_values(form_inputs(new_form(browser)), kind="special", frozen="true")
    html = post(browser, "/lab/sample/preview", inputs, HTMX).get_data(as_text=True)
    special = re.search(r'<span hx-swap-oob="true" id="st-special_reason"[^>]*>', html).group(0)
    assert 'data-visible="true"' in special and 'data-required="true"' in special
    memo = re.search(r'<span hx-swap-oob="true" id="st-memo"[^>]*>', html).group(0)
    assert 'data-readonly="true"' in memo
    inputs = with_values(inputs, kind="basic")
    html = post(browser, "/lab/sample/preview", inputs, HTMX).get_data(as_text=True)
    special = re.search(r'<span hx-swap-oob="true" id="st-special_reason"[^>]*>', html).group(0)
    assert 'data-visible="false"' in special


def test_the_preview_shows_errors_only_for_touched_fields(browser):
    inputs = with_values(form_inputs(new_form(browser)), name="", code="x")
    html = post(browser, "/lab/sample/preview", inputs, HTMX).get_data(as_text=True)
    assert text_of(html, "fb-name") == "" and text_of(html, "fb-code") == ""
    inputs = with_values(inputs, _touched="name,code")
    html = post(browser, "/lab/sample/preview", inputs, HTMX).get_data(as_text=True)
    assert "required" in text_of(html, "fb-name") and text_of(html, "fb-code")


def test_the_preview_reports_a_rule(browser):
    inputs = with_values(form_inputs(new_form(browser)), name="Cheap", discount="80")
    html = post(browser, "/lab/sample/preview", inputs, HTMX).get_data(as_text=True)
    assert "over 50" in text_of(html, "form-errors")


def test_a_failed_rule_is_shown_under_the_fields_it_reads(browser):
    inputs = with_values(form_inputs(new_form(browser)), name="Cheap", discount="80")
    html = post(browser, "/lab/sample/new", inputs).get_data(as_text=True)
    message = "A discount over 50 % needs a special sample."
    assert text_of(html, "fb-discount") == message and text_of(html, "fb-kind") == message
    assert text_of(html, "form-errors").count(message) == 1
    assert text_of(html, "fb-name") == ""


def test_a_line_item_error_marks_its_row_and_cell(browser):
    inputs = with_values(form_inputs(new_form(browser)), name="Order")
    inputs += [("lines-0-item", "Bolt"), ("lines-0-qty", "2"), ("lines-0-unit_price", "1"),
               ("lines-1-item", "Nut"), ("lines-1-qty", "0"), ("lines-1-unit_price", "1"),
               ("lines-2-item", "Pin"), ("lines-2-qty", "1"), ("lines-2-unit_price", "1")]
    html = post(browser, "/lab/sample/new", inputs).get_data(as_text=True)
    assert 'id="row-lines-1" class="ff-row-invalid"' in html
    assert 'id="row-lines-0">' in html and 'id="row-lines-2">' in html
    cell = re.search(r'<td id="w-lines-1-qty" class="([^"]*)"', html).group(1)
    assert "ff-cell-invalid" in cell and "at least 1" in text_of(html, "fb-lines-1-qty")
    assert "ff-cell-invalid" not in re.search(r'<td id="w-lines-1-item" class="([^"]*)"',
                                              html).group(1)


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("add:lines", ["A", "B", ""]),
        ("remove:lines:0", ["B"]),
        ("up:lines:1", ["B", "A"]),
        ("down:lines:0", ["B", "A"]),
    ],
)
def test_line_item_rows_are_added_removed_and_moved(browser, op, expected):
    inputs = form_inputs(new_form(browser))
    inputs += [
        ("lines-0-item", "A"),
        ("lines-0-qty", "1"),
        ("lines-0-unit_price", "1"),
        ("lines-1-item", "B"),
        ("lines-1-qty", "2"),
        ("lines-1-unit_price", "2"),
    ]
    response = post(browser, "/lab/sample/preview", inputs + [("_op", op)], HTMX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="form-body">')
    sent = dict(form_inputs(html, None))
    assert [sent.get(f"lines-{i}-item") for i in range(len(expected))] == expected
    assert f'name="lines-{len(expected)}-item"' not in html


def test_a_new_row_gets_its_defaults_and_focus(make_app):
    from formflow.auth import create_user
    from support import SHIPPED_APPS

    app = make_app([SHIPPED_APPS])
    runtime = app.extensions["formflow"]
    with runtime.db.write() as conn:
        create_user(
            conn, "sam", "tulip-sesame-42", roles=["sales_manager"], known_roles=runtime.model.roles
        )
    c = app.test_client()
    sign_in(c, "sam")
    html = c.get("/crm/opportunity/new").get_data(as_text=True)
    body = post(c, "/crm/opportunity/preview", form_inputs(html) + [("_op", "add:lines")], HTMX)
    row = body.get_data(as_text=True)
    assert re.search(r'value="1.00" id="f-lines-0-quantity"', row)  # the column's default
    assert re.search(r'id="f-lines-0-product"[^>]*autofocus', row)


def test_without_javascript_a_row_button_redraws_the_form(browser, runtime):
    before = database_state(runtime)
    inputs = with_values(form_inputs(new_form(browser)), name="Keep me") + [("_op", "add:lines")]
    response = post(browser, "/lab/sample/new", inputs)
    html = response.get_data(as_text=True)
    assert (
        response.status_code == 200 and 'name="lines-0-item"' in html and 'value="Keep me"' in html
    )
    assert database_state(runtime) == before


def test_editing_a_record(browser, runtime, manager):
    record = runtime.records.create(
        manager,
        SAMPLE,
        {
            "name": "Old name",
            "tags": ["red"],
            "lines": [{"item": "x", "qty": 1, "unit_price": "5"}],
        },
    )
    html = browser.get(f"/lab/sample/{record['id']}/edit").get_data(as_text=True)
    assert 'name="_version" value="1"' in html and 'value="Old name"' in html
    inputs = with_values(form_inputs(html), name="New name")
    response = post(browser, f"/lab/sample/{record['id']}/edit", inputs)
    assert response.status_code == 302
    saved = runtime.records.get(manager, SAMPLE, record["id"])
    assert saved["name"] == "New name" and saved["tags"] == ["red"] and saved["_version"] == 2
    assert saved["lines"][0]["item"] == "x"


def test_unchecking_every_option_empties_a_multiselect(browser, runtime, manager):
    record = runtime.records.create(manager, SAMPLE, {"name": "Tagged", "tags": ["red"]})
    html = browser.get(f"/lab/sample/{record['id']}/edit").get_data(as_text=True)
    inputs = [(n, v) for n, v in form_inputs(html) if not (n == "tags" and v)]
    assert post(browser, f"/lab/sample/{record['id']}/edit", inputs).status_code == 302
    assert runtime.records.get(manager, SAMPLE, record["id"])["tags"] is None


def test_a_datetime_is_typed_in_local_time(browser, runtime, manager):
    inputs = with_values(form_inputs(new_form(browser)), name="Timed", starts_at="2024-05-01T09:30")
    response = post(browser, "/lab/sample/new", inputs)
    record_id = int(response.location.rsplit("/", 1)[1])
    assert runtime.records.get(manager, SAMPLE, record_id)["starts_at"] == "2024-05-01T01:30:00Z"
    html = browser.get(f"/lab/sample/{record_id}/edit").get_data(as_text=True)
    assert 'value="2024-05-01T09:30"' in html


def test_saving_over_a_newer_change_shows_it_and_keeps_the_input(
    browser, runtime, manager, make_user
):
    record = runtime.records.create(manager, SAMPLE, {"name": "Shared", "quantity": 1})
    html = browser.get(f"/lab/sample/{record['id']}/edit").get_data(as_text=True)
    other = make_user("otto", roles=["manager"])
    runtime.records.update(other, SAMPLE, record["id"], {"quantity": 7})
    inputs = with_values(form_inputs(html), name="Mine")
    response = post(browser, f"/lab/sample/{record['id']}/edit", inputs)
    page = response.get_data(as_text=True)
    assert response.status_code == 412
    assert "Someone else saved" in page and "otto" in page
    assert re.search(r"Quantity</strong>: .*1.* → .*7", page)
    assert 'value="Mine"' in page and 'name="_version" value="2"' in page
    assert runtime.records.get(manager, SAMPLE, record["id"])["name"] == "Shared"
    # saving again deliberately overwrites
    response = post(browser, f"/lab/sample/{record['id']}/edit", form_inputs(page))
    assert response.status_code == 302
    assert runtime.records.get(manager, SAMPLE, record["id"])["name"] == "Mine"


def test_fields_the_user_may_not_read_are_not_on_the_form(client, make_user):
    make_user("carl", roles=["clerk"])
    sign_in(client, "carl")
    html = client.get("/lab/sample/new").get_data(as_text=True)
    assert 'id="w-secret"' not in html and 'id="w-rate"' in html


def test_fields_the_user_may_not_write_are_shown_read_only(client, make_user, runtime):
    carl = make_user("carl", roles=["clerk"])
    record = runtime.records.create(carl, SAMPLE, {"name": "Mine"})
    sign_in(client, "carl")
    html = client.get(f"/lab/sample/{record['id']}/edit").get_data(as_text=True)
    assert 'id="out-rate"' in html and 'name="rate"' not in html
    response = post(
        client, f"/lab/sample/{record['id']}/edit", form_inputs(html) + [("rate", "9.5")]
    )
    assert response.status_code == 302
    assert runtime.records.get(carl, SAMPLE, record["id"])["rate"] is None


def test_a_user_without_create_permission_gets_403(client, make_user):
    make_user("ada", roles=["auditor"])
    sign_in(client, "ada")
    assert client.get("/lab/sample/new").status_code == 403
    assert (
        client.post("/lab/sample/new", data={"name": "X", "csrf_token": _token(client)}).status_code
        == 403
    )


def _token(client):
    from support.web_support import csrf

    return csrf(client)


def test_the_link_picker_searches_the_target(browser, runtime, manager):
    runtime.records.create(manager, PARTNER, {"name": "Acme Corp"})
    runtime.records.create(manager, PARTNER, {"name": "Globex"})
    html = browser.get("/lab/sample/pick/partner?_q_partner=acm").get_data(as_text=True)
    assert "Acme Corp" in html and "Globex" not in html and 'role="option"' in html


def test_the_user_and_department_pickers(browser, runtime):
    from support.helpers import add_departments

    add_departments(runtime)
    assert "mia" in browser.get("/lab/sample/pick/owner?_q_owner=mi").get_data(as_text=True)
    assert "SALES" in browser.get("/lab/sample/pick/team?_q_team=sal").get_data(as_text=True)


def test_a_picker_on_a_field_that_is_no_reference_is_404(browser):
    assert browser.get("/lab/sample/pick/name").status_code == 404


def test_record_service_preview_reports_states_and_writes_nothing(runtime, manager):
    before = database_state(runtime)
    preview = runtime.records.preview(
        manager,
        SAMPLE,
        {"name": "P", "kind": "special", "lines": [{"item": "a", "qty": 2, "unit_price": "3"}]},
    )
    assert preview.values["total"] == "6.00"
    assert preview.states["special_reason"].visible and preview.states["special_reason"].required
    assert preview.states["lines[0].amount"].readonly
    assert "name" in preview.errors and "special_reason" in preview.errors
    assert database_state(runtime) == before


def test_a_form_without_rows_is_refused_below_min_rows(make_app):
    app = make_app([TEST_APPS / "valid"])
    runtime = app.extensions["formflow"]
    c = app.test_client()
    with runtime.db.write() as conn:
        create_user(conn, "ann", PASSWORD, roles=["user"], known_roles=runtime.model.roles)
    sign_in(c, "ann")
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    inputs = with_values(form_inputs(c.get("/shop/order/new").get_data(as_text=True)),
                         customer_name="Ann")
    before = database_state(runtime)
    response = post(c, "/shop/order/new", inputs)
    assert response.status_code == 422
    assert text_of(response.get_data(as_text=True), "fb-lines") == "Lines至少需要 1 行。"
    assert database_state(runtime) == before
