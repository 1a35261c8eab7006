"""The form designer's condition builder: rows built through htmx requests, saved as
the field's expression, reopened as rows (or as text when they cannot be); the live
check of typed text; the entity's rules; an invalid condition stays in the draft,
marked red, and blocks publishing."""

from __future__ import annotations

import pytest

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS
from support.design_support import apply, create_app, draft, publish
from support.web_support import csrf

LEAVE = {
    "label": {"en": "Leave", "zh-CN": "请假"},
    "fields": [
        {
            "name": "kind",
            "type": "select",
            "options": [
                {"value": "annual", "label": {"en": "Annual", "zh-CN": "年假"}},
                {"value": "sick", "label": {"en": "Sick", "zh-CN": "病假"}},
            ],
        },
        {"name": "days", "type": "integer"},
        {"name": "reason", "type": "text"},
        {"name": "start", "type": "date"},
        {"name": "lines", "type": "table", "fields": [{"name": "amount", "type": "money"}]},
    ],
    "permissions": [{"role": "user", "create": True, "read": "all", "update": "all"}],
}
URL = "/designer/fleet/leave"


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def designer(make_user, as_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    return lambda lang="en": as_user("dana", lang)


@pytest.fixture
def fleet(admin_api):
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/leave", "value": LEAVE}])
    return admin_api


def builder_form(page, prop="visible_if", field="reason", **form):
    """What a field condition's builder posts (its hidden inputs and its rows)."""
    return {
        "csrf_token": csrf(page),
        "cond_key": prop,
        "cond_save": f"{URL}/ops",
        "cond_label": prop,
        "revision": draft_revision(page),
        "field": field,
        "prop": prop,
        "action": "condition",
        **form,
    }


def draft_revision(page) -> str:
    html = page.get(f"{URL}?field=reason").get_data(as_text=True)
    return html.split('data-revision="', 1)[1].split('"', 1)[0]


def htmx(page, url, data):
    return page.post(url, data=data, headers={"HX-Request": "true"})


def reason(api) -> dict:
    fields = draft(api)["documents"]["entities/leave.json"]["fields"]
    return next(f for f in fields if f["name"] == "reason")


def test_rows_are_added_and_their_operators_fit_the_field(designer, fleet):
    page = designer("zh-CN")
    html = htmx(page, f"{URL}/condition", builder_form(page, step="add")).get_data(as_text=True)
    assert html.count('name="row_field"') == 1 and 'value="eq"' in html
    assert "包含" not in html  # the first field is a select: no "contains"
    form = builder_form(
        page, step="add", mode="visual", row_field=["reason"], row_op=["eq"], row_value=[""]
    )
    html = htmx(page, f"{URL}/condition", form).get_data(as_text=True)
    assert html.count('name="row_field"') == 2
    assert "包含" in html and "满足任一条件（或）" in html
    form = builder_form(
        page,
        step="remove-0",
        row_field=["reason", "kind"],
        row_op=["contains", "in"],
        row_value=["急", "annual, sick"],
    )
    html = htmx(page, f"{URL}/condition", form).get_data(as_text=True)
    assert html.count('name="row_field"') == 1 and 'value="annual, sick"' in html
    assert fleet and draft(fleet)["revision"] == 2  # building saves nothing


def test_a_condition_built_of_two_rows_joined_by_or_is_saved_as_an_expression(designer, fleet):
    page = designer()
    form = builder_form(
        page, join="or", row_field=["kind", "days"], row_op=["eq", "gt"], row_value=["sick", "3"]
    )
    response = htmx(page, f"{URL}/ops", form)
    assert response.status_code == 200 and "Saved ✓" in response.get_data(as_text=True)
    assert reason(fleet)["visible_if"] == "kind == 'sick' or days > 3"
    html = page.get(f"{URL}?field=reason").get_data(as_text=True)
    assert 'data-cond="visible_if" data-mode="visual"' in html
    assert '<option value="days" selected>' in html and 'value="3"' in html


def test_a_row_with_a_bad_value_is_refused_naming_the_row(designer, fleet):
    page = designer("zh-CN")
    form = builder_form(
        page, row_field=["kind", "days"], row_op=["eq", "gt"], row_value=["sick", "三"]
    )
    response = htmx(page, f"{URL}/ops", form)
    assert response.status_code == 422
    assert "第 2 行：三 不是数字。" in response.get_data(as_text=True)
    assert "visible_if" not in reason(fleet)


def test_no_rows_removes_the_condition(designer, fleet):
    apply(
        fleet,
        [{"op": "set", "path": "entities/leave/fields/reason/required_if", "value": "days > 1"}],
    )
    page = designer()
    htmx(page, f"{URL}/ops", builder_form(page, prop="required_if"))
    assert "required_if" not in reason(fleet)


def test_text_mode_saves_the_text_and_what_rows_cannot_show_reopens_as_text(designer, fleet):
    page = designer()
    form = builder_form(page, prop="readonly_if", mode="text", text="days + 1 > 5")
    htmx(page, f"{URL}/ops", form)
    assert reason(fleet)["readonly_if"] == "days + 1 > 5"
    html = page.get(f"{URL}?field=reason").get_data(as_text=True)
    assert 'data-cond="readonly_if" data-mode="text"' in html
    assert 'value="days + 1 &gt; 5"' in html and 'list="cond-readonly_if-names"' in html
    form = builder_form(page, prop="readonly_if", mode="text", text="days + 1 > 5", step="visual")
    html = htmx(page, f"{URL}/condition", form).get_data(as_text=True)
    assert 'data-mode="text"' in html and "cannot be shown as rows" in html


def test_switching_between_rows_and_text_keeps_the_condition(designer, fleet):
    page = designer()
    form = builder_form(
        page,
        step="text",
        join="and",
        row_field=["kind", "reason"],
        row_op=["in", "not_empty"],
        row_value=["annual，sick", ""],
    )
    html = htmx(page, f"{URL}/condition", form).get_data(as_text=True)
    assert 'data-mode="text"' in html
    assert 'value="kind in [&#39;annual&#39;, &#39;sick&#39;] and len(reason) &gt; 0"' in html
    form = builder_form(page, step="visual", mode="text", text="start >= date('2024-05-01')")
    html = htmx(page, f"{URL}/condition", form).get_data(as_text=True)
    assert 'data-mode="visual"' in html and 'type="date"' in html
    assert 'value="2024-05-01"' in html


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("kind == 'sick'", "en", "The expression is valid."),
        ("dayz > 1", "zh-CN", "未知字段 dayz，是否应为 days？"),
        ("days >", "en", "Syntax error at character 7."),
    ],
)
def test_the_live_check_answers_in_the_users_language(designer, fleet, text, lang, expected):
    page = designer(lang)
    response = htmx(page, f"{URL}/check-expression", {"csrf_token": csrf(page), "text": text})
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)


def test_the_live_check_of_a_table_column_reads_the_row(designer, fleet):
    page = designer()
    response = htmx(
        page,
        f"{URL}/check-expression",
        {"csrf_token": csrf(page), "text": "amount > parent.days", "table": "lines"},
    )
    assert "The expression is valid." in response.get_data(as_text=True)


def test_an_invalid_condition_is_kept_marked_red_and_blocks_publishing(designer, fleet):
    page = designer()
    htmx(page, f"{URL}/ops", builder_form(page, mode="text", text="dayz > 1"))
    assert reason(fleet)["visible_if"] == "dayz > 1"
    html = page.get(f"{URL}?field=reason").get_data(as_text=True)
    assert "ff-condition-invalid" in html and "ff-condition-problems" in html
    body = publish(fleet, status=422)
    assert [p["path"] for p in body["problems"]] == ["entities/leave/fields/reason/visible_if"]
    assert "dayz" in body["problems"][0]["message"]


def test_rules_are_added_changed_and_removed_from_the_page(designer, fleet):
    page = designer("zh-CN")
    html = page.get(URL).get_data(as_text=True)
    assert "规则" in html and 'data-cond="rule-0"' in html
    form = {
        "csrf_token": csrf(page),
        "revision": "2",
        "action": "rule",
        "index": "0",
        "row_field": ["days"],
        "row_op": ["le"],
        "row_value": ["30"],
        "message_zh-CN": "最多 30 天",
        "message_en": "",
    }
    assert htmx(page, f"{URL}/ops", form).status_code == 200
    rules = draft(fleet)["documents"]["entities/leave.json"]["rules"]
    assert rules == [{"check": "days <= 30", "message": {"zh-CN": "最多 30 天"}}]
    form.update(revision="3", index="1", row_field=["reason"], row_op=["not_empty"], row_value=[""])
    form["message_zh-CN"] = ""
    htmx(page, f"{URL}/ops", form)
    rules = draft(fleet)["documents"]["entities/leave.json"]["rules"]
    assert [r["check"] for r in rules] == ["days <= 30", "len(reason) > 0"]
    html = page.get(URL).get_data(as_text=True)
    assert 'data-cond="rule-1" data-mode="visual"' in html and "最多 30 天" in html
    htmx(
        page,
        f"{URL}/ops",
        {"csrf_token": csrf(page), "revision": "4", "action": "rule_remove", "index": "0"},
    )
    assert draft(fleet)["documents"]["entities/leave.json"]["rules"] == [
        {"check": "len(reason) > 0"}
    ]


def test_a_rule_needs_a_condition(designer, fleet):
    page = designer()
    response = htmx(
        page,
        f"{URL}/ops",
        {"csrf_token": csrf(page), "revision": "2", "action": "rule", "index": "0"},
    )
    assert response.status_code == 422
    assert "rules" not in draft(fleet)["documents"]["entities/leave.json"]


def test_a_builder_step_with_a_foreign_save_address_is_refused(designer, fleet):
    page = designer()
    form = builder_form(page, step="add", cond_save="https://example.com/")
    assert htmx(page, f"{URL}/condition", form).status_code == 400


def test_only_designers_may_build_conditions(make_user, as_user, fleet):
    make_user("eve")
    page = as_user("eve")
    response = htmx(page, f"{URL}/check-expression", {"csrf_token": csrf(page), "text": "days > 1"})
    assert response.status_code == 403


def test_rows_that_cannot_compile_stay_rows_when_switching_to_text(designer, fleet):
    page = designer("zh-CN")
    form = builder_form(page, step="text", row_field=["days"], row_op=["gt"], row_value=["许多"])
    html = htmx(page, f"{URL}/condition", form).get_data(as_text=True)
    assert 'data-mode="visual"' in html and "第 1 行：许多 不是数字。" in html


def test_a_builder_of_another_page_keeps_its_key_save_address_and_inputs(designer, fleet):
    page = designer()
    form = {
        "csrf_token": csrf(page),
        "cond_key": "approve@review",
        "cond_save": "/designer/fleet/processes/leave_flow/ops",
        "cond_target": "#process",
        "cond_label": "When",
        "transition": "approve@review",
        "revision": "2",
        "step": "add",
    }
    html = htmx(page, f"{URL}/condition", form).get_data(as_text=True)
    assert 'data-cond="approve@review"' in html and 'hx-target="#process"' in html
    assert 'hx-post="/designer/fleet/processes/leave_flow/ops"' in html
    assert 'name="transition" value="approve@review"' in html and 'name="row_field"' in html
