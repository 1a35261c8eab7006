"""The designer's condition builder: rows of (field, operator, value) joined by "all of"
or "any of", or the expression as text with field-name completion and a live check.

A builder is one form (``designer/_condition.html``).  Adding or removing a row,
choosing a field or switching between rows and text posts it to
``/designer/<app>/<entity>/condition``, which answers the builder again without saving
anything; the text is checked as it is typed by ``.../check-expression``.  Saving posts
the same form to the page's own save URL: the form designer's (field conditions and
the entity's rules, through :func:`condition_ops`) or, for a process's transition
guards, the process page's.  Such a page builds its builders with :func:`make_builder`
over :func:`condition_fields` of the process's entity (key ``<name>@<from>``, its own
hidden inputs such as ``transition``, ``save_url`` and ``save_target``), includes the
partial, and reads the saved expression with :func:`posted_expression`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import abort, request, url_for
from flask_babel import gettext as _

from formflow.design.conditions import (
    LISTS,
    MAX_ROWS,
    NO_VALUE,
    OPERATORS,
    Condition,
    ConditionError,
    Row,
    compile_condition,
    kind_of,
    parse_condition,
    split_values,
)
from formflow.design.expression_check import check_in_draft
from formflow.errors import ValidationFailed
from formflow.fields.properties import PROPERTIES
from formflow.i18n import LANGUAGES, Message
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.designer_apps import service
from formflow.web.designer_model import field_path, text
from formflow.web.language import page_language
from formflow.web.rendering import fragment

#: Field properties the builder edits.
CONDITION_PROPS = ("visible_if", "required_if", "readonly_if")
#: Form inputs a builder carries through its own requests unchanged.
ECHOED = (
    "revision",
    "field",
    "table",
    "prop",
    "index",
    "action",
    "transition",
    "part",
    "node",
    "view",
)
_KEY = re.compile(r"[A-Za-z0-9_@.-]{1,120}")
_TARGET = re.compile(r"#[A-Za-z][A-Za-z0-9_-]{0,60}")


@dataclass(frozen=True)
class FieldChoice:
    name: str
    label: str
    kind: str
    operators: tuple[str, ...]
    options: tuple[tuple[str, str], ...] = ()


@dataclass
class Builder:
    """What ``designer/_condition.html`` shows."""

    key: str  # unique on the page: "visible_if", "rule-0", "approve@review"
    label: str
    save_url: str
    entity: str
    fields: list[FieldChoice]
    hidden: dict[str, str]
    text: str = ""
    mode: str = "visual"
    join: str = "and"
    rows: list[Row] = field(default_factory=list)
    #: The draft's problems with the saved expression (shown red).
    problems: list[str] = field(default_factory=list)
    #: A message about the rows or the switch to rows (not saved).
    note: Message | None = None
    editable: bool = True
    #: The element the save's answer replaces.
    save_target: str = "#designer"
    #: A rule's message by language (None: the builder has none).
    messages: dict[str, str] | None = None

    def choice(self, name: str) -> FieldChoice | None:
        return next((f for f in self.fields if f.name == name), None)


def field_choices(fields: list[dict], lang: str) -> list[FieldChoice]:
    """The fields a condition may test: every field but line-item tables."""
    choices = []
    for item in fields:
        if not isinstance(item, dict) or item.get("type") == "table" or not item.get("name"):
            continue
        kind = kind_of(item.get("type"))
        options = tuple(
            (o, o)
            if isinstance(o, str)
            else (str(o.get("value")), text(o.get("label"), lang) or str(o.get("value")))
            for o in item.get("options") or []
            if isinstance(o, str | dict)
        )
        choices.append(
            FieldChoice(
                item["name"],
                text(item.get("label"), lang) or item["name"],
                kind,
                OPERATORS[kind],
                options,
            )
        )
    return choices


def _kinds(choices: list[FieldChoice]) -> dict[str, str]:
    return {choice.name: choice.kind for choice in choices}


def make_builder(
    key: str,
    label: str,
    expression: Any,
    fields: list[dict],
    *,
    save_url: str,
    entity: str,
    hidden: dict[str, str],
    problems: list[str] = (),
    editable: bool = True,
) -> Builder:
    """A builder showing a saved ``expression``: as rows when it reads back as rows
    (or is empty), else as text."""
    choices = field_choices(fields, page_language())
    source = expression if isinstance(expression, str) else ""
    builder = Builder(
        key,
        label,
        save_url,
        entity,
        choices,
        hidden,
        text=source,
        problems=list(problems),
        editable=editable,
    )
    condition = parse_condition(source, _kinds(choices)) if source.strip() else None
    if condition is not None:
        builder.join, builder.rows = condition.join, list(condition.rows)
    elif source.strip():
        builder.mode = "text"
    return builder


def _posted_rows(form) -> list[Row]:
    names, ops, values = (form.getlist(key) for key in ("row_field", "row_op", "row_value"))
    rows = []
    for index, name in enumerate(names[:MAX_ROWS]):
        op = ops[index] if index < len(ops) else ""
        value = values[index] if index < len(values) else ""
        rows.append(Row(name, op, split_values(value) if op in LISTS else value))
    return rows


def posted_expression(form, fields: list[dict]) -> str | None:
    """The expression a builder's form stands for (``None``: no condition).  Rows that
    do not compile are a ValidationFailed naming the row."""
    if form.get("mode") == "text":
        return form.get("text", "").strip() or None
    rows = _posted_rows(form)
    if not rows:
        return None
    condition = Condition("or" if form.get("join") == "or" else "and", tuple(rows))
    try:
        return compile_condition(condition, _kinds(field_choices(fields, page_language())))
    except ConditionError as error:
        raise ValidationFailed({"condition": [error.message]}) from None


def _fit(row: Row, choice: FieldChoice | None) -> Row:
    """A row whose operator fits its (perhaps newly chosen) field."""
    if choice is None:
        return row
    op = row.op if row.op in choice.operators else choice.operators[0]
    value = "" if op in NO_VALUE else row.value
    return Row(row.field, op, value)


def _rebuilt(builder: Builder, form) -> Builder:
    """The builder after one step of its form: add or remove a row, switch mode."""
    step = form.get("step", "")
    builder.join = "or" if form.get("join") == "or" else "and"
    builder.mode = "text" if form.get("mode") == "text" else "visual"
    builder.text = form.get("text", "")
    rows = [_fit(row, builder.choice(row.field)) for row in _posted_rows(form)]
    if step == "add" and builder.fields and len(rows) < MAX_ROWS:
        rows.append(_fit(Row(builder.fields[0].name, ""), builder.fields[0]))
    elif step.startswith("remove-") and step[7:].isdigit() and int(step[7:]) < len(rows):
        rows.pop(int(step[7:]))
    kinds = _kinds(builder.fields)
    if step == "text" and builder.mode == "visual":
        try:
            condition = Condition(builder.join, tuple(rows))
            builder.text = compile_condition(condition, kinds) if rows else ""
            builder.mode = "text"
        except ConditionError as error:
            builder.note = error.message
    elif step == "visual" and builder.mode == "text":
        condition = parse_condition(builder.text, kinds) if builder.text.strip() else None
        if condition is not None or not builder.text.strip():
            builder.mode = "visual"
            rows = list(condition.rows) if condition else []
            builder.join = condition.join if condition else builder.join
        else:
            builder.note = Message("condition_not_visual")
    builder.rows = rows
    return builder


def condition_fields(document: dict, table: str | None) -> list[dict]:
    """The fields a condition of ``document`` reads: its own, or a table's columns."""
    fields = [f for f in document.get("fields") or [] if isinstance(f, dict)]
    if table:
        owner = next((f for f in fields if f.get("name") == table), {})
        fields = [f for f in owner.get("fields") or [] if isinstance(f, dict)]
    return fields


@web.post("/designer/<app>/<entity>/condition")
def designer_condition(app: str, entity: str):
    """One step of a builder (nothing is saved): the builder again."""
    form = request.form
    key, save_url = form.get("cond_key", ""), form.get("cond_save", "")
    target = form.get("cond_target", "#designer")
    if (
        not _KEY.fullmatch(key)
        or not _TARGET.fullmatch(target)
        or not save_url.startswith(url_for("web.designer_apps"))
    ):
        abort(400)
    draft = service().draft(signed_in(), app)
    document = draft.documents.get(f"entities/{entity}.json")
    if not isinstance(document, dict):
        abort(404)
    fields = condition_fields(document, form.get("table") or None)
    hidden = {name: form[name] for name in ECHOED if form.get(name)}
    builder = make_builder(
        key,
        form.get("cond_label", ""),
        None,
        fields,
        save_url=save_url,
        entity=entity,
        hidden=hidden,
    )
    builder.save_target = target
    if "message_en" in form:
        builder.messages = {lang: form.get(f"message_{lang}", "") for lang in LANGUAGES}
    return fragment("designer/_condition", app=app, b=_rebuilt(builder, form), lang=page_language())


@web.post("/designer/<app>/<entity>/check-expression")
def designer_check_expression(app: str, entity: str):
    """The live check of a builder's text: ok, or what is wrong, in the page's language."""
    body = {
        "expression": request.form.get("text", ""),
        "entity": entity,
        "table": request.form.get("table") or None,
    }
    try:
        result = check_in_draft(service(), signed_in(), app, body)
    except ValidationFailed:
        abort(404)
    blank = not body["expression"].strip()
    return fragment("designer/_expression_check", result=result, blank=blank, lang=page_language())


# -- the form designer's builders ------------------------------------------------------


def _problems_at(draft, path: str) -> list[str]:
    return [p["message"] for p in draft.problems if p["path"] == path]


def panel_builders(
    app: str,
    entity: str,
    document: dict,
    field_doc: dict | None,
    table: str | None,
    draft,
    editable: bool,
) -> dict[str, Builder]:
    """The builders of the selected field's conditions, by property."""
    if field_doc is None:
        return {}
    fields = condition_fields(document, table)
    save_url = url_for("web.designer_form_ops", app=app, entity=entity)
    path = field_path(entity, field_doc.get("name", ""), table)
    builders = {}
    for prop in CONDITION_PROPS:
        hidden = {
            "revision": str(draft.revision),
            "field": field_doc.get("name", ""),
            "prop": prop,
            "action": "condition",
            **({"table": table} if table else {}),
        }
        label = text(PROPERTIES[prop]["x-label"], page_language())
        builders[prop] = make_builder(
            prop,
            label,
            field_doc.get(prop),
            fields,
            save_url=save_url,
            entity=entity,
            hidden=hidden,
            problems=_problems_at(draft, f"{path}/{prop}"),
            editable=editable,
        )
    return builders


def rule_builders(
    app: str, entity: str, document: dict, draft, editable: bool
) -> list[tuple[dict, Builder]]:
    """The entity's rules, each with its builder, and a builder for a new one."""
    rules = [r for r in document.get("rules") or [] if isinstance(r, dict)]
    fields = condition_fields(document, None)
    save_url = url_for("web.designer_form_ops", app=app, entity=entity)
    result = []
    for index, rule in enumerate([*rules, {}]):
        hidden = {"revision": str(draft.revision), "index": str(index), "action": "rule"}
        builder = make_builder(
            f"rule-{index}",
            _("Rule %(n)s", n=index + 1) if index < len(rules) else _("New rule"),
            rule.get("check"),
            fields,
            save_url=save_url,
            entity=entity,
            hidden=hidden,
            editable=editable,
            problems=_problems_at(draft, f"entities/{entity}/rules/{index}/check"),
        )
        message = rule.get("message")
        builder.messages = (
            message
            if isinstance(message, dict)
            else ({"en": message} if isinstance(message, str) else {})
        )
        result.append((rule, builder))
    return result


def condition_ops(action: str, entity: str, document: dict, form, table: str | None) -> list[dict]:
    """The operations of saving a field's condition (``condition``), a rule (``rule``)
    or removing a rule (``rule_remove``)."""
    if action == "condition":
        prop = form.get("prop", "")
        if prop not in CONDITION_PROPS:
            abort(400)
        path = f"{field_path(entity, form.get('field', ''), table)}/{prop}"
        return [
            {
                "op": "set",
                "path": path,
                "value": posted_expression(form, condition_fields(document, table)),
            }
        ]
    rules = [r for r in document.get("rules") or [] if isinstance(r, dict)]
    index = form.get("index", type=int)
    if index is None or not 0 <= index <= len(rules) - (action == "rule_remove"):
        abort(400)
    if action == "rule_remove":
        rules.pop(index)
    else:
        check = posted_expression(form, condition_fields(document, None))
        if check is None:
            raise ValidationFailed({"condition": [Message("condition_no_rows")]})
        rule: dict[str, Any] = {"check": check}
        message = {lang: form.get(f"message_{lang}", "").strip() for lang in LANGUAGES}
        if any(message.values()):
            rule["message"] = {lang: value for lang, value in message.items() if value}
        rules[index : index + 1] = [rule]
    return [{"op": "set", "path": f"entities/{entity}/rules", "value": rules or None}]
