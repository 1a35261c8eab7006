"""The condition builder's rows compile to expressions and read back from them; what
it cannot read back opens as text; the live check names unknown fields and syntax
errors in the user's language."""

from __future__ import annotations

import pytest

from formflow.design.conditions import (
    Condition,
    ConditionError,
    Row,
    compile_condition,
    parse_condition,
)
from formflow.design.expression_check import check_expression
from formflow.errors import ValidationFailed
from formflow.expressions import compile_expression

KINDS = {
    "kind": "choice",
    "days": "number",
    "reason": "text",
    "start": "date",
    "urgent": "boolean",
    "tags": "choices",
    "file": "other",
}


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (
            Condition("and", (Row("kind", "eq", "annual"), Row("days", "gt", "5"))),
            "kind == 'annual' and days > 5",
        ),
        (
            Condition("or", (Row("reason", "contains", "急"), Row("days", "le", "-1.5"))),
            "contains(reason, '急') or days <= -1.5",
        ),
        (Condition("and", (Row("reason", "eq", 'it\'s \\ "q"'),)), "reason == 'it\\'s \\\\ \"q\"'"),
        (
            Condition("and", (Row("start", "ge", "2024-05-01"), Row("start", "lt", "2024-06-01"))),
            "start >= date('2024-05-01') and start < date('2024-06-01')",
        ),
        (
            Condition(
                "or", (Row("reason", "empty"), Row("file", "not_empty"), Row("days", "empty"))
            ),
            "len(reason) == 0 or file is not None or days is None",
        ),
        (
            Condition(
                "and", (Row("kind", "in", ("年假", "病假")), Row("days", "not_in", ("1", "2")))
            ),
            "kind in ['年假', '病假'] and days not in [1, 2]",
        ),
        (
            Condition(
                "and",
                (
                    Row("urgent", "true"),
                    Row("tags", "not_contains", "a"),
                    Row("kind", "ne", "事假"),
                ),
            ),
            "urgent == True and not contains(tags, 'a') and kind != '事假'",
        ),
        (
            Condition("and", (Row("tags", "not_empty"), Row("urgent", "false"))),
            "len(tags) > 0 and urgent == False",
        ),
    ],
)
def test_rows_compile_to_an_expression_that_reads_back_as_the_same_rows(condition, text):
    assert compile_condition(condition, KINDS) == text
    compile_expression(text)  # the language accepts it
    assert parse_condition(text, KINDS) == condition


def test_a_number_is_written_plainly_and_an_in_list_splits_on_both_commas():
    condition = Condition("and", (Row("days", "ge", " 1e1 "), Row("reason", "in", "甲，乙, 丙")))
    text = compile_condition(condition, KINDS)
    assert text == "days >= 10 and reason in ['甲', '乙', '丙']"
    assert parse_condition(text, KINDS).rows[1].value == ("甲", "乙", "丙")


def test_hand_written_simple_expressions_open_as_rows():
    assert parse_condition('kind == "annual"', KINDS) == Condition(
        "and", (Row("kind", "eq", "annual"),)
    )
    assert parse_condition("days > 3.50", KINDS).rows[0].value == "3.5"


@pytest.mark.parametrize(
    "text",
    [
        "kind == 'a' and days > 5 or urgent == True",  # mixed and/or
        "days + 1 > 5",
        "days == 'five'",  # a text compared with a number field
        "reason == 5",
        "unknown == 1",
        "start > '2024-01-01'",
        "5 < days",
        "kind == 'a' and",
        "len(days) == 0",  # a number's emptiness is "is None"
        "reason in ['a,b']",
        "days > 5 if urgent else False",
        "",
    ],
)
def test_what_the_builder_does_not_write_opens_as_text(text):
    assert parse_condition(text, KINDS) is None


@pytest.mark.parametrize(
    ("row", "key"),
    [
        (Row("days", "gt", "many"), "condition_number"),
        (Row("start", "eq", "31/05/2024"), "condition_date"),
        (Row("reason", "eq", " "), "condition_value_missing"),
        (Row("days", "contains", "1"), "condition_operator"),
        (Row("nope", "eq", "1"), "condition_unknown_field"),
        (Row("kind", "in", " , "), "condition_value_missing"),
    ],
)
def test_a_row_that_cannot_compile_says_which_and_why(row, key):
    with pytest.raises(ConditionError) as caught:
        compile_condition(Condition("and", (row,)), KINDS)
    assert caught.value.message.key == key
    assert caught.value.message.params.get("row", 1) == 1


def test_no_rows_is_an_error():
    with pytest.raises(ConditionError):
        compile_condition(Condition("or", ()), KINDS)


DOCUMENTS = {
    "entities/leave.json": {
        "name": "leave",
        "fields": [
            {"name": "kind", "type": "select"},
            {"name": "days", "type": "integer"},
            {"name": "boss", "type": "link", "to": "person"},
            {"name": "lines", "type": "table", "fields": [{"name": "amount", "type": "money"}]},
        ],
    },
    "entities/person.json": {"name": "person", "fields": [{"name": "title", "type": "text"}]},
}


@pytest.mark.parametrize(
    "text",
    [
        "kind == 'a' and days > 1",
        "boss.title == 'x'",
        "sum(lines.amount) > 0",
        "_state == 'draft'",
        "len(kind) > 0",
    ],
)
def test_the_live_check_accepts_names_of_the_draft(text):
    assert check_expression(DOCUMENTS, "leave", text).ok


@pytest.mark.parametrize(
    ("text", "table", "lang", "expected"),
    [
        ("dayz > 1", None, "en", "Unknown field dayz; did you mean days?"),
        ("dayz > 1", None, "zh-CN", "未知字段 dayz，是否应为 days？"),
        ("boss.titel == 'x'", None, "en", "Unknown field boss.titel; did you mean boss.title?"),
        ("lines.qty > 1", None, "en", "Unknown field lines.qty."),
        (
            "kind.x == 1",
            None,
            "en",
            "kind is not a link or table field, so x cannot be read through it.",
        ),
        (
            "amount > parent.dayz",
            "lines",
            "en",
            "Unknown field parent.dayz; did you mean parent.days?",
        ),
        ("kind == 'a' and", None, "zh-CN", "第 16 个字符处有语法错误。"),
        ("frobnicate(days)", None, "en", "Unknown function frobnicate (character 1)."),
    ],
)
def test_the_live_check_names_the_problem_in_the_users_language(text, table, lang, expected):
    result = check_expression(DOCUMENTS, "leave", text, table)
    assert not result.ok
    assert result.message.render(lang) == expected


def test_the_live_check_of_an_unknown_entity_is_a_validation_error():
    with pytest.raises(ValidationFailed):
        check_expression(DOCUMENTS, "nope", "days > 1")
    with pytest.raises(ValidationFailed):
        check_expression(DOCUMENTS, "leave", "days > 1", table="kind")


@pytest.mark.parametrize(
    ("text", "detail"),
    [("kind == 'sickk'", "sickk"), ("days > 'many'", "days"), ("lines.amount == 1", None)],
)
def test_the_live_check_reports_values_a_field_can_never_hold(text, detail):
    documents = {
        **DOCUMENTS,
        "entities/leave.json": {
            "name": "leave",
            "fields": [
                {"name": "kind", "type": "select", "options": ["sick", "annual"]},
                {"name": "days", "type": "integer"},
                {"name": "lines", "type": "table", "fields": [{"name": "amount", "type": "money"}]},
            ],
        },
    }
    result = check_expression(documents, "leave", text)
    if detail is None:
        assert result.ok
    else:
        assert not result.ok and detail in result.message.render("zh-CN")
        assert result.message.render("zh-CN").startswith("此条件永远不会成立：")
